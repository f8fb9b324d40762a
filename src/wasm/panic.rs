//! The panic handler of the widget's release build (without the `std` feature).
//!
//! A panic in the widget is a bug, never an answer to input: every input error is a typed
//! `WalletPushError`. The standard library's handler formats the message and its source
//! location, which keeps `core::fmt`, every panic message of the dependencies and their file
//! paths in the `.wasm`; this one traps at once. The page sees what it saw before with
//! `panic = "abort"`: the call throws `RuntimeError: unreachable`, and the frame reports
//! `INTERNAL`.

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

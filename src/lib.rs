//! walletpush: put a card into a digital wallet from an issuer's web page.
//!
//! This crate is the pure core of the widget: JOSE as the `walletpush/1` protocol needs it
//! (P-256 JWKs, JWE `ECDH-ES` + `A256GCM`, JWS `ES256`), the card handle and the wallet session
//! token. It performs no I/O and reads no clock: randomness and the current time are passed in,
//! so everything here is tested natively and runs unchanged in the browser. The WebAssembly
//! bindings live in [`wasm`] and are compiled for `wasm32` only.
//!
//! With the `bare` feature (the widget's release build, `scripts/build.sh`) the crate is `no_std`
//! on wasm32: a panic traps at once instead of formatting a message through `std`'s panic
//! machinery, and `dlmalloc` is the global allocator, as it is inside `std` for this target.
//! That keeps `std`'s panic machinery out of the `.wasm` (the crate itself formats nothing).
#![forbid(unsafe_code)]
#![cfg_attr(all(feature = "bare", target_arch = "wasm32"), no_std)]

extern crate alloc;

pub mod b64;
pub mod error;
pub mod flow;
pub mod handle;
pub mod json;
pub mod jwe;
pub mod jwk;
pub mod jws;
pub mod kdf;
pub mod payload;
mod prelude;
pub mod session;
pub mod wallet;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, ErrorCode};

/// Without `std`, a panic traps: a bug in the core must never reach the page as anything but a
/// failed call, which the frame reports as `INTERNAL`.
#[cfg(all(feature = "bare", target_arch = "wasm32"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(all(feature = "bare", target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

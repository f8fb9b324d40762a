//! The two inline start-up scripts of `frame.html`, which its Content-Security-Policy allows by
//! their hashes ([`inline_script_hashes`]); [`crate::www`] writes them into the page and
//! [`crate::csp`] lists their hashes.

/// The Wasm module the walletpush/1 adapter loads: one literal for [`WASM_MODULE`] and
/// [`EARLY_COMPILE`].
macro_rules! wasm_module {
    () => {
        "pkg/walletpush_bg.wasm"
    };
}

/// The path of the widget's Wasm module, relative to `frame.html`.
pub const WASM_MODULE: &str = wasm_module!();
/// The frame page's first inline script (allowed by its hash, [`inline_script_hashes`]): it asks
/// the host for the handle at once, while the frame's modules still load, and keeps what arrives
/// in `window.walletpushInbox` until www/frame.js takes it and applies its own checks (sender
/// and origin). `frame-ready` carries nothing and goes only to the origin the frame's URL names
/// as its host: `postMessage` drops it if the parent is not that origin.
pub const EARLY_HANDSHAKE: &str = r#"window.walletpushInbox=[];addEventListener("message",function(e){window.walletpushInbox&&window.walletpushInbox.push(e)});var h=new URLSearchParams(location.search).get("host");if(parent!==window&&/^https?:\/\/[^\/?#]+$/.test(h))parent.postMessage({type:"walletpush/frame-ready"},h);"#;

/// The frame page's second inline script, where a walletpush/1 wallet is named (allowed by its
/// hash, [`inline_script_hashes`]): it starts compiling the Wasm module from the preload's
/// response while its bytes arrive, before the frame's modules have loaded;
/// www/adapters/walletpush.js takes the compiled module from `window.walletpushWasm`. A failure
/// (a CSP without `'wasm-unsafe-eval'`) surfaces there.
pub const EARLY_COMPILE: &str = concat!(
    r#"window.walletpushWasm=WebAssembly.compileStreaming(fetch(""#,
    wasm_module!(),
    r#""));window.walletpushWasm.catch(()=>{});"#
);

/// The CSP sources of [`EARLY_HANDSHAKE`] and [`EARLY_COMPILE`]: `'sha256-…' 'sha256-…'`
/// (CSP Level 3 §8.4, base64 with padding).
pub fn inline_script_hashes() -> String {
    use base64ct::{Base64, Encoding};
    use sha2::{Digest, Sha256};
    [EARLY_HANDSHAKE, EARLY_COMPILE]
        .map(|script| {
            format!(
                "'sha256-{}'",
                Base64::encode_string(&Sha256::digest(script.as_bytes()))
            )
        })
        .join(" ")
}

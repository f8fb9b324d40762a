//! walletpush: put a card into a digital wallet from an issuer's web page.
//!
//! This crate is the pure core of the widget: JOSE as the `walletpush/1` protocol needs it
//! (P-256 JWKs, JWE `ECDH-ES` + `A256GCM`, JWS `ES256`), the card handle and the wallet session
//! token. It performs no I/O and reads no clock: randomness and the current time are passed in,
//! so everything here is tested natively and runs unchanged in the browser. The WebAssembly
//! bindings live in [`wasm`] and are compiled for `wasm32` only.
//!
//! The crate's own code needs only `core` and `alloc`. The widget's Wasm links the standard
//! library nevertheless, for p256's table of base-point multiples (see Cargo.toml).
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod b64;
pub mod binding;
pub mod error;
pub mod flow;
pub mod handle;
pub mod json;
pub mod jwe;
pub mod jwk;
pub mod jws;
pub mod kdf;
pub mod payload;
pub mod result;
pub mod session;
pub mod text;
pub mod wallet;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, ErrorCode};

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

//! The WebAssembly interface (wasm32 only): a thin shell over the pure core.
//!
//! [`widget`] is the `Widget` class that the frame page drives through one attempt at a time;
//! [`jose`] holds `encryptJwe`. The rest of the toolkit (`validateJwk`, `readHandle`,
//! `decryptJwe`, `signJws`, `verifyJws`, `generateKey`) is in `toolkit`, compiled only with the
//! `toolkit` feature: the frame drives only the `Widget`, and every export pulls its code into
//! the `.wasm` that every host page downloads.

mod alloc;
pub mod jose;
mod js;
mod rng;
#[cfg(feature = "toolkit")]
pub mod toolkit;
pub mod widget;

pub use jose::encrypt_jwe;
#[cfg(feature = "toolkit")]
pub use toolkit::{decrypt_jwe, generate_key, read_handle, sign_jws, validate_jwk, verify_jws};
pub use widget::Widget;

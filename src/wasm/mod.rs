//! The WebAssembly interface (wasm32 only): a thin shell over the pure core.
//!
//! [`jose`] is the JOSE toolkit (`encryptJwe`, `verifyJws`, ...); [`widget`] is the `Widget`
//! class that the frame page drives through one attempt at a time.

pub mod jose;
mod js;
pub mod widget;

pub use jose::{
    decrypt_jwe, encrypt_jwe, generate_key, read_handle, sign_jws, validate_jwk, verify_jws,
};
pub use widget::Widget;

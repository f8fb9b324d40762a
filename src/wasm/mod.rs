//! The WebAssembly interface (wasm32 only): a thin shell over the pure core.
//!
//! [`widget`] is the `Widget` class that the frame page drives through one attempt at a time;
//! [`jose`] holds the JOSE functions the widget's page may call (`encryptJwe`, `validateJwk`,
//! `readHandle`). The rest of the toolkit (`decryptJwe`, `signJws`, `verifyJws`,
//! `generateKey`) is in `toolkit`, compiled only with the `toolkit` feature: the widget does not
//! need ECDSA signing or JWE decryption, and every export pulls its code into the `.wasm`.

pub mod jose;
mod js;
#[cfg(feature = "toolkit")]
pub mod toolkit;
pub mod widget;

pub use jose::{encrypt_jwe, read_handle, validate_jwk};
#[cfg(feature = "toolkit")]
pub use toolkit::{decrypt_jwe, generate_key, sign_jws, verify_jws};
pub use widget::Widget;

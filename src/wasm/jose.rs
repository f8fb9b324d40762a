//! The JOSE function of the widget's own build: `encryptJwe`.
//!
//! It validates its input and throws a JS `Error` whose `code` is `INPUT_INVALID`,
//! `KEY_INVALID` or `JWE_INVALID` (the toolkit's codes; the widget's events use the product
//! codes of docs/design.md §5). Key errors also carry a `reason`; JWE errors say nothing about which
//! check failed. Nothing here panics on input. The rest of the toolkit (key validation, handle
//! reading, decryption, signatures, key generation) is in [`super::toolkit`], behind the
//! `toolkit` feature: the frame only drives the `Widget`, and every export adds to the `.wasm`
//! every host page downloads.

use js_sys::{JsString, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use super::js::{
    error, input, key_error, now, option_bytes, option_string, options_of, public_key,
};

use super::rng::BrowserRng;
use crate::jwe::{self, JweParams};
use crate::jwk::{KeyUse, UsePolicy};

/// Encrypts `plaintext` to `recipient` as a compact JWE (`ECDH-ES`, `A256GCM`).
///
/// `options`: `{kid?: string, apu?: string | Uint8Array, apv?: string | Uint8Array}`; strings
/// are taken as UTF-8. The recipient key's `use` and `alg`, if present, must fit encryption, and
/// its `exp`, if present, must lie in the future.
#[wasm_bindgen(js_name = encryptJwe)]
pub fn encrypt_jwe(
    recipient: JsValue,
    plaintext: JsValue,
    options: JsValue,
) -> Result<JsString, JsValue> {
    let options = options_of(options)?;
    // Checked here: wasm-bindgen does not check the class of an imported type.
    let plaintext = plaintext
        .dyn_ref::<Uint8Array>()
        .ok_or_else(|| input("plaintext must be a Uint8Array"))?;
    let key = public_key(&recipient)?;
    key.check_for(KeyUse::Enc, UsePolicy::IfPresent, now())
        .map_err(key_error)?;
    let kid = option_string(options.as_ref(), "kid")?;
    let apu = option_bytes(options.as_ref(), "apu")?;
    let apv = option_bytes(options.as_ref(), "apv")?;
    let plaintext = Zeroizing::new(plaintext.to_vec());
    let params = JweParams {
        kid: kid.as_deref(),
        apu: apu.as_deref(),
        apv: apv.as_deref(),
    };
    jwe::encrypt(&key, &plaintext, &params, &mut BrowserRng)
        .map(|jwe| JsString::from(jwe.as_str()))
        .map_err(|_| error("JWE_INVALID", "the JWE could not be built", None))
}

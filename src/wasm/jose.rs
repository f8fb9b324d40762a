//! The JOSE functions the widget's page may call: `encryptJwe`, `validateJwk`, `readHandle`.
//!
//! Every function validates its input and throws a JS `Error` whose `code` is one of
//! `INPUT_INVALID`, `KEY_INVALID`, `JWE_INVALID`, `HANDLE_INVALID` (the toolkit's codes; the
//! widget's events use the product codes of DESIGN.md §5). Key errors also carry a `reason`;
//! JWE errors say nothing about which check failed. Nothing here panics on input. The rest of
//! the toolkit (decryption, signatures, key generation) is in [`super::toolkit`], behind the
//! `toolkit` feature, so the widget does not carry it.

use getrandom::SysRng;
use js_sys::Uint8Array;
use rand_core::UnwrapErr;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use super::js::{
    error, input, key_error, now, option_bool, option_bytes, option_string, options_of, public_key,
    to_js,
};

use crate::handle::CardHandle;
use crate::json::{Object, Value};
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
) -> Result<String, JsValue> {
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
    jwe::encrypt(&key, &plaintext, &params, &mut UnwrapErr(SysRng))
        .map_err(|_| error("JWE_INVALID", "the JWE could not be built", None))
}

/// Validates a P-256 JWK and returns its public part, normalised.
///
/// `options`: `{use?: "enc" | "sig", requireUse?: boolean}`. With `use`, the key's `use`
/// (required when `requireUse`), `alg` and `exp` are checked for that purpose.
#[wasm_bindgen(js_name = validateJwk)]
pub fn validate_jwk(jwk: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let options = options_of(options)?;
    let key = public_key(&jwk)?;
    let required = option_bool(options.as_ref(), "requireUse")?;
    let policy = if required {
        UsePolicy::Required
    } else {
        UsePolicy::IfPresent
    };
    match option_string(options.as_ref(), "use")?.as_deref() {
        None => {}
        Some("enc") => key
            .check_for(KeyUse::Enc, policy, now())
            .map_err(key_error)?,
        Some("sig") => key
            .check_for(KeyUse::Sig, policy, now())
            .map_err(key_error)?,
        Some(_) => return Err(input("options.use must be \"enc\" or \"sig\"")),
    }
    to_js(&key.to_value())
}

/// Reads a card handle's displayable claims without verifying it (the issuer API verifies).
/// Returns `{display: {last4, network, product, art?}, wallets: string[], exp: number}`.
#[wasm_bindgen(js_name = readHandle)]
pub fn read_handle(handle: &str) -> Result<JsValue, JsValue> {
    let handle =
        CardHandle::parse(handle).map_err(|e| error(e.code().as_str(), e.message(), None))?;
    let claims = handle.claims();
    let mut out = Object::new();
    out.insert("display", claims.display.to_value());
    let wallets = claims.wallets.iter().map(|w| Value::from(w.as_str()));
    out.insert("wallets", wallets.collect::<Vec<_>>());
    out.insert("exp", claims.exp);
    to_js(&Value::Object(out))
}

//! The rest of the JOSE toolkit for JavaScript callers (feature `toolkit`): `validateJwk`,
//! `readHandle`, `decryptJwe`, `signJws`, `verifyJws`, `generateKey`. The widget never calls
//! them; the interop tests and tools do. Same error contract as [`super::jose`], plus
//! `JWS_INVALID`, which says nothing about which check failed, and `HANDLE_INVALID`.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use js_sys::{Object, Uint8Array, JSON};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use super::js::{
    bytes_of, error, input, json_text, key_error, now, option_bool, option_string, options_of,
    parse, public_key, set, to_js,
};
use super::rng::BrowserRng;
use crate::handle::CardHandle;
use crate::json::{Object as JsonObject, Value};
use crate::jwe;
use crate::jwk::{KeySet, KeyUse, PrivateJwk, PublicJwk, UsePolicy};
use crate::jws;

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
    let mut out = JsonObject::new();
    out.insert("display", claims.display.to_value());
    let wallets = claims.wallets.iter().map(|w| Value::from(w.as_str()));
    out.insert("wallets", wallets.collect::<Vec<_>>());
    out.insert("exp", claims.exp);
    to_js(&Value::Object(out))
}

/// Decrypts a compact JWE (`ECDH-ES`, `A256GCM` only) with a private JWK.
/// Returns `{header: object, plaintext: Uint8Array}`.
#[wasm_bindgen(js_name = decryptJwe)]
pub fn decrypt_jwe(recipient: JsValue, compact: &str) -> Result<Object, JsValue> {
    let key = private_key(&recipient)?;
    let out = jwe::decrypt(&key, compact)
        .map_err(|_| error("JWE_INVALID", "the JWE could not be decrypted", None))?;
    let result = Object::new();
    set(&result, "header", &to_js(&Value::Object(out.header))?)?;
    set(&result, "plaintext", &Uint8Array::from(&out.plaintext[..]))?;
    Ok(result)
}

/// Signs `payload` (bytes, or a string taken as UTF-8) as a compact ES256 JWS.
/// `options`: `{typ?: string}`; the key's `kid` goes into the header.
#[wasm_bindgen(js_name = signJws)]
pub fn sign_jws(signer: JsValue, payload: JsValue, options: JsValue) -> Result<String, JsValue> {
    let options = options_of(options)?;
    let key = private_key(&signer)?;
    let typ = option_string(options.as_ref(), "typ")?;
    let payload = bytes_of(&payload).ok_or_else(|| input("payload must be bytes or a string"))?;
    Ok(jws::sign(&key, typ.as_deref(), &payload))
}

/// Verifies a compact ES256 JWS against a key set (`{keys: [...]}`) or one JWK, choosing the
/// key by `kid`; only a key with `use: "sig"` verifies. One JWK without it, or with another
/// `use`, `alg` or a past `exp`, throws `KEY_INVALID`. Returns
/// `{header: object, payload: Uint8Array}`.
#[wasm_bindgen(js_name = verifyJws)]
pub fn verify_jws(keys: JsValue, compact: &str) -> Result<Object, JsValue> {
    let text = json_text(&keys)?;
    let value = parse(&text)?;
    let keys = if value.get("keys").is_some() {
        KeySet::from_value(&value).map_err(key_error)?
    } else {
        let key = PublicJwk::from_value(&value).map_err(key_error)?;
        key.check_for(KeyUse::Sig, UsePolicy::Required, now())
            .map_err(key_error)?;
        KeySet::new(vec![key])
    };
    let verified = jws::verify(&keys, compact, now())
        .map_err(|_| error("JWS_INVALID", "the JWS did not verify", None))?;
    let result = Object::new();
    set(&result, "header", &to_js(&Value::Object(verified.header))?)?;
    set(&result, "payload", &Uint8Array::from(&verified.payload[..]))?;
    Ok(result)
}

/// Makes a fresh P-256 key; returns the private JWK. `options`: `{kid?, use?: "enc" | "sig"}`.
#[wasm_bindgen(js_name = generateKey)]
pub fn generate_key(options: JsValue) -> Result<JsValue, JsValue> {
    let options = options_of(options)?;
    let mut key = PrivateJwk::generate(&mut BrowserRng);
    let key_use = match option_string(options.as_ref(), "use")?.as_deref() {
        None | Some("enc") => KeyUse::Enc,
        Some("sig") => KeyUse::Sig,
        Some(_) => return Err(input("options.use must be \"enc\" or \"sig\"")),
    };
    let kid = option_string(options.as_ref(), "kid")?.unwrap_or_else(|| key.public().thumbprint());
    key = key.with_meta(kid, key_use);
    let text = key.to_json();
    JSON::parse(&text)
}

fn private_key(value: &JsValue) -> Result<PrivateJwk, JsValue> {
    let text = json_text(value)?;
    // Zeroized on drop: an escaped `d` would be an owned copy.
    let json = Zeroizing::new(parse(&text)?);
    PrivateJwk::from_value(&json).map_err(key_error)
}

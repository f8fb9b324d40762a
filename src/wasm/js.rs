//! Small conversions between JS values and the core's types, and the JS errors thrown.

use alloc::{string::String, vec::Vec};
use js_sys::{Object, Reflect, Uint8Array, JSON};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::json::{self, Value};
use crate::jwk::{KeyError, PublicJwk};

pub(crate) fn now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

pub(crate) fn public_key(value: &JsValue) -> Result<PublicJwk, JsValue> {
    PublicJwk::from_value(&parse(&json_text(value)?)?).map_err(key_error)
}

/// JSON text from a JS object or from JSON text, in a buffer zeroized on drop (it may hold a
/// private key).
pub(crate) fn json_text(value: &JsValue) -> Result<Zeroizing<String>, JsValue> {
    let text = match value.as_string() {
        Some(text) => Zeroizing::new(text),
        None if value.is_object() => Zeroizing::new(
            JSON::stringify(value)
                .ok()
                .and_then(|s| s.as_string())
                .ok_or_else(|| input("the value is not serialisable as JSON"))?,
        ),
        None => return Err(input("expected an object or JSON text")),
    };
    Ok(text)
}

/// Parses JSON text; strings borrow from `text`.
pub(crate) fn parse(text: &str) -> Result<Value<'_>, JsValue> {
    json::parse(text.as_bytes())
        .map_err(|_| error("KEY_INVALID", "malformed JSON", Some("Malformed")))
}

pub(crate) fn bytes_of(value: &JsValue) -> Option<Vec<u8>> {
    if let Some(text) = value.as_string() {
        return Some(text.into_bytes());
    }
    value.dyn_ref::<Uint8Array>().map(Uint8Array::to_vec)
}

/// `undefined`/`null` or a plain object; anything else is refused (wasm-bindgen does not check).
pub(crate) fn options_of(value: JsValue) -> Result<Option<Object>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .dyn_into::<Object>()
        .map(Some)
        .map_err(|_| input("options must be an object"))
}

pub(crate) fn option(options: Option<&Object>, name: &str) -> Result<JsValue, JsValue> {
    match options {
        None => Ok(JsValue::UNDEFINED),
        Some(o) => Reflect::get(o, &JsValue::from_str(name)),
    }
}

pub(crate) fn option_string(
    options: Option<&Object>,
    name: &str,
) -> Result<Option<String>, JsValue> {
    let value = option(options, name)?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .as_string()
        .map(Some)
        .ok_or_else(|| wrong_option(name, "a string"))
}

pub(crate) fn option_bytes(
    options: Option<&Object>,
    name: &str,
) -> Result<Option<Vec<u8>>, JsValue> {
    let value = option(options, name)?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    bytes_of(&value)
        .map(Some)
        .ok_or_else(|| wrong_option(name, "a string or a Uint8Array"))
}

#[cfg(feature = "toolkit")]
pub(crate) fn option_bool(options: Option<&Object>, name: &str) -> Result<bool, JsValue> {
    let value = option(options, name)?;
    if value.is_undefined() {
        return Ok(false);
    }
    value
        .as_bool()
        .ok_or_else(|| wrong_option(name, "a boolean"))
}

#[cfg(feature = "toolkit")]
pub(crate) fn to_js(value: &Value<'_>) -> Result<JsValue, JsValue> {
    JSON::parse(&value.to_json())
}

pub(crate) fn set(target: &Object, name: &str, value: &JsValue) -> Result<(), JsValue> {
    Reflect::set(target, &JsValue::from_str(name), value).map(|_| ())
}

pub(crate) fn key_error(e: KeyError) -> JsValue {
    error("KEY_INVALID", e.describe(), Some(e.name()))
}

/// `INPUT_INVALID`: "options.<name> must be <what>".
fn wrong_option(name: &str, what: &str) -> JsValue {
    input(&crate::text::concat(&["options.", name, " must be ", what]))
}

pub(crate) fn input(message: &str) -> JsValue {
    error("INPUT_INVALID", message, None)
}

/// A JS `Error` named `WalletPushError` with a stable `code` (and a `reason` for key errors).
pub(crate) fn error(code: &str, message: &str, reason: Option<&str>) -> JsValue {
    let err = js_sys::Error::new(message);
    err.set_name("WalletPushError");
    let _ = Reflect::set(&err, &"code".into(), &code.into());
    if let Some(reason) = reason {
        let _ = Reflect::set(&err, &"reason".into(), &reason.into());
    }
    err.into()
}

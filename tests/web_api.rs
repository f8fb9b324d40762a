//! The JavaScript interface, called as a page would, in headless Chromium: typed errors with a
//! stable `code` for bad input, never a panic.
#![cfg(all(target_arch = "wasm32", feature = "toolkit"))]
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use js_sys::{Reflect, Uint8Array, JSON};
use walletpush::wasm::{
    decrypt_jwe, encrypt_jwe, generate_key, sign_jws, validate_jwk, verify_jws,
};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test as test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn js(text: &str) -> JsValue {
    JSON::parse(text).unwrap()
}

fn code_of(err: JsValue) -> String {
    Reflect::get(&err, &"code".into())
        .unwrap()
        .as_string()
        .unwrap()
}

fn get(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &name.into()).unwrap()
}

#[test]
fn encrypt_decrypt_round_trip_in_the_browser() {
    let private = generate_key(js(r#"{"use":"enc","kid":"k1"}"#)).unwrap();
    let public = validate_jwk(private.clone(), js(r#"{"use":"enc","requireUse":true}"#)).unwrap();
    let msg = Uint8Array::from(&b"{\"pan\":\"4111111111111111\"}"[..]);
    let jwe: String = encrypt_jwe(
        public,
        msg.into(),
        js(r#"{"kid":"k1","apu":"o","apv":"s"}"#),
    )
    .unwrap()
    .into();
    let out = decrypt_jwe(private, &jwe).unwrap();
    let plaintext = Uint8Array::new(&get(&out, "plaintext")).to_vec();
    assert_eq!(plaintext, b"{\"pan\":\"4111111111111111\"}");
    assert_eq!(get(&get(&out, "header"), "kid").as_string().unwrap(), "k1");
}

#[test]
fn sign_verify_round_trip_in_the_browser() {
    let private = generate_key(js(r#"{"use":"sig","kid":"s1"}"#)).unwrap();
    let public = validate_jwk(private.clone(), JsValue::UNDEFINED).unwrap();
    let jws = sign_jws(private, "hello".into(), JsValue::UNDEFINED).unwrap();
    let out = verify_jws(public.clone(), &jws).unwrap();
    assert_eq!(Uint8Array::new(&get(&out, "payload")).to_vec(), b"hello");
    let tampered = format!("{}x", &jws[..jws.len() - 1]);
    assert_eq!(
        code_of(verify_jws(public, &tampered).unwrap_err()),
        "JWS_INVALID"
    );
}

#[test]
fn bad_input_gives_codes() {
    let private = generate_key(JsValue::UNDEFINED).unwrap();
    let public = validate_jwk(private.clone(), JsValue::UNDEFINED).unwrap();
    let bytes: JsValue = Uint8Array::new_with_length(3).into();
    let mut short_y: serde_json::Value =
        serde_json::from_str(&JSON::stringify(&public).unwrap().as_string().unwrap()).unwrap();
    short_y["y"] = "AAAA".into();
    let short_y = js(&short_y.to_string());
    assert_eq!(
        code_of(encrypt_jwe("{".into(), bytes.clone(), JsValue::UNDEFINED).unwrap_err()),
        "KEY_INVALID"
    );
    assert_eq!(
        code_of(encrypt_jwe(short_y, bytes.clone(), JsValue::UNDEFINED).unwrap_err()),
        "KEY_INVALID"
    );
    assert_eq!(
        code_of(encrypt_jwe(public.clone(), "str".into(), JsValue::UNDEFINED).unwrap_err()),
        "INPUT_INVALID"
    );
    assert_eq!(
        code_of(encrypt_jwe(public, bytes, 7.into()).unwrap_err()),
        "INPUT_INVALID"
    );
    assert_eq!(
        code_of(decrypt_jwe(private.clone(), "a.b.c.d.e").unwrap_err()),
        "JWE_INVALID"
    );
    assert_eq!(
        code_of(decrypt_jwe(private, "").unwrap_err()),
        "JWE_INVALID"
    );
}

//! Bad input gets a typed error and never a panic: JWKs, JWEs and JWSs that are wrong in each of
//! the ways the protocol can meet. Runs natively and in headless Chromium.
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use serde_json::{json, Value};
use walletpush::b64;
use walletpush::jwe::{self, JweError, JweParams};
use walletpush::jwk::{KeyError, KeySet, KeyUse, PrivateJwk, PublicJwk, UsePolicy};
use walletpush::jws::{self, JwsError};

// RFC 7518 Appendix C, Bob's key: a valid P-256 point.
const X: &str = "weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ";
const Y: &str = "e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck";

fn key(extra: Value) -> Value {
    let mut k = json!({"kty": "EC", "crv": "P-256", "x": X, "y": Y});
    for (name, value) in extra.as_object().unwrap() {
        k[name] = value.clone();
    }
    k
}

fn parse(v: &Value) -> Result<PublicJwk, KeyError> {
    PublicJwk::from_json(&v.to_string())
}

#[test]
fn jwk_malformed_json() {
    for text in [
        "",
        "{",
        "[]",
        "null",
        "\"EC\"",
        "{\"kty\":1}",
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":5,\"y\":\"\"}",
    ] {
        let err = PublicJwk::from_json(text).unwrap_err();
        assert!(matches!(err, KeyError::Malformed), "{text}: {err:?}");
    }
}

#[test]
fn jwk_missing_coordinate() {
    let mut k = key(json!({}));
    k.as_object_mut().unwrap().remove("y");
    assert_eq!(parse(&k).unwrap_err(), KeyError::MissingCoordinate);
}

#[test]
fn jwk_coordinate_of_wrong_length() {
    let short = b64::encode(&b64::decode(X).unwrap()[1..]);
    let long = b64::encode(&[&[0u8][..], &b64::decode(X).unwrap()].concat());
    for x in [short, long, "".into(), "!!".into()] {
        assert_eq!(
            parse(&key(json!({ "x": x }))).unwrap_err(),
            KeyError::WrongLength
        );
    }
}

#[test]
fn jwk_point_off_the_curve() {
    let mut y = b64::decode(Y).unwrap();
    y[31] ^= 1;
    assert_eq!(
        parse(&key(json!({ "y": b64::encode(&y) }))).unwrap_err(),
        KeyError::InvalidPoint
    );
    let zero = b64::encode(&[0u8; 32]);
    assert_eq!(
        parse(&key(json!({ "x": zero, "y": zero }))).unwrap_err(),
        KeyError::InvalidPoint
    );
    // Coordinates not below the field prime.
    let ff = b64::encode(&[0xff; 32]);
    assert_eq!(
        parse(&key(json!({ "x": ff }))).unwrap_err(),
        KeyError::InvalidPoint
    );
}

#[test]
fn jwk_wrong_curve_or_type() {
    assert_eq!(
        parse(&key(json!({"crv": "P-384"}))).unwrap_err(),
        KeyError::WrongCurve
    );
    assert_eq!(
        parse(&key(json!({"crv": "secp256k1"}))).unwrap_err(),
        KeyError::WrongCurve
    );
    assert_eq!(
        parse(&key(json!({"kty": "OKP"}))).unwrap_err(),
        KeyError::UnsupportedKeyType
    );
    assert_eq!(
        parse(&key(json!({"kty": "RSA"}))).unwrap_err(),
        KeyError::UnsupportedKeyType
    );
}

#[test]
fn jwk_sig_where_enc_is_needed() {
    let k = parse(&key(json!({"use": "sig", "alg": "ES256"}))).unwrap();
    assert_eq!(
        k.check_for(KeyUse::Enc, UsePolicy::IfPresent, 0),
        Err(KeyError::WrongUse)
    );
    let k = parse(&key(json!({"use": "enc", "alg": "ES256"}))).unwrap();
    assert_eq!(
        k.check_for(KeyUse::Enc, UsePolicy::IfPresent, 0),
        Err(KeyError::WrongAlg)
    );
    assert_eq!(
        parse(&key(json!({"use": "wrap"}))).unwrap_err(),
        KeyError::WrongUse
    );
}

#[test]
fn jwk_expired() {
    let k = parse(&key(json!({"use": "enc", "exp": 1_700_000_000}))).unwrap();
    assert_eq!(
        k.check_for(KeyUse::Enc, UsePolicy::Required, 1_700_000_000),
        Err(KeyError::Expired)
    );
    assert_eq!(
        k.check_for(KeyUse::Enc, UsePolicy::Required, 1_699_999_999),
        Ok(())
    );
    let k = parse(&key(json!({"use": "enc", "exp": "soon"})));
    assert_eq!(k.unwrap_err(), KeyError::Malformed);
}

fn sample_jwe() -> (PrivateJwk, String) {
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let key = PrivateJwk::generate(&mut rng).with_meta("k", KeyUse::Enc);
    let params = JweParams {
        kid: Some("k"),
        apu: Some(b"origin"),
        apv: Some(b"sid"),
    };
    let jwe = jwe::encrypt(
        key.public(),
        b"{\"pan\":\"4111111111111111\"}",
        &params,
        &mut rng,
    )
    .unwrap();
    (key, jwe)
}

/// A flipped bit anywhere in the decoded bytes of each part is refused, and so is any non-empty
/// encrypted-key part (the second part is empty in ECDH-ES direct agreement).
#[test]
fn jwe_flipped_bit_in_each_part() {
    let (key, good) = sample_jwe();
    assert!(jwe::decrypt(&key, &good).is_ok());
    let parts: Vec<&str> = good.split('.').collect();
    let mut tried = 0;
    for (index, part) in parts.iter().enumerate() {
        let bytes = b64::decode(part).unwrap();
        let candidates: Vec<Vec<u8>> = if bytes.is_empty() {
            vec![vec![0x01], vec![0x80; 40]]
        } else {
            (0..bytes.len() * 8)
                .map(|bit| {
                    let mut b = bytes.clone();
                    b[bit / 8] ^= 1 << (bit % 8);
                    b
                })
                .collect()
        };
        for flipped in candidates {
            let mut tampered: Vec<String> = parts.iter().map(|p| (*p).to_owned()).collect();
            tampered[index] = b64::encode(&flipped);
            assert_eq!(
                jwe::decrypt(&key, &tampered.join(".")).unwrap_err(),
                JweError,
                "part {index}"
            );
            tried += 1;
        }
    }
    assert!(tried > 1000);
}

#[test]
fn jwe_malformed_structure() {
    let (key, good) = sample_jwe();
    let parts: Vec<&str> = good.split('.').collect();
    let cases = [
        String::new(),
        "....".into(),
        parts[..4].join("."),
        format!("{good}.x"),
        good.replace('.', ".."),
        format!("{}=", good),
        good.to_uppercase(),
    ];
    for case in cases {
        assert_eq!(jwe::decrypt(&key, &case).unwrap_err(), JweError, "{case}");
    }
}

type HeaderEdit = Box<dyn FnOnce(&mut Value)>;

fn with_header(good: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut header: Value = serde_json::from_slice(&b64::decode(&parts[0]).unwrap()).unwrap();
    edit(&mut header);
    parts[0] = b64::encode(header.to_string().as_bytes());
    parts.join(".")
}

#[test]
fn jwe_other_algorithms_and_bad_epk() {
    let (key, good) = sample_jwe();
    let edits: Vec<(&str, HeaderEdit)> = vec![
        ("alg", Box::new(|h| h["alg"] = "ECDH-ES+A256KW".into())),
        ("alg none", Box::new(|h| h["alg"] = "none".into())),
        ("enc", Box::new(|h| h["enc"] = "A128GCM".into())),
        ("enc cbc", Box::new(|h| h["enc"] = "A256CBC-HS512".into())),
        ("zip", Box::new(|h| h["zip"] = "DEF".into())),
        ("crit", Box::new(|h| h["crit"] = json!(["exp"]))),
        (
            "epk off curve",
            Box::new(|h| h["epk"]["y"] = h["epk"]["x"].clone()),
        ),
        (
            "epk wrong curve",
            Box::new(|h| h["epk"]["crv"] = "P-384".into()),
        ),
        (
            "epk missing",
            Box::new(|h| {
                h.as_object_mut().unwrap().remove("epk");
            }),
        ),
        ("apu not b64", Box::new(|h| h["apu"] = "***".into())),
        ("header array", Box::new(|h| *h = json!([1, 2]))),
    ];
    for (what, edit) in edits {
        assert_eq!(
            jwe::decrypt(&key, &with_header(&good, edit)).unwrap_err(),
            JweError,
            "{what}"
        );
    }
}

fn jws_with_header(header: Value, payload: &[u8], sig: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64::encode(header.to_string().as_bytes()),
        b64::encode(payload),
        b64::encode(sig)
    )
}

#[test]
fn jws_alg_none_and_hs256_are_refused() {
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let key = PrivateJwk::generate(&mut rng).with_meta("k", KeyUse::Sig);
    let keys = KeySet::new(vec![key.public().clone()]);
    let good = jws::sign(&key, None, b"{}");
    assert!(jws::verify(&keys, &good, 0).is_ok());
    let sig = b64::decode(good.rsplit('.').next().unwrap()).unwrap();
    let none = jws_with_header(json!({"alg": "none", "kid": "k"}), b"{}", b"");
    let none_upper = jws_with_header(json!({"alg": "NONE", "kid": "k"}), b"{}", b"");
    let hs256 = jws_with_header(json!({"alg": "HS256", "kid": "k"}), b"{}", &[0u8; 32]);
    // HS256 with the public key's bytes as the HMAC secret: the classic confusion attack.
    let hs256_sig = jws_with_header(json!({"alg": "HS256", "kid": "k"}), b"{}", &sig);
    let es512 = jws_with_header(json!({"alg": "ES512", "kid": "k"}), b"{}", &sig);
    let crit = jws_with_header(
        json!({"alg": "ES256", "kid": "k", "crit": ["b64"]}),
        b"{}",
        &sig,
    );
    for token in [
        none,
        none_upper,
        hs256,
        hs256_sig,
        es512,
        crit,
        "a.b".into(),
        "..".into(),
    ] {
        assert_eq!(
            jws::verify(&keys, &token, 0).unwrap_err(),
            JwsError,
            "{token}"
        );
    }
}

#[test]
fn jws_bad_signatures() {
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let key = PrivateJwk::generate(&mut rng).with_meta("k", KeyUse::Sig);
    let keys = KeySet::new(vec![key.public().clone()]);
    let good = jws::sign(&key, None, b"{\"a\":1}");
    let (input, sig) = good.rsplit_once('.').unwrap();
    let sig = b64::decode(sig).unwrap();
    let mut cases = vec![
        format!("{input}.{}", b64::encode(&[0u8; 64])),
        format!("{input}.{}", b64::encode(&sig[..63])),
        format!("{input}.{}", b64::encode(&[sig.clone(), vec![0]].concat())),
        format!("{input}."),
    ];
    for bit in 0..sig.len() * 8 {
        let mut s = sig.clone();
        s[bit / 8] ^= 1 << (bit % 8);
        cases.push(format!("{input}.{}", b64::encode(&s)));
    }
    for token in cases {
        assert_eq!(jws::verify(&keys, &token, 0).unwrap_err(), JwsError);
    }
    // A key that is now for encryption cannot verify.
    let enc_only = KeySet::new(vec![key.public().clone().with_use(KeyUse::Enc)]);
    assert_eq!(jws::verify(&enc_only, &good, 0).unwrap_err(), JwsError);
}

#[test]
fn jws_key_without_use_does_not_verify() {
    // A key that does not say `use: "sig"` never verifies, even with the right signature and
    // `kid`: a wallet's set holds encryption keys beside its signing keys.
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let key = PrivateJwk::generate(&mut rng).with_meta("k", KeyUse::Sig);
    let good = jws::sign(&key, None, b"{}");
    let mut bare = key.public().to_value();
    let object = bare.as_object_mut().unwrap();
    object.remove("use");
    object.remove("alg");
    let bare = PublicJwk::from_value(&bare).unwrap();
    assert_eq!(bare.key_use(), None);
    assert_eq!(
        bare.check_for(KeyUse::Sig, UsePolicy::Required, 0),
        Err(KeyError::WrongUse)
    );
    let keys = KeySet::new(vec![bare.clone()]);
    assert_eq!(jws::verify(&keys, &good, 0).unwrap_err(), JwsError);
    let keys = KeySet::new(vec![bare.with_use(KeyUse::Sig)]);
    assert!(jws::verify(&keys, &good, 0).is_ok());
}

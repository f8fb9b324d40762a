//! Known-answer and Wycheproof tests: one data-driven runner per vector file.
//!
//! Runs natively (`cargo test --test vectors -- --nocapture` prints the counts) and in headless
//! Chromium through `wasm-bindgen-test` (the counts go to the browser console).
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use std::collections::BTreeMap;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::aes::Aes192;
use aes_gcm::{Aes128Gcm, Aes256Gcm, AesGcm, Nonce};
use serde_json::Value;
use walletpush::jwe;
use walletpush::jwk::{KeyError, KeySet, PrivateJwk, PublicJwk};
use walletpush::jws;
use walletpush::kdf::concat_kdf;

macro_rules! report {
    ($($arg:tt)*) => {{
        #[cfg(target_arch = "wasm32")]
        wasm_bindgen_test::console_log!($($arg)*);
        #[cfg(not(target_arch = "wasm32"))]
        println!($($arg)*);
    }};
}

/// Outcome counts of one vector file, keyed by outcome and reason.
#[derive(Default)]
struct Tally(BTreeMap<String, usize>);

impl Tally {
    fn add(&mut self, outcome: &str) {
        *self.0.entry(outcome.to_owned()).or_default() += 1;
    }

    fn print(&self, file: &str) {
        for (outcome, n) in &self.0 {
            report!("{file}: {n} {outcome}");
        }
    }

    fn count(&self, outcome: &str) -> usize {
        self.0.get(outcome).copied().unwrap_or(0)
    }
}

// The vector files are read with serde_json; keys reach the core as JSON text, as they do in
// the browser.
fn load(text: &str) -> Value {
    serde_json::from_str(text).expect("vector file is JSON")
}

fn tests_of(doc: &Value) -> impl Iterator<Item = (&Value, &Value)> {
    doc["testGroups"]
        .as_array()
        .expect("testGroups")
        .iter()
        .flat_map(|g| {
            g["tests"]
                .as_array()
                .expect("tests")
                .iter()
                .map(move |t| (g, t))
        })
}

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("hex")
}

#[test]
fn rfc7518_appendix_c_concat_kdf() {
    let v = load(include_str!("vectors/rfc7518-appendix-c.json"));
    let alice = PrivateJwk::from_json(&v["alice_ephemeral_jwk"].to_string()).unwrap();
    let bob = PrivateJwk::from_json(&v["bob_jwk"].to_string()).unwrap();
    let z = p256::ecdh::diffie_hellman(
        alice.secret().to_nonzero_scalar(),
        bob.public().key().as_affine(),
    );
    let apu = walletpush::b64::decode(v["apu"].as_str().unwrap()).unwrap();
    let apv = walletpush::b64::decode(v["apv"].as_str().unwrap()).unwrap();
    let mut key = [0u8; 16];
    concat_kdf(
        z.raw_secret_bytes(),
        v["enc"].as_str().unwrap(),
        &apu,
        &apv,
        &mut key,
    );
    assert_eq!(walletpush::b64::encode(&key), v["derived_key_b64url"]);
    report!("rfc7518-appendix-c.json: derived key reproduced");
}

/// Every valid case gives the shared secret; every invalid public key is refused when parsed.
#[test]
fn wycheproof_ecdh_p256_jwk() {
    let doc = load(include_str!(
        "vectors/wycheproof/ecdh_secp256r1_webcrypto_test.json"
    ));
    let mut tally = Tally::default();
    for (_, t) in tests_of(&doc) {
        let id = &t["tcId"];
        let public = PublicJwk::from_json(&t["public"].to_string());
        match t["result"].as_str().unwrap() {
            "valid" => {
                let private = PrivateJwk::from_json(&t["private"].to_string())
                    .unwrap_or_else(|e| panic!("tc {id}: private key refused: {e}"));
                let public = public.unwrap_or_else(|e| panic!("tc {id}: public refused: {e}"));
                let z = p256::ecdh::diffie_hellman(
                    private.secret().to_nonzero_scalar(),
                    public.key().as_affine(),
                );
                assert_eq!(
                    z.raw_secret_bytes().to_vec(),
                    unhex(&t["shared"]),
                    "tc {id}"
                );
                tally.add("passed (valid, shared secret matches)");
                // The encryption's own ECDH, on the same case: `jwe::encrypt` to the public
                // key, with the case's private key drawn as the ephemeral key. The header's
                // `epk` must be that key's public half, and the JWE must open with the key
                // derived from the case's shared secret.
                let d: [u8; 32] = private.secret().to_bytes().into();
                let mut draws = Draws([&d[..], &[0x5a; 12]].concat());
                let compact =
                    jwe::encrypt(&public, b"vector", &jwe::JweParams::default(), &mut draws)
                        .unwrap_or_else(|e| panic!("tc {id}: encryption refused: {e}"));
                let header = jwe::peek_header(&compact).unwrap();
                let epk = PublicJwk::from_value(header.get("epk").unwrap()).unwrap();
                assert_eq!(epk.point(), private.public().point(), "tc {id}: epk");
                assert_eq!(
                    open_with_secret(&compact, &unhex(&t["shared"])),
                    b"vector",
                    "tc {id}: shared secret"
                );
                tally.add("passed by jwe::encrypt too (epk and shared secret)");
            }
            "invalid" => {
                let err = public.expect_err(&format!("tc {id}: invalid public key accepted"));
                tally.add(&format!("refused (invalid: {err:?})"));
                // Coordinates of P-256's size reach the point check itself, which refuses them.
                let coordinate = |name: &str| {
                    t["public"][name]
                        .as_str()
                        .and_then(walletpush::b64::decode)
                        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
                };
                if let (Some(x), Some(y)) = (coordinate("x"), coordinate("y")) {
                    let mut point = [0u8; 64];
                    point[..32].copy_from_slice(&x);
                    point[32..].copy_from_slice(&y);
                    assert_eq!(
                        PublicJwk::from_point(&point),
                        Err(KeyError::InvalidPoint),
                        "tc {id}: the point check accepted an invalid point"
                    );
                    tally.add("refused by the point check too (invalid, 32-byte coordinates)");
                }
            }
            other => panic!("tc {id}: unexpected result {other}"),
        }
    }
    tally.print("ecdh_secp256r1_webcrypto_test.json");
    assert_eq!(tally.count("passed (valid, shared secret matches)"), 330);
    assert_eq!(
        tally.count("passed by jwe::encrypt too (epk and shared secret)"),
        330
    );
}

/// Randomness that gives these bytes, then zeros: lets a test choose an encryption's ephemeral
/// key and IV.
struct Draws(Vec<u8>);

impl rand_core::TryRng for Draws {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        let n = dst.len().min(self.0.len());
        dst[..n].copy_from_slice(&self.0[..n]);
        dst[n..].fill(0);
        self.0.drain(..n);
        Ok(())
    }
}

impl rand_core::TryCryptoRng for Draws {}

/// Opens a compact `ECDH-ES` + `A256GCM` JWE without `apu`/`apv` given the ECDH shared secret
/// (RFC 7518 §4.6.2, then AES-256-GCM with the protected header as AAD).
fn open_with_secret(compact: &str, shared: &[u8]) -> Vec<u8> {
    let parts: Vec<&str> = compact.split('.').collect();
    let part = |i: usize| walletpush::b64::decode(parts[i]).unwrap();
    let mut key = [0u8; 32];
    concat_kdf(shared, "A256GCM", &[], &[], &mut key);
    let mut sealed = part(3);
    sealed.extend(part(4));
    Aes256Gcm::new_from_slice(&key)
        .unwrap()
        .decrypt(
            &Nonce::try_from(&part(2)[..]).unwrap(),
            Payload {
                msg: &sealed,
                aad: parts[0].as_bytes(),
            },
        )
        .expect("the JWE opens with the key of the expected shared secret")
}

/// AES-GCM with 96-bit IVs and 128-bit tags for all key sizes; other IV sizes are skipped
/// (JWE's A*GCM fixes a 96-bit IV, RFC 7518 §5.3, and `jwe::decrypt` refuses any other).
#[test]
fn wycheproof_aes_gcm() {
    let doc = load(include_str!("vectors/wycheproof/aes_gcm_test.json"));
    let mut tally = Tally::default();
    for (g, t) in tests_of(&doc) {
        let id = &t["tcId"];
        let valid = t["result"] == "valid";
        if g["ivSize"] != 96 || g["tagSize"] != 128 {
            tally.add("skipped (IV not 96 bits: outside JWE A*GCM)");
            continue;
        }
        let (key, iv, aad, msg) = (
            unhex(&t["key"]),
            unhex(&t["iv"]),
            unhex(&t["aad"]),
            unhex(&t["msg"]),
        );
        let mut sealed = unhex(&t["ct"]);
        sealed.extend(unhex(&t["tag"]));
        let nonce = &Nonce::try_from(&iv[..]).unwrap();
        let payload = Payload {
            msg: &sealed,
            aad: &aad,
        };
        let opened = match key.len() {
            16 => Aes128Gcm::new_from_slice(&key)
                .unwrap()
                .decrypt(nonce, payload),
            24 => AesGcm::<Aes192, aes_gcm::aead::consts::U12>::new_from_slice(&key)
                .unwrap()
                .decrypt(nonce, payload),
            32 => Aes256Gcm::new_from_slice(&key)
                .unwrap()
                .decrypt(nonce, payload),
            n => panic!("tc {id}: key of {n} bytes"),
        };
        match (valid, opened) {
            (true, Ok(pt)) => {
                assert_eq!(pt, msg, "tc {id}");
                if key.len() == 32 {
                    let again = Aes256Gcm::new_from_slice(&key)
                        .unwrap()
                        .encrypt(
                            nonce,
                            Payload {
                                msg: &msg,
                                aad: &aad,
                            },
                        )
                        .unwrap();
                    assert_eq!(again, sealed, "tc {id}: encryption differs");
                }
                tally.add(&format!("passed (valid, AES-{})", key.len() * 8));
            }
            (false, Err(_)) => tally.add(&format!("refused (invalid, AES-{})", key.len() * 8)),
            (true, Err(_)) => panic!("tc {id}: valid case refused"),
            (false, Ok(_)) => panic!("tc {id}: invalid case accepted"),
        }
    }
    tally.print("aes_gcm_test.json");
    assert_eq!(tally.count("passed (valid, AES-256)"), 39);
    assert_eq!(tally.count("refused (invalid, AES-256)"), 27);
}

/// The one `ECDH-ES` + `A256GCM` case decrypts; every other EC case is refused, as invalid or
/// as an algorithm walletpush does not accept. Groups without an EC key are outside scope.
#[test]
fn wycheproof_jwe() {
    let doc = load(include_str!(
        "vectors/wycheproof/json_web_encryption_test.json"
    ));
    let mut tally = Tally::default();
    for (g, t) in tests_of(&doc) {
        let id = &t["tcId"];
        if g["private"]["kty"] != "EC" {
            tally.add("skipped (not an EC key: other algorithm families)");
            continue;
        }
        let Ok(key) = PrivateJwk::from_json(&g["private"].to_string()) else {
            assert_ne!(g["private"]["crv"], "P-256", "tc {id}: P-256 key refused");
            tally.add("refused (recipient key not P-256)");
            continue;
        };
        let compact = match &t["jwe"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let header = jwe::peek_header(&compact).ok();
        let ours = t["result"] == "valid" && header.is_some();
        match (jwe::decrypt(&key, &compact), t["result"].as_str().unwrap()) {
            (Ok(out), "valid") => {
                assert!(ours, "tc {id}");
                assert_eq!(&out.plaintext[..], &unhex(&t["pt"])[..], "tc {id}");
                tally.add("passed (valid ECDH-ES + A256GCM)");
            }
            (Ok(_), _) => panic!("tc {id}: invalid JWE accepted"),
            (Err(_), "valid") => tally.add(&format!(
                "refused (valid, algorithm not accepted: {})",
                alg_enc(&compact)
            )),
            (Err(_), _) => tally.add("refused (invalid)"),
        }
    }
    tally.print("json_web_encryption_test.json");
    assert_eq!(tally.count("passed (valid ECDH-ES + A256GCM)"), 1);
}

fn alg_enc(compact: &str) -> String {
    let header = compact
        .split('.')
        .next()
        .and_then(walletpush::b64::decode)
        .and_then(|h| serde_json::from_slice::<Value>(&h).ok())
        .unwrap_or(Value::Null);
    format!(
        "{}/{}",
        header["alg"].as_str().unwrap_or("?"),
        header["enc"].as_str().unwrap_or("?")
    )
}

/// JWS key-set edge cases: ES256 with the right key is the only thing that may verify.
#[test]
fn wycheproof_jwk_and_jws() {
    let doc = load(include_str!("vectors/wycheproof/json_web_key_test.json"));
    let mut tally = Tally::default();
    for (g, t) in tests_of(&doc) {
        let id = &t["tcId"];
        let jwks = if g.get("public").is_some() {
            &g["public"]
        } else {
            &g["private"]
        };
        let keys = if jwks.get("keys").is_some() {
            KeySet::from_json(&jwks.to_string())
        } else {
            KeySet::from_json(&serde_json::json!({ "keys": [jwks] }).to_string())
        };
        let compact = t["jws"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| t["jws"].to_string());
        let verified = keys.as_ref().ok().map(|k| jws::verify(k, &compact, 0));
        let alg = jws::peek(&compact).is_ok();
        match (verified, t["result"].as_str().unwrap()) {
            (Some(Ok(_)), "valid") => tally.add("passed (valid ES256)"),
            (Some(Ok(_)), _) => panic!("tc {id}: invalid JWS accepted"),
            (_, "valid") => {
                assert!(!alg, "tc {id}: valid ES256 JWS refused");
                tally.add("refused (valid, algorithm not accepted: ES256 only)");
            }
            (None, _) => tally.add("refused (invalid: key set refused)"),
            (Some(Err(_)), _) => tally.add("refused (invalid)"),
        }
    }
    tally.print("json_web_key_test.json");
}

/// ECDSA on P-256 with SHA-256, signatures as r then s (IEEE P1363, the form a JWS ES256
/// signature takes), through the widget's own verification, `jws::verify_signature`, with the
/// key parsed as a JWK. Natively, every verdict is compared with p256's on the key read from
/// its SEC1 form, which holds the JWK parsing and the length check to the same verdicts.
#[test]
fn wycheproof_ecdsa_p256_sha256_p1363() {
    let doc = load(include_str!(
        "vectors/wycheproof/ecdsa_secp256r1_sha256_p1363_test.json"
    ));
    let mut tally = Tally::default();
    #[cfg(not(target_arch = "wasm32"))]
    let mut same_as_p256 = 0;
    for (g, t) in tests_of(&doc) {
        let id = &t["tcId"];
        let expected = t["result"].as_str().unwrap();
        let point = group_point(g);
        let key = point
            .ok_or_else(|| "coordinate longer than 32 bytes".to_owned())
            .and_then(|point| {
                let jwk = serde_json::json!({
                    "kty": "EC",
                    "crv": "P-256",
                    "x": walletpush::b64::encode(&point[..32]),
                    "y": walletpush::b64::encode(&point[32..]),
                });
                // The file gives the same key as a JWK too: the coordinates above must match it.
                if let Some(given) = g.get("publicKeyJwk") {
                    assert_eq!(jwk["x"], given["x"], "tc {id}: x");
                    assert_eq!(jwk["y"], given["y"], "tc {id}: y");
                }
                PublicJwk::from_json(&jwk.to_string()).map_err(|e| format!("{e:?}"))
            });
        let (msg, sig) = (unhex(&t["msg"]), unhex(&t["sig"]));
        // Our verdict; only native builds compare it with p256's.
        #[cfg_attr(target_arch = "wasm32", allow(unused_variables))]
        let ours = match (&key, <[u8; 64]>::try_from(sig.as_slice())) {
            (Err(why), _) => {
                assert_ne!(
                    expected, "valid",
                    "tc {id}: key of a valid case refused: {why}"
                );
                tally.add(&format!("refused ({expected}: key refused, {why})"));
                false
            }
            // A JWS ES256 signature is exactly 64 bytes (RFC 7518 §3.4): any other length is
            // refused before verification, so it never reaches `jws::verify_signature`.
            (Ok(_), Err(_)) => {
                assert_ne!(
                    expected,
                    "valid",
                    "tc {id}: valid signature of {} bytes",
                    sig.len()
                );
                tally.add(&format!("refused by length ({expected}: not 64 bytes)"));
                false
            }
            (Ok(key), Ok(signature)) => {
                let verdict = jws::verify_signature(key, &msg, &signature);
                match (expected, verdict) {
                    ("valid", true) => tally.add("valid verified"),
                    ("invalid", false) => tally.add("invalid refused"),
                    ("acceptable", true) => tally.add("acceptable accepted"),
                    ("acceptable", false) => tally.add("acceptable refused"),
                    ("valid", false) => panic!("tc {id}: valid signature refused"),
                    ("invalid", true) => panic!("tc {id}: invalid signature accepted"),
                    (other, _) => panic!("tc {id}: unexpected result {other}"),
                }
                verdict
            }
        };
        #[cfg(not(target_arch = "wasm32"))]
        {
            let theirs = p256_verdict(point, &msg, &sig);
            assert_eq!(
                ours, theirs,
                "tc {id} ({}): walletpush says {ours}, p256 says {theirs}",
                t["comment"]
            );
            same_as_p256 += 1;
        }
    }
    tally.print("ecdsa_secp256r1_sha256_p1363_test.json");
    #[cfg(not(target_arch = "wasm32"))]
    report!("ecdsa_secp256r1_sha256_p1363_test.json: {same_as_p256} verdicts the same as p256's");
    // Every case lands in exactly one outcome, and the file's valid cases must have been run.
    let total: usize = tally.0.values().sum();
    assert_eq!(doc["numberOfTests"], total, "cases counted");
    assert!(tally.count("valid verified") > 0, "no valid case verified");
}

/// A group's public key as x then y, each 32 big-endian bytes. The file writes coordinates as
/// ASN.1 integers: a leading zero byte when the top bit is set, leading zeros otherwise dropped.
/// `None` when a coordinate does not fit in 32 bytes.
fn group_point(g: &Value) -> Option<[u8; 64]> {
    let mut point = [0u8; 64];
    for (name, half) in ["wx", "wy"].into_iter().zip(point.chunks_mut(32)) {
        let bytes = unhex(&g["publicKey"][name]);
        let digits = &bytes[bytes.iter().take_while(|&&b| b == 0).count()..];
        half.get_mut(32usize.checked_sub(digits.len())?..)?
            .copy_from_slice(digits);
    }
    Some(point)
}

/// p256's verdict on a case: its key from the SEC1 form of the file's coordinates (not from
/// walletpush's JWK parsing), its signature parsed from the bytes as given.
#[cfg(not(target_arch = "wasm32"))]
fn p256_verdict(point: Option<[u8; 64]>, msg: &[u8], sig: &[u8]) -> bool {
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::{Signature, VerifyingKey};
    let Some(point) = point else {
        return false;
    };
    let mut sec1 = [4u8; 65];
    sec1[1..].copy_from_slice(&point);
    let (Ok(key), Ok(sig)) = (
        VerifyingKey::from_sec1_bytes(&sec1),
        Signature::from_slice(sig),
    ) else {
        return false;
    };
    key.verify(msg, &sig).is_ok()
}

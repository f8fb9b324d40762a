//! JWS compact serialization with `alg: "ES256"` only (RFC 7515 §7.1, RFC 7518 §3.4).
//!
//! Verification looks the key up by `kid` in a [`KeySet`] and refuses every other algorithm
//! (`none`, `HS256`, ...), every extension (`crit`), and every malformed part, with one opaque
//! [`JwsError`].

use alloc::{string::String, vec::Vec};
use core::fmt;

use crate::b64;
use crate::json::{self, Object, Value};
use crate::jwk::{KeySet, KeyUse, PrivateJwk, PublicJwk};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, VerifyingKey};

/// The JWS was refused. Deliberately says nothing more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JwsError;

impl fmt::Display for JwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the JWS was refused")
    }
}

impl core::error::Error for JwsError {}

/// A verified JWS: its protected header and payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The protected header.
    pub header: Object<'static>,
    /// The payload bytes.
    pub payload: Vec<u8>,
}

/// Signs `payload` with ES256. The header is `{"alg":"ES256"}` plus `typ` if given and the
/// key's `kid` if it has one. ECDSA nonces are deterministic (RFC 6979).
pub fn sign(key: &PrivateJwk, typ: Option<&str>, payload: &[u8]) -> String {
    sign_with(key, typ, None, payload)
}

/// [`sign`] with a `cty` (content type) in the header too: Apple's web provisioning asks for
/// `cty: "application/credential;charset=utf-8"` in the issuer's JWS.
pub fn sign_with(key: &PrivateJwk, typ: Option<&str>, cty: Option<&str>, payload: &[u8]) -> String {
    let mut header = Object::new();
    header.insert("alg", "ES256");
    if let Some(typ) = typ {
        header.insert("typ", typ);
    }
    if let Some(cty) = cty {
        header.insert("cty", cty);
    }
    if let Some(kid) = key.public().kid() {
        header.insert("kid", kid);
    }
    let mut compact = b64::encode(header.to_json().as_bytes());
    compact.push('.');
    compact.push_str(&b64::encode(payload));
    let signature: Signature = key.signing_key().sign(compact.as_bytes());
    compact.push('.');
    compact.push_str(&b64::encode(&signature.to_bytes()));
    compact
}

/// Verifies `compact` against the key of `keys` named by its `kid` (or the only signing key of
/// the set when there is no `kid`), usable for signatures at `now`.
pub fn verify(keys: &KeySet, compact: &str, now: i64) -> Result<Verified, JwsError> {
    let (header, _) = peek(compact)?;
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(&**kid),
        Some(_) => return Err(JwsError),
    };
    let key = keys.find(kid, KeyUse::Sig, now).ok_or(JwsError)?;
    verify_with(key, compact)
}

/// Verifies `compact` against one key.
pub fn verify_with(key: &PublicJwk, compact: &str) -> Result<Verified, JwsError> {
    let (header, payload) = peek(compact)?;
    let (signing_input, signature) = compact.rsplit_once('.').ok_or(JwsError)?;
    let signature = b64::decode_array::<64>(signature).ok_or(JwsError)?;
    if !verify_signature(key, signing_input.as_bytes(), &signature) {
        return Err(JwsError);
    }
    Ok(Verified { header, payload })
}

/// Whether `signature` (r then s, each 32 big-endian bytes, as a JWS carries it, RFC 7518
/// §3.4) is a valid ES256 signature of `message` by `key`: ECDSA on P-256 with SHA-256, by
/// p256's `VerifyingKey`. r or s of zero or not below the group order are refused.
pub fn verify_signature(key: &PublicJwk, message: &[u8], signature: &[u8; 64]) -> bool {
    let Ok(signature) = Signature::from_slice(signature) else {
        return false;
    };
    VerifyingKey::from(key.key())
        .verify(message, &signature)
        .is_ok()
}

/// Reads header and payload without verifying: for display only, never for decisions.
pub fn peek(compact: &str) -> Result<(Object<'static>, Vec<u8>), JwsError> {
    let parts: Vec<&str> = compact.split('.').collect();
    let [protected, payload, _signature] = parts[..] else {
        return Err(JwsError);
    };
    let header = b64::decode(protected).ok_or(JwsError)?;
    let header = json::parse_object(&header)
        .map_err(|_| JwsError)?
        .into_owned();
    if header.get("alg").and_then(Value::as_str) != Some("ES256") || header.contains_key("crit") {
        return Err(JwsError);
    }
    let payload = b64::decode(payload).ok_or(JwsError)?;
    Ok((header, payload))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn signs_and_verifies_by_kid() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let a = PrivateJwk::generate(&mut rng).with_meta("a", KeyUse::Sig);
        let b = PrivateJwk::generate(&mut rng).with_meta("b", KeyUse::Sig);
        let set = KeySet::new(vec![a.public().clone(), b.public().clone()]);
        let jws = sign(&b, Some("t+jwt"), b"{}");
        let out = verify(&set, &jws, 0).unwrap();
        assert_eq!(out.payload, b"{}");
        assert_eq!(out.header.string("typ"), Ok("t+jwt"));
        assert_eq!(verify_with(a.public(), &jws), Err(JwsError));
    }

    #[test]
    fn refuses_tampering() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let a = PrivateJwk::generate(&mut rng).with_meta("a", KeyUse::Sig);
        let jws = sign(&a, None, b"hello");
        let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
        parts[1] = b64::encode(b"hellp");
        assert_eq!(verify_with(a.public(), &parts.join(".")), Err(JwsError));
    }

    /// ES256 does not normalise s: (r, n − s) is the same signature's other valid form. Any
    /// other change of r or s, another key or another message is refused.
    #[test]
    fn verifies_both_forms_of_s_and_nothing_altered() {
        use p256::Scalar;
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let other = PrivateJwk::generate(&mut rng);
        for i in 0..8u8 {
            let key = PrivateJwk::generate(&mut rng);
            let message = vec![i; usize::from(i) * 7];
            let signature: Signature = key.signing_key().sign(&message);
            let bytes = |s: &Signature| -> [u8; 64] { s.to_bytes().into() };
            assert!(verify_signature(key.public(), &message, &bytes(&signature)));
            assert!(!verify_signature(
                other.public(),
                &message,
                &bytes(&signature)
            ));
            let mut altered = message.clone();
            altered.push(1);
            assert!(!verify_signature(
                key.public(),
                &altered,
                &bytes(&signature)
            ));

            let (r, s) = signature.split_scalars();
            let high = Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
            assert!(verify_signature(key.public(), &message, &bytes(&high)));
            let s1 = Signature::from_scalars(r.to_bytes(), (*s + Scalar::ONE).to_bytes()).unwrap();
            assert!(!verify_signature(key.public(), &message, &bytes(&s1)));
            let r1 = Signature::from_scalars((*r + Scalar::ONE).to_bytes(), s.to_bytes()).unwrap();
            assert!(!verify_signature(key.public(), &message, &bytes(&r1)));
            let swapped = Signature::from_scalars(s.to_bytes(), r.to_bytes()).unwrap();
            assert!(!verify_signature(key.public(), &message, &bytes(&swapped)));
        }
    }

    /// r or s of zero, n or above are refused.
    #[test]
    fn refuses_r_and_s_outside_the_range() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let key = PrivateJwk::generate(&mut rng);
        let signature: Signature = key.signing_key().sign(b"m");
        let good: [u8; 64] = signature.to_bytes().into();
        assert!(verify_signature(key.public(), b"m", &good));
        let n = hex::decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
            .unwrap();
        for bad in [[0u8; 32].as_slice(), &n, &[0xff; 32]] {
            for half in [0..32, 32..64] {
                let mut altered = good;
                altered[half].copy_from_slice(bad);
                assert!(!verify_signature(key.public(), b"m", &altered));
            }
        }
    }
}

//! P-256 JSON Web Keys (RFC 7517, RFC 7518 §6.2): parsing with full validation.
//!
//! A [`PublicJwk`] can only be built from a point that is on the curve and not the identity, with
//! coordinates of exactly 32 bytes; `kty`, `crv`, `use`, `alg` and `exp` are checked against what
//! the caller needs with [`PublicJwk::check_for`]. A [`PrivateJwk`] also proves that `d` matches
//! `x`/`y`, and zeroizes its scalar on drop.

use alloc::{borrow::ToOwned, string::String, vec::Vec};
use core::fmt;

use p256::ecdsa::SigningKey;
use p256::elliptic_curve::point::AffineCoordinates;
use p256::elliptic_curve::Generate;
use p256::{AffinePoint, PublicKey, SecretKey};
use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::b64;
use crate::json::{self, Object, Value};

/// Why a key was refused. Key checks are not secret, so the reasons are specific.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// Not a JSON object with string members where strings are required.
    Malformed,
    /// `kty` is not `"EC"`.
    UnsupportedKeyType,
    /// `crv` is not `"P-256"`.
    WrongCurve,
    /// A coordinate is missing.
    MissingCoordinate,
    /// `x`, `y` or `d` is not base64url of exactly 32 bytes.
    WrongLength,
    /// The point is not on P-256, or is the identity; or `d` is out of range.
    InvalidPoint,
    /// `use` is not what the operation needs (or is missing where it is required).
    WrongUse,
    /// `alg` is not what the operation needs.
    WrongAlg,
    /// `exp` is in the past.
    Expired,
    /// A private key was needed and `d` is missing.
    NotPrivate,
    /// `d` does not belong to `x`/`y`.
    MismatchedPrivate,
}

impl KeyError {
    /// A short description for developers.
    pub fn describe(self) -> &'static str {
        match self {
            KeyError::Malformed => "the key is not a well-formed JWK",
            KeyError::UnsupportedKeyType => "the key's kty must be \"EC\"",
            KeyError::WrongCurve => "the key's crv must be \"P-256\"",
            KeyError::MissingCoordinate => "the key lacks its x or y coordinate",
            KeyError::WrongLength => "a key coordinate is not 32 bytes of base64url",
            KeyError::InvalidPoint => "the key is not a valid P-256 point",
            KeyError::WrongUse => "the key's use does not fit this operation",
            KeyError::WrongAlg => "the key's alg does not fit this operation",
            KeyError::Expired => "the key has expired",
            KeyError::NotPrivate => "a private key (with d) is needed",
            KeyError::MismatchedPrivate => "the private scalar does not match the public point",
        }
    }
}

impl KeyError {
    /// The variant's name, e.g. `"WrongCurve"`: the `reason` the JavaScript API reports.
    pub fn name(self) -> &'static str {
        match self {
            KeyError::Malformed => "Malformed",
            KeyError::UnsupportedKeyType => "UnsupportedKeyType",
            KeyError::WrongCurve => "WrongCurve",
            KeyError::MissingCoordinate => "MissingCoordinate",
            KeyError::WrongLength => "WrongLength",
            KeyError::InvalidPoint => "InvalidPoint",
            KeyError::WrongUse => "WrongUse",
            KeyError::WrongAlg => "WrongAlg",
            KeyError::Expired => "Expired",
            KeyError::NotPrivate => "NotPrivate",
            KeyError::MismatchedPrivate => "MismatchedPrivate",
        }
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

impl core::error::Error for KeyError {}

/// What a key is for (`use`, RFC 7517 §4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyUse {
    /// Signatures (`"sig"`), algorithm `ES256`.
    Sig,
    /// Key agreement (`"enc"`), algorithm `ECDH-ES`.
    Enc,
}

impl KeyUse {
    /// The `use` member's value.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyUse::Sig => "sig",
            KeyUse::Enc => "enc",
        }
    }

    /// The only `alg` walletpush accepts for this use.
    pub fn alg(self) -> &'static str {
        match self {
            KeyUse::Sig => "ES256",
            KeyUse::Enc => "ECDH-ES",
        }
    }

    fn parse(s: &str) -> Option<KeyUse> {
        match s {
            "sig" => Some(KeyUse::Sig),
            "enc" => Some(KeyUse::Enc),
            _ => None,
        }
    }
}

/// Whether a missing `use` member is acceptable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsePolicy {
    /// `use` must be present and equal (keys published by a wallet).
    Required,
    /// `use`, if present, must be equal (keys handed over directly).
    IfPresent,
}

/// A validated P-256 public key with its JWK metadata.
///
/// The point is p256's [`PublicKey`]: on the curve and not the identity by construction.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicJwk {
    key: PublicKey,
    kid: Option<String>,
    key_use: Option<KeyUse>,
    alg: Option<String>,
    exp: Option<i64>,
}

impl fmt::Debug for PublicJwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicJwk")
            .field("kid", &self.kid)
            .field("use", &self.key_use)
            .field("alg", &self.alg)
            .field("exp", &self.exp)
            .finish_non_exhaustive()
    }
}

impl PublicJwk {
    /// Parses and validates a JWK given as JSON text.
    pub fn from_json(text: &str) -> Result<PublicJwk, KeyError> {
        let value = json::parse(text.as_bytes()).map_err(|_| KeyError::Malformed)?;
        PublicJwk::from_value(&value)
    }

    /// Parses and validates a JWK given as a JSON value. Private members are ignored.
    pub fn from_value(value: &Value<'_>) -> Result<PublicJwk, KeyError> {
        RawJwk::from_value(value)?.public()
    }

    /// Wraps a key that is already validated (a fresh one, for instance).
    pub fn from_key(key: PublicKey) -> PublicJwk {
        PublicJwk {
            key,
            kid: None,
            key_use: None,
            alg: None,
            exp: None,
        }
    }

    /// Sets `kid`.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> PublicJwk {
        self.kid = Some(kid.into());
        self
    }

    /// Sets `use` and the matching `alg`.
    #[must_use]
    pub fn with_use(mut self, key_use: KeyUse) -> PublicJwk {
        self.key_use = Some(key_use);
        self.alg = Some(key_use.alg().to_owned());
        self
    }

    /// Sets `exp` (seconds since the Unix epoch).
    #[must_use]
    pub fn with_exp(mut self, exp: i64) -> PublicJwk {
        self.exp = Some(exp);
        self
    }

    /// Checks that the key may be used for `key_use` at time `now` (seconds since the epoch):
    /// `use` per `policy`, `alg` if present, and `exp` if present.
    pub fn check_for(&self, key_use: KeyUse, policy: UsePolicy, now: i64) -> Result<(), KeyError> {
        match (self.key_use, policy) {
            (Some(u), _) if u != key_use => return Err(KeyError::WrongUse),
            (None, UsePolicy::Required) => return Err(KeyError::WrongUse),
            _ => {}
        }
        if self.alg.as_deref().is_some_and(|alg| alg != key_use.alg()) {
            return Err(KeyError::WrongAlg);
        }
        if self.exp.is_some_and(|exp| exp <= now) {
            return Err(KeyError::Expired);
        }
        Ok(())
    }

    /// A key from its coordinates, x then y, each 32 big-endian bytes: `InvalidPoint` unless
    /// both are below p, the point is on the curve and it is not the identity (which has no
    /// affine coordinates anyway). p256's `AffinePoint::from_coordinates` (which checks the
    /// range and the curve equation) and `PublicKey::from_affine` (which refuses the identity)
    /// do the checks: the same as `PublicKey::from_sec1_bytes` on an uncompressed point,
    /// without the code that decompresses points, which a JWK never needs.
    pub fn from_point(point: &[u8; 64]) -> Result<PublicJwk, KeyError> {
        let (x, y) = point.split_at(32);
        let x = <&p256::FieldBytes>::try_from(x).map_err(|_| KeyError::WrongLength)?;
        let y = <&p256::FieldBytes>::try_from(y).map_err(|_| KeyError::WrongLength)?;
        let point = AffinePoint::from_coordinates(x, y)
            .into_option()
            .ok_or(KeyError::InvalidPoint)?;
        let key = PublicKey::from_affine(point).map_err(|_| KeyError::InvalidPoint)?;
        Ok(PublicJwk::from_key(key))
    }

    /// The point's coordinates: x then y, each 32 big-endian bytes.
    pub fn point(&self) -> [u8; 64] {
        let point = self.key.as_affine();
        join_coordinates(&point.x().into(), &point.y().into())
    }

    /// The key as p256's type, for p256's operations (ECDH, signature verification).
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    /// `kid`, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// `use`, if any.
    pub fn key_use(&self) -> Option<KeyUse> {
        self.key_use
    }

    /// `exp`, if any.
    pub fn exp(&self) -> Option<i64> {
        self.exp
    }

    /// The JWK as a JSON object: `kty`, `crv`, `x`, `y`, then `kid`, `use`, `alg`, `exp` if set.
    pub fn to_value(&self) -> Value<'static> {
        let point = self.point();
        let (x, y) = point.split_at(32);
        let mut object = Object::new();
        object.insert("kty", "EC");
        object.insert("crv", "P-256");
        object.insert("x", b64::encode(x));
        object.insert("y", b64::encode(y));
        if let Some(kid) = &self.kid {
            object.insert("kid", kid.clone());
        }
        if let Some(key_use) = self.key_use {
            object.insert("use", key_use.as_str());
        }
        if let Some(alg) = &self.alg {
            object.insert("alg", alg.clone());
        }
        if let Some(exp) = self.exp {
            object.insert("exp", exp);
        }
        Value::Object(object)
    }

    /// The JWK as JSON text (see [`PublicJwk::to_value`]).
    pub fn to_json(&self) -> String {
        self.to_value().to_json()
    }

    /// The RFC 7638 thumbprint (SHA-256, base64url): a stable `kid` for the key.
    pub fn thumbprint(&self) -> String {
        let point = self.point();
        let (x, y) = point.split_at(32);
        // The required members in lexicographic order, no whitespace (RFC 7638 §3.2).
        let mut canonical = Object::new();
        canonical.insert("crv", "P-256");
        canonical.insert("kty", "EC");
        canonical.insert("x", b64::encode(x));
        canonical.insert("y", b64::encode(y));
        b64::encode(&Sha256::digest(canonical.to_json().as_bytes()))
    }
}

/// A validated P-256 private key. The scalar is zeroized on drop and never printed.
#[derive(Clone)]
pub struct PrivateJwk {
    secret: SecretKey,
    // Kept, not rebuilt per signature: building it computes the public point, a scalar
    // multiplication as costly as the signature itself.
    signing: SigningKey,
    public: PublicJwk,
}

impl fmt::Debug for PrivateJwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateJwk")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl PrivateJwk {
    /// A fresh random key.
    pub fn generate(rng: &mut impl CryptoRng) -> PrivateJwk {
        let secret = SecretKey::generate_from_rng(rng);
        let signing = SigningKey::from(&secret);
        let public = PublicJwk::from_key(PublicKey::from(signing.verifying_key()));
        PrivateJwk {
            secret,
            signing,
            public,
        }
    }

    /// Parses a private JWK (with `d`), checking `d` against `x`/`y`.
    pub fn from_json(text: &str) -> Result<PrivateJwk, KeyError> {
        let value = json::parse(text.as_bytes()).map_err(|_| KeyError::Malformed)?;
        PrivateJwk::from_value(&value)
    }

    /// Parses a private JWK from a JSON value.
    pub fn from_value(value: &Value<'_>) -> Result<PrivateJwk, KeyError> {
        let raw = RawJwk::from_value(value)?;
        let secret = raw.secret()?;
        let public = raw.public()?;
        let signing = SigningKey::from(&secret);
        if PublicKey::from(signing.verifying_key()) != public.key {
            return Err(KeyError::MismatchedPrivate);
        }
        Ok(PrivateJwk {
            secret,
            signing,
            public,
        })
    }

    /// Sets `kid`, `use` (with its `alg`) on the public part.
    #[must_use]
    pub fn with_meta(mut self, kid: impl Into<String>, key_use: KeyUse) -> PrivateJwk {
        self.public = self.public.with_kid(kid).with_use(key_use);
        self
    }

    /// The public half.
    pub fn public(&self) -> &PublicJwk {
        &self.public
    }

    /// The secret scalar.
    pub fn secret(&self) -> &SecretKey {
        &self.secret
    }

    /// The ECDSA signing key (ES256).
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// The private JWK as JSON text, in a buffer zeroized on drop.
    pub fn to_json(&self) -> Zeroizing<String> {
        let d = Zeroizing::new(b64::encode(&self.secret.to_bytes()));
        let mut value: Value<'_> = self.public.to_value();
        if let Value::Object(object) = &mut value {
            // Borrowed from `d`: the value holds no copy of the scalar.
            object.insert("d", d.as_str());
        }
        Zeroizing::new(value.to_json())
    }
}

/// A set of public keys (`{"keys": [...]}`, RFC 7517 §5). Keys of other types than `EC` are
/// skipped, as they can never verify or decrypt here; a malformed `EC` key refuses the set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeySet {
    keys: Vec<PublicJwk>,
}

impl KeySet {
    /// A set of the given keys.
    pub fn new(keys: Vec<PublicJwk>) -> KeySet {
        KeySet { keys }
    }

    /// Parses `{"keys": [...]}`.
    pub fn from_value(value: &Value<'_>) -> Result<KeySet, KeyError> {
        let keys = value
            .get("keys")
            .and_then(Value::as_array)
            .ok_or(KeyError::Malformed)?;
        let keys = keys
            .iter()
            .filter(|k| k.get("kty").and_then(Value::as_str) == Some("EC"))
            .map(PublicJwk::from_value)
            .collect::<Result<_, _>>()?;
        Ok(KeySet { keys })
    }

    /// Parses `{"keys": [...]}` from JSON text.
    pub fn from_json(text: &str) -> Result<KeySet, KeyError> {
        let value = json::parse(text.as_bytes()).map_err(|_| KeyError::Malformed)?;
        KeySet::from_value(&value)
    }

    /// The keys.
    pub fn keys(&self) -> &[PublicJwk] {
        &self.keys
    }

    /// The one key usable for `key_use` at `now`: the one named `kid`, or the only usable key
    /// when `kid` is `None`. Ambiguity finds nothing. A key is usable only if its `use` says
    /// so: a set holds signing and encryption keys side by side (docs/design.md §3), and a key
    /// that does not say which it is could be either, so it is never chosen.
    pub fn find(&self, kid: Option<&str>, key_use: KeyUse, now: i64) -> Option<&PublicJwk> {
        let mut usable = self
            .keys
            .iter()
            .filter(|k| k.check_for(key_use, UsePolicy::Required, now).is_ok())
            .filter(|k| kid.is_none() || k.kid() == kid);
        let first = usable.next()?;
        usable.next().is_none().then_some(first)
    }

    /// The set as `{"keys": [...]}`.
    pub fn to_value(&self) -> Value<'static> {
        let mut object = Object::new();
        object.insert(
            "keys",
            self.keys
                .iter()
                .map(PublicJwk::to_value)
                .collect::<Vec<_>>(),
        );
        Value::Object(object)
    }

    /// The set as `{"keys": [...]}` JSON text.
    pub fn to_json(&self) -> String {
        self.to_value().to_json()
    }
}

/// x then y, as `PublicJwk` keeps a point.
fn join_coordinates(x: &[u8; 32], y: &[u8; 32]) -> [u8; 64] {
    let mut point = [0u8; 64];
    point[..32].copy_from_slice(x);
    point[32..].copy_from_slice(y);
    point
}

/// The JWK members walletpush reads, borrowed from the parsed value.
struct RawJwk<'v> {
    x: Option<&'v str>,
    y: Option<&'v str>,
    d: Option<&'v str>,
    kid: Option<&'v str>,
    key_use: Option<&'v str>,
    alg: Option<&'v str>,
    exp: Option<i64>,
}

impl<'v> RawJwk<'v> {
    /// Reads the members: each must have its type (or be missing or `null`); then `kty` must
    /// be `"EC"` and `crv` `"P-256"`.
    fn from_value(value: &'v Value<'_>) -> Result<RawJwk<'v>, KeyError> {
        let object = value.as_object().ok_or(KeyError::Malformed)?;
        let read = |object: &'v Object<'_>| -> Result<_, json::JsonError> {
            let kty = object.optional_string("kty")?;
            let crv = object.optional_string("crv")?;
            let raw = RawJwk {
                x: object.optional_string("x")?,
                y: object.optional_string("y")?,
                d: object.optional_string("d")?,
                kid: object.optional_string("kid")?,
                key_use: object.optional_string("use")?,
                alg: object.optional_string("alg")?,
                exp: object.optional_integer("exp")?,
            };
            Ok((kty, crv, raw))
        };
        let (kty, crv, raw) = read(object).map_err(|_| KeyError::Malformed)?;
        match kty {
            Some("EC") => {}
            Some(_) => return Err(KeyError::UnsupportedKeyType),
            None => return Err(KeyError::Malformed),
        }
        match crv {
            Some("P-256") => Ok(raw),
            _ => Err(KeyError::WrongCurve),
        }
    }

    fn public(&self) -> Result<PublicJwk, KeyError> {
        let (Some(x), Some(y)) = (self.x, self.y) else {
            return Err(KeyError::MissingCoordinate);
        };
        let x = b64::decode_array::<32>(x).ok_or(KeyError::WrongLength)?;
        let y = b64::decode_array::<32>(y).ok_or(KeyError::WrongLength)?;
        // Each coordinate below p and the point on the curve; the identity has no affine
        // coordinates.
        let key = PublicJwk::from_point(&join_coordinates(&x, &y))?;
        let key_use = match self.key_use {
            None => None,
            Some(u) => Some(KeyUse::parse(u).ok_or(KeyError::WrongUse)?),
        };
        Ok(PublicJwk {
            kid: self.kid.map(str::to_owned),
            key_use,
            alg: self.alg.map(str::to_owned),
            exp: self.exp,
            ..key
        })
    }

    fn secret(&self) -> Result<SecretKey, KeyError> {
        let d = self.d.ok_or(KeyError::NotPrivate)?;
        let d = Zeroizing::new(b64::decode_array::<32>(d).ok_or(KeyError::WrongLength)?);
        // Borrowed as the curve's field bytes: no unwiped copy of the scalar is made.
        let bytes = <&p256::FieldBytes>::try_from(&d[..]).map_err(|_| KeyError::WrongLength)?;
        SecretKey::from_bytes(bytes).map_err(|_| KeyError::InvalidPoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn key_json(extra: &str) -> String {
        // RFC 7518 Appendix C, Bob's public key.
        format!(
            r#"{{"kty":"EC","crv":"P-256","x":"weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ","y":"e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck"{extra}}}"#
        )
    }

    #[test]
    fn the_point_round_trips_through_its_coordinates() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        for _ in 0..16 {
            let key = PrivateJwk::generate(&mut rng);
            let p256_key = PublicKey::from(key.signing_key().verifying_key());
            assert_eq!(key.public().key(), &p256_key);
            let point = key.public().point();
            let mut sec1 = [4u8; 65];
            sec1[1..].copy_from_slice(&point);
            assert_eq!(PublicKey::from_sec1_bytes(&sec1).unwrap(), p256_key);
            assert_eq!(PublicJwk::from_point(&point).as_ref(), Ok(key.public()));
            let mut off_curve = point;
            off_curve[63] ^= 1;
            assert_eq!(
                PublicJwk::from_point(&off_curve),
                Err(KeyError::InvalidPoint)
            );
        }
    }

    #[test]
    fn parses_and_checks_use_alg_exp() {
        let k =
            PublicJwk::from_json(&key_json(r#","use":"enc","alg":"ECDH-ES","exp":100"#)).unwrap();
        assert_eq!(k.check_for(KeyUse::Enc, UsePolicy::Required, 99), Ok(()));
        assert_eq!(
            k.check_for(KeyUse::Enc, UsePolicy::Required, 100),
            Err(KeyError::Expired)
        );
        assert_eq!(
            k.check_for(KeyUse::Sig, UsePolicy::IfPresent, 0),
            Err(KeyError::WrongUse)
        );
        let bare = PublicJwk::from_json(&key_json("")).unwrap();
        assert_eq!(bare.check_for(KeyUse::Enc, UsePolicy::IfPresent, 0), Ok(()));
        assert_eq!(
            bare.check_for(KeyUse::Enc, UsePolicy::Required, 0),
            Err(KeyError::WrongUse)
        );
        let wrong_alg = PublicJwk::from_json(&key_json(r#","alg":"ECDH-ES+A128KW""#)).unwrap();
        assert_eq!(
            wrong_alg.check_for(KeyUse::Enc, UsePolicy::IfPresent, 0),
            Err(KeyError::WrongAlg)
        );
    }

    #[test]
    fn round_trips_through_json() {
        let k =
            PublicJwk::from_json(&key_json(r#","kid":"k1","use":"sig","alg":"ES256""#)).unwrap();
        let again = PublicJwk::from_value(&k.to_value()).unwrap();
        assert_eq!(k, again);
    }

    #[test]
    fn private_key_round_trips_and_checks_its_public_half() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let key = PrivateJwk::generate(&mut rng).with_meta("a", KeyUse::Sig);
        let text = key.to_json();
        let again = PrivateJwk::from_json(&text).unwrap();
        assert_eq!(again.public(), key.public());
        let other = PrivateJwk::generate(&mut rng);
        let mut mixed = json::parse(text.as_bytes()).unwrap().into_owned();
        let theirs = other.public().to_value();
        let object = mixed.as_object_mut().unwrap();
        object.insert("x", theirs.get("x").unwrap().clone());
        object.insert("y", theirs.get("y").unwrap().clone());
        assert_eq!(
            PrivateJwk::from_value(&mixed).unwrap_err(),
            KeyError::MismatchedPrivate
        );
        assert!(!format!("{key:?}").contains(&*text));
    }

    #[test]
    fn thumbprint_matches_rfc7638_example_shape() {
        let k = PublicJwk::from_json(&key_json("")).unwrap();
        assert_eq!(k.thumbprint().len(), 43);
        assert_eq!(k.thumbprint(), k.clone().with_kid("x").thumbprint());
    }

    #[test]
    fn key_set_finds_by_kid_and_refuses_ambiguity() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let a = PrivateJwk::generate(&mut rng).with_meta("a", KeyUse::Sig);
        let b = PrivateJwk::generate(&mut rng).with_meta("b", KeyUse::Sig);
        let e = PrivateJwk::generate(&mut rng).with_meta("e", KeyUse::Enc);
        let set = KeySet::new(vec![
            a.public().clone(),
            b.public().clone(),
            e.public().clone(),
        ]);
        assert_eq!(set.find(Some("b"), KeyUse::Sig, 0), Some(b.public()));
        assert_eq!(set.find(Some("e"), KeyUse::Sig, 0), None);
        assert_eq!(set.find(None, KeyUse::Sig, 0), None);
        assert_eq!(set.find(None, KeyUse::Enc, 0), Some(e.public()));
        let parsed = KeySet::from_value(&set.to_value()).unwrap();
        assert_eq!(parsed, set);
    }

    #[test]
    fn key_set_never_chooses_a_key_without_use() {
        let bare = PublicJwk::from_json(&key_json(r#","kid":"k""#)).unwrap();
        let set = KeySet::new(vec![bare.clone()]);
        assert_eq!(set.find(Some("k"), KeyUse::Sig, 0), None);
        assert_eq!(set.find(None, KeyUse::Sig, 0), None);
        assert_eq!(set.find(Some("k"), KeyUse::Enc, 0), None);
        let set = KeySet::new(vec![bare.with_use(KeyUse::Sig)]);
        assert!(set.find(Some("k"), KeyUse::Sig, 0).is_some());
    }
}

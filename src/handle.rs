//! The card handle (docs/design.md §2): an ES256 JWS, `typ: "walletpush-handle+jwt"`, minted by the
//! issuer's backend and redeemed once by the widget.
//!
//! The widget only [`CardHandle::parse`]s it to draw itself from `display` and trusts nothing in
//! it; the issuer API calls [`verify`] (signature, `typ`, lifetime, `exp`/`nbf` with
//! [`CLOCK_SKEW`], `aud` against the request's `Origin`). The binding cookie against `bnd`
//! ([`crate::binding`]), single use of `jti` and the card's status are the issuer API's to check.

use crate::error::{Error, ErrorCode};
use crate::json::{self, JsonError, Object, Value};
use crate::jwk::{KeySet, PrivateJwk};
use crate::jws;
use alloc::{borrow::ToOwned, string::String, vec::Vec};

/// The JWS `typ` of a card handle.
pub const HANDLE_TYP: &str = "walletpush-handle+jwt";
/// The longest lifetime (`exp - iat`) a handle may have, in seconds.
pub const MAX_LIFETIME: i64 = 300;
/// The clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
pub const CLOCK_SKEW: i64 = 30;
/// The latest time a handle may name (`iat`, `nbf`, `exp`), in seconds since the epoch:
/// 2^53 − 1, the largest integer a JavaScript number holds exactly (the frame reads `exp`).
/// Times before the epoch are refused too.
pub const MAX_TIME: i64 = (1 << 53) - 1;

/// The claims every handle carries (`nbf` is optional). A handle without one of them is
/// `HANDLE_INVALID`, with a message that names the missing claims.
pub const REQUIRED_CLAIMS: [&str; 10] = [
    "iss", "sub", "card", "aud", "iat", "exp", "jti", "wallets", "display", "bnd",
];

/// What the widget may show about the card: never a PAN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardDisplay {
    /// The last four digits.
    pub last4: String,
    /// The card network, e.g. `"visa"`.
    pub network: String,
    /// The product name, e.g. `"Gift card"`.
    pub product: String,
    /// A URL of the card art.
    pub art: Option<String>,
}

/// The claims of a card handle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandleClaims {
    /// Issuer id.
    pub iss: String,
    /// The user.
    pub sub: String,
    /// Opaque card reference (never a PAN).
    pub card: String,
    /// The widget origin allowed to redeem the handle.
    pub aud: String,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Not before, seconds since the epoch.
    pub nbf: Option<i64>,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Single-use id.
    pub jti: String,
    /// The wallet ids this card may go to.
    pub wallets: Vec<String>,
    /// What the button and the confirmation may show.
    pub display: CardDisplay,
    /// The binding: base64url(SHA-256(binding secret)), 43 characters ([`crate::binding::bnd`]).
    pub bnd: String,
}

impl CardDisplay {
    /// As a JSON object: `last4`, `network`, `product`, and `art` when set.
    pub fn to_value(&self) -> Value<'static> {
        let mut object = Object::new();
        object.insert("last4", self.last4.clone());
        object.insert("network", self.network.clone());
        object.insert("product", self.product.clone());
        if let Some(art) = &self.art {
            object.insert("art", art.clone());
        }
        Value::Object(object)
    }

    fn from_value(value: &Value<'_>) -> Result<CardDisplay, JsonError> {
        let object = value.as_object().ok_or(JsonError)?;
        Ok(CardDisplay {
            last4: object.string("last4")?.to_owned(),
            network: object.string("network")?.to_owned(),
            product: object.string("product")?.to_owned(),
            art: object.optional_string("art")?.map(str::to_owned),
        })
    }
}

impl HandleClaims {
    /// As a JSON object, members in declaration order; `nbf` only when set.
    pub fn to_value(&self) -> Value<'static> {
        let mut object = Object::new();
        object.insert("iss", self.iss.clone());
        object.insert("sub", self.sub.clone());
        object.insert("card", self.card.clone());
        object.insert("aud", self.aud.clone());
        object.insert("iat", self.iat);
        if let Some(nbf) = self.nbf {
            object.insert("nbf", nbf);
        }
        object.insert("exp", self.exp);
        object.insert("jti", self.jti.clone());
        let wallets = self
            .wallets
            .iter()
            .cloned()
            .map(Value::from)
            .collect::<Vec<_>>();
        object.insert("wallets", wallets);
        object.insert("display", self.display.to_value());
        object.insert("bnd", self.bnd.clone());
        Value::Object(object)
    }

    /// Reads the claims from JSON text: every claim but `nbf` (and `display.art`) required,
    /// other members ignored.
    pub fn from_json(text: &[u8]) -> Result<HandleClaims, JsonError> {
        let value = json::parse(text)?;
        let object = value.as_object().ok_or(JsonError)?;
        let wallets = object
            .get("wallets")
            .and_then(Value::as_array)
            .ok_or(JsonError)?
            .iter()
            .map(|w| w.as_str().map(str::to_owned).ok_or(JsonError))
            .collect::<Result<_, _>>()?;
        Ok(HandleClaims {
            iss: object.string("iss")?.to_owned(),
            sub: object.string("sub")?.to_owned(),
            card: object.string("card")?.to_owned(),
            aud: object.string("aud")?.to_owned(),
            iat: object.integer("iat")?,
            nbf: object.optional_integer("nbf")?,
            exp: object.integer("exp")?,
            jti: object.string("jti")?.to_owned(),
            wallets,
            display: CardDisplay::from_value(object.get("display").ok_or(JsonError)?)?,
            bnd: object.string("bnd")?.to_owned(),
        })
    }
}

/// A handle as the widget sees it: well-formed, not verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardHandle {
    token: String,
    claims: HandleClaims,
}

impl CardHandle {
    /// Reads a handle's structure and claims without verifying its signature.
    pub fn parse(token: &str) -> Result<CardHandle, Error> {
        let (header, payload) = jws::peek(token).map_err(|_| invalid("is not a card handle"))?;
        if header.get("typ").and_then(|t| t.as_str()) != Some(HANDLE_TYP) {
            return Err(invalid("is not a card handle (typ)"));
        }
        let claims = parse_claims(&payload)?;
        Ok(CardHandle {
            token: token.to_owned(),
            claims,
        })
    }

    /// The claims, unverified.
    pub fn claims(&self) -> &HandleClaims {
        &self.claims
    }

    /// What may be displayed.
    pub fn display(&self) -> &CardDisplay {
        &self.claims.display
    }

    /// The compact JWS.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Whether the handle allows `wallet`.
    pub fn allows(&self, wallet: &str) -> bool {
        self.claims.wallets.iter().any(|w| w == wallet)
    }
}

/// Mints a handle: the issuer backend's side.
pub fn mint(key: &PrivateJwk, claims: &HandleClaims) -> Result<String, Error> {
    let payload = claims.to_value().to_json();
    Ok(jws::sign(key, Some(HANDLE_TYP), payload.as_bytes()))
}

/// Verifies a handle for redemption from `origin` at `now` (seconds since the epoch).
///
/// Errors: `HANDLE_INVALID` (format, signature, `typ`, claims, times out of range, lifetime,
/// not yet valid),
/// `HANDLE_EXPIRED`, `ORIGIN_NOT_ALLOWED`.
pub fn verify(keys: &KeySet, token: &str, origin: &str, now: i64) -> Result<HandleClaims, Error> {
    let verified = jws::verify(keys, token, now).map_err(|_| invalid("did not verify"))?;
    if verified.header.get("typ").and_then(|t| t.as_str()) != Some(HANDLE_TYP) {
        return Err(invalid("is not a card handle (typ)"));
    }
    let claims = parse_claims(&verified.payload)?;
    // The claims are any i64 the signer wrote: out of range they are refused, and the
    // arithmetic below is checked or saturating besides (`now` is the caller's), since a
    // wrapped `exp - iat` once let a handle with extreme times pass the lifetime cap.
    let times = [Some(claims.iat), claims.nbf, Some(claims.exp)];
    if times
        .into_iter()
        .flatten()
        .any(|t| !(0..=MAX_TIME).contains(&t))
    {
        return Err(invalid("has a time before 1970 or after 2^53 seconds"));
    }
    let lifetime = claims.exp.checked_sub(claims.iat);
    if !lifetime.is_some_and(|lifetime| 0 < lifetime && lifetime <= MAX_LIFETIME) {
        return Err(invalid("has a lifetime over 300 seconds"));
    }
    let latest_start = now.saturating_add(CLOCK_SKEW);
    if claims.iat > latest_start || claims.nbf.is_some_and(|nbf| nbf > latest_start) {
        return Err(invalid("is not valid yet"));
    }
    if now >= claims.exp.saturating_add(CLOCK_SKEW) {
        return Err(Error::new(
            ErrorCode::HandleExpired,
            "the card handle has expired: mint a fresh one for each attempt",
        ));
    }
    if claims.aud != origin {
        return Err(Error::new(
            ErrorCode::OriginNotAllowed,
            "the card handle was not minted for this widget origin",
        ));
    }
    Ok(claims)
}

fn parse_claims(payload: &[u8]) -> Result<HandleClaims, Error> {
    let object = json::parse_object(payload).map_err(|_| invalid("has no JSON claims"))?;
    let missing: Vec<&str> = REQUIRED_CLAIMS
        .into_iter()
        .filter(|name| !object.contains_key(name))
        .collect();
    if !missing.is_empty() {
        let mut parts = Vec::with_capacity(missing.len() * 2 + 1);
        parts.push("the card handle lacks required claims: ");
        for (i, name) in missing.iter().enumerate() {
            if i > 0 {
                parts.push(", ");
            }
            parts.push(name);
        }
        return Err(Error::new(
            ErrorCode::HandleInvalid,
            crate::text::concat(&parts),
        ));
    }
    let claims =
        HandleClaims::from_json(payload).map_err(|_| invalid("has a claim of the wrong type"))?;
    let last4 = &claims.display.last4;
    if last4.len() != 4 || !last4.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("has a display.last4 that is not four digits"));
    }
    if !is_bnd(&claims.bnd) {
        return Err(invalid("has a bnd that is not 43 base64url characters"));
    }
    Ok(claims)
}

/// Whether `bnd` has the form of a SHA-256 digest in base64url: 43 characters.
fn is_bnd(bnd: &str) -> bool {
    bnd.len() == 43 && crate::b64::decode_array::<32>(bnd).is_some()
}

fn invalid(what: &str) -> Error {
    Error::new(
        ErrorCode::HandleInvalid,
        crate::text::concat(&["the card handle ", what]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwk::KeyUse;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const ORIGIN: &str = "https://walletpush.bank.example";

    fn claims(now: i64) -> HandleClaims {
        HandleClaims {
            iss: "bank".into(),
            sub: "user-1".into(),
            card: "card-1".into(),
            aud: ORIGIN.into(),
            iat: now,
            nbf: None,
            exp: now + 300,
            jti: "j1".into(),
            wallets: vec!["sandbox".into()],
            display: CardDisplay {
                last4: "4242".into(),
                network: "visa".into(),
                product: "Gift card".into(),
                art: None,
            },
            bnd: crate::binding::bnd(&[7; crate::binding::SECRET_LEN]),
        }
    }

    fn setup() -> (PrivateJwk, KeySet) {
        let key = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng))
            .with_meta("issuer-1", KeyUse::Sig);
        let set = KeySet::new(vec![key.public().clone()]);
        (key, set)
    }

    fn code(r: Result<HandleClaims, Error>) -> ErrorCode {
        r.unwrap_err().code()
    }

    #[test]
    fn verifies_a_good_handle_and_reads_display() {
        let (key, set) = setup();
        let token = mint(&key, &claims(1000)).unwrap();
        assert_eq!(verify(&set, &token, ORIGIN, 1010).unwrap(), claims(1000));
        let parsed = CardHandle::parse(&token).unwrap();
        assert_eq!(parsed.display().last4, "4242");
        assert!(parsed.allows("sandbox") && !parsed.allows("apple"));
    }

    #[test]
    fn each_failure_has_its_code() {
        let (key, set) = setup();
        let token = mint(&key, &claims(1000)).unwrap();
        assert_eq!(
            code(verify(&set, &token, ORIGIN, 1330)),
            ErrorCode::HandleExpired
        );
        assert_eq!(
            code(verify(&set, &token, "https://evil.example", 1010)),
            ErrorCode::OriginNotAllowed
        );
        let (other, _) = setup();
        let forged = mint(&other.with_meta("issuer-1", KeyUse::Sig), &claims(1000)).unwrap();
        assert_eq!(
            code(verify(&set, &forged, ORIGIN, 1010)),
            ErrorCode::HandleInvalid
        );
        let mut long = claims(1000);
        long.exp = 1000 + 301;
        let long = mint(&key, &long).unwrap();
        assert_eq!(
            code(verify(&set, &long, ORIGIN, 1010)),
            ErrorCode::HandleInvalid
        );
        let mut later = claims(1000);
        later.nbf = Some(1100);
        let later = mint(&key, &later).unwrap();
        assert_eq!(
            code(verify(&set, &later, ORIGIN, 1010)),
            ErrorCode::HandleInvalid
        );
        let untyped = jws::sign(&key, None, claims(1000).to_value().to_json().as_bytes());
        assert_eq!(
            code(verify(&set, &untyped, ORIGIN, 1010)),
            ErrorCode::HandleInvalid
        );
    }

    /// A signed handle with `iat`/`exp` near the ends of `i64` is `HANDLE_INVALID`, at any
    /// time, and never panics: `exp - iat` once wrapped in a release build (-31 to
    /// `i64::MAX - 30` made a lifetime of `i64::MIN`, under the cap) and overflowed in a debug
    /// build. Its regression input is `fuzz/corpus/handle/regression-lifetime-overflow`.
    #[test]
    fn extreme_times_are_invalid_and_never_overflow() {
        let (key, set) = setup();
        let cases = [
            (-31, i64::MAX - 30, None),
            (-1, i64::MAX, None),
            (i64::MIN, i64::MIN + 100, None),
            (i64::MIN, i64::MAX, None),
            (i64::MAX, i64::MIN, None),
            (i64::MAX - 300, i64::MAX, None),
            (i64::MAX - 1, i64::MAX, Some(i64::MAX)),
            (0, 300, Some(i64::MIN)),
            (1000, 1300, Some(i64::MAX)),
        ];
        for (iat, exp, nbf) in cases {
            let mut extreme = claims(0);
            (extreme.iat, extreme.exp, extreme.nbf) = (iat, exp, nbf);
            let token = mint(&key, &extreme).unwrap();
            for now in [i64::MIN, -1, 0, 1010, i64::MAX - 30, i64::MAX] {
                assert_eq!(
                    code(verify(&set, &token, ORIGIN, now)),
                    ErrorCode::HandleInvalid,
                    "iat {iat}, exp {exp}, nbf {nbf:?} at {now}"
                );
            }
        }
    }

    #[test]
    fn lifetime_and_skew_at_their_bounds() {
        let (key, set) = setup();
        let token = mint(&key, &claims(1000)).unwrap();
        assert!(verify(&set, &token, ORIGIN, 970).is_ok(), "30 s early");
        assert_eq!(
            code(verify(&set, &token, ORIGIN, 969)),
            ErrorCode::HandleInvalid
        );
        assert!(verify(&set, &token, ORIGIN, 1329).is_ok(), "30 s late");
        assert_eq!(
            code(verify(&set, &token, ORIGIN, 1330)),
            ErrorCode::HandleExpired
        );
        for (iat, exp) in [(1000, 1000), (1000, 999), (1000, 1301)] {
            let mut bad = claims(1000);
            (bad.iat, bad.exp) = (iat, exp);
            let token = mint(&key, &bad).unwrap();
            assert_eq!(
                code(verify(&set, &token, ORIGIN, 1000)),
                ErrorCode::HandleInvalid
            );
        }
        let latest = claims(MAX_TIME - 300);
        let token = mint(&key, &latest).unwrap();
        assert!(verify(&set, &token, ORIGIN, MAX_TIME - 300).is_ok());
        let mut after = claims(MAX_TIME - 299);
        after.nbf = Some(MAX_TIME - 299);
        let token = mint(&key, &after).unwrap();
        assert_eq!(
            code(verify(&set, &token, ORIGIN, MAX_TIME - 299)),
            ErrorCode::HandleInvalid
        );
        let mut before_1970 = claims(-100);
        before_1970.exp = 100;
        let token = mint(&key, &before_1970).unwrap();
        assert_eq!(
            code(verify(&set, &token, ORIGIN, 0)),
            ErrorCode::HandleInvalid
        );
    }

    /// `bnd` is required: a handle without it (as minted before binding existed) is refused,
    /// and the message names what is missing; a `bnd` that is no digest is refused too.
    #[test]
    fn a_handle_without_bnd_is_invalid_and_says_so() {
        let (key, set) = setup();
        let mut object = claims(1000).to_value();
        let object = object.as_object_mut().unwrap();
        object.remove("bnd");
        object.remove("jti");
        let token = jws::sign(&key, Some(HANDLE_TYP), object.to_json().as_bytes());
        let error = verify(&set, &token, ORIGIN, 1010).unwrap_err();
        assert_eq!(error.code(), ErrorCode::HandleInvalid);
        assert_eq!(
            error.message(),
            "the card handle lacks required claims: jti, bnd"
        );
        assert_eq!(
            CardHandle::parse(&token).unwrap_err().code(),
            ErrorCode::HandleInvalid
        );
        for bad in ["", "short", &"A".repeat(44), &"+".repeat(43)] {
            let mut c = claims(1000);
            c.bnd = bad.into();
            let token = mint(&key, &c).unwrap();
            assert_eq!(
                code(verify(&set, &token, ORIGIN, 1010)),
                ErrorCode::HandleInvalid,
                "{bad}"
            );
        }
    }
}

//! The card handle (DESIGN.md §2): an ES256 JWS, `typ: "walletpush-handle+jwt"`, minted by the
//! issuer's backend and redeemed once by the widget.
//!
//! The widget only [`CardHandle::parse`]s it to draw itself from `display` and trusts nothing in
//! it; the issuer API calls [`verify`] (signature, `typ`, lifetime, `exp`/`nbf` with
//! [`CLOCK_SKEW`], `aud` against the request's `Origin`). Single use of `jti` and the card's
//! status are the issuer's store to check.

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
/// Errors: `HANDLE_INVALID` (format, signature, `typ`, claims, lifetime, not yet valid),
/// `HANDLE_EXPIRED`, `ORIGIN_NOT_ALLOWED`.
pub fn verify(keys: &KeySet, token: &str, origin: &str, now: i64) -> Result<HandleClaims, Error> {
    let verified = jws::verify(keys, token, now).map_err(|_| invalid("did not verify"))?;
    if verified.header.get("typ").and_then(|t| t.as_str()) != Some(HANDLE_TYP) {
        return Err(invalid("is not a card handle (typ)"));
    }
    let claims = parse_claims(&verified.payload)?;
    if claims.exp - claims.iat > MAX_LIFETIME || claims.exp <= claims.iat {
        return Err(invalid("has a lifetime over 300 seconds"));
    }
    if claims.iat > now + CLOCK_SKEW || claims.nbf.is_some_and(|nbf| nbf > now + CLOCK_SKEW) {
        return Err(invalid("is not valid yet"));
    }
    if now >= claims.exp + CLOCK_SKEW {
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
    let claims = HandleClaims::from_json(payload).map_err(|_| invalid("lacks required claims"))?;
    let last4 = &claims.display.last4;
    if last4.len() != 4 || !last4.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("has a display.last4 that is not four digits"));
    }
    Ok(claims)
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
}

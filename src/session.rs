//! The wallet's session token of popup mode (docs/design.md §3 step 2): an ES256 JWS by a wallet
//! signing key over `{sid, epk, aud, exp}`, where `epk` is the public JWK of a fresh P-256 key
//! that this one session's credential is encrypted to.

use crate::error::{Error, ErrorCode};
use crate::json::{self, JsonError, Object, Value};
use crate::jwk::{KeySet, KeyUse, PrivateJwk, PublicJwk, UsePolicy};
use crate::jws;
use alloc::{borrow::ToOwned, string::String};

/// The JWS `typ` of a wallet session token.
pub const SESSION_TYP: &str = "walletpush-session+jwt";

/// The claims of a session token as they travel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionClaims {
    /// The wallet's session id.
    pub sid: String,
    /// The session's public encryption key, as a JWK.
    pub epk: Value<'static>,
    /// The widget origin the session is for.
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
}

impl SessionClaims {
    /// As a JSON object: `sid`, `epk`, `aud`, `exp`.
    pub fn to_value(&self) -> Value<'static> {
        let mut object = Object::new();
        object.insert("sid", self.sid.clone());
        object.insert("epk", self.epk.clone());
        object.insert("aud", self.aud.clone());
        object.insert("exp", self.exp);
        Value::Object(object)
    }

    /// Reads the claims from JSON text; other members are ignored.
    pub fn from_json(text: &[u8]) -> Result<SessionClaims, JsonError> {
        let mut object = json::parse_object(text)?;
        // Taken out rather than cloned: the widget's Wasm then has no code to clone a value.
        let epk = object.remove("epk").ok_or(JsonError)?.into_owned();
        Ok(SessionClaims {
            sid: object.string("sid")?.to_owned(),
            epk,
            aud: object.string("aud")?.to_owned(),
            exp: object.integer("exp")?,
        })
    }
}

/// A verified wallet session: where to encrypt the credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletSession {
    /// The wallet's session id (goes into `apv`).
    pub sid: String,
    /// The session key, validated for `ECDH-ES`.
    pub key: PublicJwk,
    /// The `kid` to put into the JWE header: the key's `kid`, else its RFC 7638 thumbprint.
    pub kid: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
}

/// Signs a session token: the wallet's side.
pub fn issue(key: &PrivateJwk, claims: &SessionClaims) -> Result<String, Error> {
    let payload = claims.to_value().to_json();
    Ok(jws::sign(key, Some(SESSION_TYP), payload.as_bytes()))
}

/// Verifies a session token against the wallet's signing keys, for `audience` at `now`.
///
/// Errors: `WALLET_SESSION_INVALID` (signature, `typ`, claims, `aud`, `exp`), and
/// `WALLET_KEY_INVALID` when the session key itself is not a valid P-256 encryption key.
pub fn verify(
    wallet_keys: &KeySet,
    token: &str,
    audience: &str,
    now: i64,
) -> Result<WalletSession, Error> {
    let session_invalid = || {
        Error::new(
            ErrorCode::WalletSessionInvalid,
            "the wallet's session could not be verified: start again",
        )
    };
    let verified = jws::verify(wallet_keys, token, now).map_err(|_| session_invalid())?;
    if verified.header.get("typ").and_then(Value::as_str) != Some(SESSION_TYP) {
        return Err(session_invalid());
    }
    let claims = SessionClaims::from_json(&verified.payload).map_err(|_| session_invalid())?;
    if claims.aud != audience || now >= claims.exp || claims.sid.is_empty() {
        return Err(session_invalid());
    }
    let key = PublicJwk::from_value(&claims.epk)
        .and_then(|k| {
            k.check_for(KeyUse::Enc, UsePolicy::IfPresent, now)
                .map(|()| k)
        })
        .map_err(|e| Error::new(ErrorCode::WalletKeyInvalid, e.describe()))?;
    let kid = key.kid().map_or_else(|| key.thumbprint(), str::to_owned);
    Ok(WalletSession {
        sid: claims.sid,
        key,
        kid,
        exp: claims.exp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const AUD: &str = "http://127.0.0.1:8081";

    #[test]
    fn verifies_and_maps_failures() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let signer = PrivateJwk::generate(&mut rng).with_meta("w1", KeyUse::Sig);
        let keys = KeySet::new(vec![signer.public().clone()]);
        let session_key = PrivateJwk::generate(&mut rng).with_meta("s1", KeyUse::Enc);
        let claims = SessionClaims {
            sid: "sid-1".into(),
            epk: session_key.public().to_value(),
            aud: AUD.into(),
            exp: 2000,
        };
        let token = issue(&signer, &claims).unwrap();
        let session = verify(&keys, &token, AUD, 1000).unwrap();
        assert_eq!(
            (session.sid.as_str(), session.kid.as_str()),
            ("sid-1", "s1")
        );
        let code = |r: Result<WalletSession, Error>| r.unwrap_err().code();
        assert_eq!(
            code(verify(&keys, &token, "http://x", 1000)),
            ErrorCode::WalletSessionInvalid
        );
        assert_eq!(
            code(verify(&keys, &token, AUD, 2000)),
            ErrorCode::WalletSessionInvalid
        );
        let mut off_curve = claims.clone();
        let epk = off_curve.epk.as_object_mut().unwrap();
        epk.insert("y", epk.get("x").unwrap().clone());
        let token = issue(&signer, &off_curve).unwrap();
        assert_eq!(
            code(verify(&keys, &token, AUD, 1000)),
            ErrorCode::WalletKeyInvalid
        );
    }
}

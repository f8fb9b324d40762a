//! The wallet's signed results (docs/design.md §3 step 6, docs/wire.md "Popup mode messages",
//! "Redirect mode"): an ES256 JWS by the wallet's signing key, `typ: walletpush-result+jwt`,
//! over `{status, token_ref?, last4?, code?, sid | state, cid?, iat}`. Every result is signed:
//! success, cancellation and error alike, so that the widget reports only what this wallet said.

use serde::Serialize;
use walletpush::jwk::PrivateJwk;
use walletpush::{jws, ErrorCode};

/// The JWS `typ` of a result.
pub const RESULT_TYP: &str = "walletpush-result+jwt";

/// The attempt a result answers: the popup session, or the frame's redirect `state`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// Popup mode: the session id.
    Sid(String),
    /// Redirect mode: the `state` the frame made (the JWE's `apv`).
    State(String),
}

/// The claims of a result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResultClaims {
    /// `success`, `cancelled` or `error`.
    pub status: &'static str,
    /// The token, on success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_ref: Option<String>,
    /// The card's last 4 digits, on success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last4: Option<String>,
    /// The error code, on error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// Popup mode's session id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Redirect mode's state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The attempt's correlation id, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cid: Option<String>,
    /// When the wallet signed it.
    pub iat: i64,
}

impl ResultClaims {
    fn new(status: &'static str, attempt: &Attempt, cid: Option<String>, iat: i64) -> Self {
        let (sid, state) = match attempt {
            Attempt::Sid(sid) => (Some(sid.clone()), None),
            Attempt::State(state) => (None, Some(state.clone())),
        };
        ResultClaims {
            status,
            token_ref: None,
            last4: None,
            code: None,
            sid,
            state,
            cid,
            iat,
        }
    }

    /// A provisioned token.
    pub fn success(
        attempt: &Attempt,
        token_ref: String,
        last4: String,
        cid: Option<String>,
        iat: i64,
    ) -> Self {
        ResultClaims {
            token_ref: Some(token_ref),
            last4: Some(last4),
            ..ResultClaims::new("success", attempt, cid, iat)
        }
    }

    /// The user cancelled (or closed the window).
    pub fn cancelled(attempt: &Attempt, cid: Option<String>, iat: i64) -> Self {
        ResultClaims::new("cancelled", attempt, cid, iat)
    }

    /// The wallet refused.
    pub fn error(attempt: &Attempt, code: ErrorCode, cid: Option<String>, iat: i64) -> Self {
        ResultClaims {
            code: Some(code.as_str()),
            ..ResultClaims::new("error", attempt, cid, iat)
        }
    }

    /// The result as the wallet sends it: signed with `key`.
    pub fn sign(&self, key: &PrivateJwk) -> String {
        // Serialising plain strings and integers cannot fail.
        let payload = serde_json::to_vec(self).unwrap_or_default();
        jws::sign(key, Some(RESULT_TYP), &payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use getrandom::SysRng;
    use rand_core::UnwrapErr;
    use serde_json::{json, Value};
    use walletpush::jwk::{KeySet, KeyUse};

    #[test]
    fn results_verify_with_the_wallet_key_only_and_carry_the_attempt() {
        let key = PrivateJwk::generate(&mut UnwrapErr(SysRng)).with_meta("sig-1", KeyUse::Sig);
        let other = PrivateJwk::generate(&mut UnwrapErr(SysRng)).with_meta("sig-1", KeyUse::Sig);
        let attempt = Attempt::Sid("s-1".into());
        let token =
            ResultClaims::success(&attempt, "tok_1".into(), "1111".into(), Some("c".into()), 7)
                .sign(&key);
        let keys = KeySet::new(vec![key.public().clone()]);
        let verified = jws::verify(&keys, &token, 7).unwrap();
        assert_eq!(
            verified.header.get("typ").and_then(|t| t.as_str()),
            Some(RESULT_TYP)
        );
        let claims: Value = serde_json::from_slice(&verified.payload).unwrap();
        assert_eq!(
            claims,
            json!({"status":"success","token_ref":"tok_1","last4":"1111","sid":"s-1","cid":"c","iat":7})
        );
        let foreign = KeySet::new(vec![other.public().clone()]);
        assert!(jws::verify(&foreign, &token, 7).is_err());

        let state = Attempt::State("st".into());
        let error = ResultClaims::error(&state, ErrorCode::WalletRejected, None, 8).sign(&key);
        let claims: Value =
            serde_json::from_slice(&jws::verify(&keys, &error, 8).unwrap().payload).unwrap();
        assert_eq!(
            claims,
            json!({"status":"error","code":"WALLET_REJECTED","state":"st","iat":8})
        );
        let cancel = ResultClaims::cancelled(&attempt, None, 9).sign(&key);
        let claims: Value =
            serde_json::from_slice(&jws::verify(&keys, &cancel, 9).unwrap().payload).unwrap();
        assert_eq!(claims, json!({"status":"cancelled","sid":"s-1","iat":9}));
    }
}

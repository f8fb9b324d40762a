//! The wallet's signed result (docs/design.md §3 step 6, §3b): an ES256 JWS by one of the
//! wallet's signing keys, `typ: "walletpush-result+jwt"`, over
//! `{status, token_ref?, last4?, code?, sid | state, cid, iat}`.
//!
//! The widget reports a result only once it verified: with the wallet's pinned signing keys, for
//! the attempt it names (the popup's session id, or the `state` of a redirect attempt that the
//! frame recorded), and fresh (`iat` within [`MAX_AGE`] of now). Anything else is dropped: the
//! functions here answer `None`, and the widget reports nothing at all.

use alloc::{borrow::ToOwned, string::String};

use crate::error::{Error, ErrorCode};
use crate::flow::Outcome;
use crate::json::{self, JsonError, Object, Value};
use crate::jwk::{KeySet, PrivateJwk};
use crate::jws;
use crate::wallet::PinnedWallet;

/// The JWS `typ` of a wallet's result.
pub const RESULT_TYP: &str = "walletpush-result+jwt";

/// How far a result's `iat` may lie from now, either way, in seconds.
pub const MAX_AGE: i64 = 600;

/// How long the frame keeps a redirect attempt it started, in seconds: a result for an older
/// one is dropped.
pub const ATTEMPT_LIFETIME: i64 = 1800;

/// What the wallet says happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The card is in the wallet.
    Success,
    /// The user cancelled.
    Cancelled,
    /// The wallet refused or failed.
    Error,
}

impl Status {
    /// The `status` claim's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::Cancelled => "cancelled",
            Status::Error => "error",
        }
    }

    fn parse(text: &str) -> Option<Status> {
        [Status::Success, Status::Cancelled, Status::Error]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// Which attempt a result answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answers {
    /// The popup's wallet session (`sid`).
    Sid(String),
    /// A redirect attempt (`state`, made by the frame).
    State(String),
}

/// The claims of a result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultClaims {
    /// What happened.
    pub status: Status,
    /// The wallet's token reference (success).
    pub token_ref: Option<String>,
    /// The card's last four digits (success).
    pub last4: Option<String>,
    /// An error code of docs/design.md §5 (error).
    pub code: Option<String>,
    /// The attempt: `sid` or `state`.
    pub answers: Answers,
    /// The attempt's correlation id, when the wallet knows it.
    pub cid: Option<String>,
    /// When the wallet made the result, seconds since the epoch.
    pub iat: i64,
}

impl ResultClaims {
    /// As a JSON object.
    pub fn to_value(&self) -> Value<'static> {
        let mut object = Object::new();
        object.insert("status", self.status.as_str());
        let optional = [
            ("token_ref", &self.token_ref),
            ("last4", &self.last4),
            ("code", &self.code),
            ("cid", &self.cid),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                object.insert(name, value.clone());
            }
        }
        match &self.answers {
            Answers::Sid(sid) => object.insert("sid", sid.clone()),
            Answers::State(state) => object.insert("state", state.clone()),
        }
        object.insert("iat", self.iat);
        Value::Object(object)
    }

    /// Reads the claims: a known `status`, exactly one of `sid` and `state`, `iat`, and strings
    /// where the optional members are present. Other members are ignored.
    pub fn from_json(text: &[u8]) -> Result<ResultClaims, JsonError> {
        let object = json::parse_object(text)?;
        let mut strings: [Option<String>; 7] = Default::default();
        let names = [
            "status",
            "token_ref",
            "last4",
            "code",
            "sid",
            "state",
            "cid",
        ];
        for (slot, name) in strings.iter_mut().zip(names) {
            *slot = object.optional_string(name)?.map(str::to_owned);
        }
        let [status, token_ref, last4, code, sid, state, cid] = strings;
        let answers = match (sid, state) {
            (Some(sid), None) => Answers::Sid(sid),
            (None, Some(state)) => Answers::State(state),
            _ => return Err(JsonError),
        };
        Ok(ResultClaims {
            status: status.as_deref().and_then(Status::parse).ok_or(JsonError)?,
            token_ref,
            last4,
            code,
            answers,
            cid,
            iat: object.integer("iat")?,
        })
    }

    /// What the widget reports for these claims (see [`SignedResult::outcome`]).
    pub fn outcome(&self) -> Outcome {
        outcome_of(
            self.status,
            self.token_ref.as_deref(),
            self.last4.as_deref(),
            self.code.as_deref(),
        )
    }
}

/// Signs a result: the wallet's side.
pub fn issue(key: &PrivateJwk, claims: &ResultClaims) -> String {
    jws::sign(
        key,
        Some(RESULT_TYP),
        claims.to_value().to_json().as_bytes(),
    )
}

/// A result that verified: its claims, read where they are needed (the widget's Wasm then
/// copies none of them but what it reports).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedResult {
    claims: Object<'static>,
    status: Status,
}

impl SignedResult {
    /// What the wallet says happened.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The popup session it answers.
    pub fn sid(&self) -> Option<&str> {
        self.member("sid")
    }

    /// The redirect attempt it answers.
    pub fn state(&self) -> Option<&str> {
        self.member("state")
    }

    /// The attempt's correlation id, when the wallet names it.
    pub fn cid(&self) -> Option<&str> {
        self.member("cid")
    }

    /// What the widget reports: a success needs a token reference and four digits; an unknown
    /// error code is `WALLET_REJECTED`.
    pub fn outcome(&self) -> Outcome {
        let [token_ref, last4, code] = ["token_ref", "last4", "code"].map(|m| self.member(m));
        outcome_of(self.status, token_ref, last4, code)
    }

    fn member(&self, name: &str) -> Option<&str> {
        self.claims.optional_string(name).ok().flatten()
    }
}

/// Verifies a result with `keys` (a wallet's pinned signing keys): signature, `typ`, claims (as
/// [`ResultClaims::from_json`] reads them), and `iat` within [`MAX_AGE`] of `now`. `None` for
/// anything else. Which attempt it answers is the caller's check.
pub fn verify(keys: &KeySet, token: &str, now: i64) -> Option<SignedResult> {
    let verified = jws::verify(keys, token, now).ok()?;
    if verified.header.get("typ").and_then(Value::as_str) != Some(RESULT_TYP) {
        return None;
    }
    let claims = json::parse_object(&verified.payload).ok()?.into_owned();
    let strings = ["token_ref", "last4", "code", "cid", "sid", "state"];
    let [.., sid, state] = strings.map(|m| claims.optional_string(m));
    if strings.iter().any(|m| claims.optional_string(m).is_err())
        || matches!(
            (sid, state),
            (Ok(None), Ok(None)) | (Ok(Some(_)), Ok(Some(_)))
        )
    {
        return None;
    }
    let status = Status::parse(claims.string("status").ok()?)?;
    let iat = claims.integer("iat").ok()?;
    (iat.abs_diff(now) <= MAX_AGE.unsigned_abs()).then_some(SignedResult { claims, status })
}

/// A redirect result that verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Returned {
    /// What to report.
    pub outcome: Outcome,
    /// The attempt it answers: the frame forgets it now.
    pub state: String,
    /// That attempt's correlation id.
    pub cid: String,
}

/// The result of a redirect attempt, from the return URL's fragment: verified with `wallet`'s
/// pinned keys, naming the `state` of one of `attempts` (JSON text: this wallet's attempts as
/// the frame recorded them, `[{state, cid, at}, ...]`, docs/wire.md) started less than
/// [`ATTEMPT_LIFETIME`] ago, and that attempt's `cid` when it names one. `None` for anything
/// else: a forged, foreign, stale or replayed result is reported as nothing.
pub fn returned(wallet: &PinnedWallet, token: &str, attempts: &str, now: i64) -> Option<Returned> {
    let claims = verify(wallet.signing_keys(), token, now)?;
    let state = claims.state()?;
    let attempts = json::parse(attempts.as_bytes()).ok()?;
    let live = now - ATTEMPT_LIFETIME..=now + 60;
    let attempt = attempts.as_array()?.iter().find_map(|a| {
        let a = a.as_object()?;
        let at = a.integer("at").ok()?;
        (a.string("state").ok()? == state && live.contains(&at)).then_some(a)
    })?;
    let cid = attempt.string("cid").ok()?;
    if claims.cid().is_some_and(|theirs| theirs != cid) {
        return None;
    }
    Some(Returned {
        outcome: claims.outcome(),
        state: state.to_owned(),
        cid: cid.to_owned(),
    })
}

fn outcome_of(
    status: Status,
    token_ref: Option<&str>,
    last4: Option<&str>,
    code: Option<&str>,
) -> Outcome {
    match status {
        Status::Success => match (token_ref, last4) {
            (Some(token_ref), Some(last4)) if valid_token_ref(token_ref) && valid_last4(last4) => {
                Outcome::Added {
                    token_ref: token_ref.to_owned(),
                    last4: last4.to_owned(),
                }
            }
            _ => Outcome::Failed(Error::new(
                ErrorCode::WalletRejected,
                "the wallet's success names no token",
            )),
        },
        Status::Cancelled => Outcome::Cancelled,
        Status::Error => {
            let code = code
                .and_then(ErrorCode::parse)
                .unwrap_or(ErrorCode::WalletRejected);
            Outcome::Failed(Error::new(code, "the wallet did not add the card"))
        }
    }
}

/// A token reference as events carry it: 1 to 128 of `A-Z a-z 0-9 - _ . :`.
fn valid_token_ref(token_ref: &str) -> bool {
    (1..=128).contains(&token_ref.len())
        && token_ref
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

fn valid_last4(last4: &str) -> bool {
    last4.len() == 4 && last4.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwk::KeyUse;
    use crate::wallet::{Pins, WalletDocument};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const NOW: i64 = 1_700_000_000;

    fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
        rand_core::UnwrapErr(getrandom::SysRng)
    }

    fn wallet() -> (PrivateJwk, PinnedWallet) {
        let signer = PrivateJwk::generate(&mut rng()).with_meta("sig-1", KeyUse::Sig);
        let enc = PrivateJwk::generate(&mut rng()).with_meta("enc-1", KeyUse::Enc);
        let jwks = KeySet::new(vec![signer.public().clone(), enc.public().clone()]).to_json();
        let text = format!(
            r#"{{"protocol":"walletpush/1","name":"W","entry_url":"https://w.example/entry","provision_url":"https://w.example/provision","jwks":{jwks}}}"#
        );
        let pins = Pins::new("https://w.example", &signer.public().thumbprint()).unwrap();
        (signer, WalletDocument::pinned(&text, &pins).unwrap())
    }

    fn success(state: &str, cid: Option<&str>) -> ResultClaims {
        ResultClaims {
            status: Status::Success,
            token_ref: Some("tok_1".into()),
            last4: Some("1111".into()),
            code: None,
            answers: Answers::State(state.into()),
            cid: cid.map(Into::into),
            iat: NOW,
        }
    }

    /// The frame's record of attempts, as JSON text.
    fn recorded(attempts: &[(&str, i64)]) -> String {
        let list: Vec<String> = attempts
            .iter()
            .map(|(state, at)| {
                format!(r#"{{"state":"{state}","cid":"cid-1","at":{at},"wallet":"w"}}"#)
            })
            .collect();
        format!("[{}]", list.join(","))
    }

    #[test]
    fn claims_round_trip_and_refuse_what_is_not_a_result() {
        let claims = success("st", Some("c"));
        let text = claims.to_value().to_json();
        assert_eq!(ResultClaims::from_json(text.as_bytes()), Ok(claims));
        for bad in [
            r#"{"status":"success","iat":1}"#,
            r#"{"status":"success","sid":"a","state":"b","iat":1}"#,
            r#"{"status":"done","sid":"a","iat":1}"#,
            r#"{"status":"success","sid":"a"}"#,
            r#"{"status":"success","sid":7,"iat":1}"#,
            r#"{"status":"success","sid":"a","iat":1,"last4":1111}"#,
        ] {
            assert!(ResultClaims::from_json(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn verify_takes_only_what_reads_as_claims() {
        let (signer, pinned) = wallet();
        let keys = pinned.signing_keys();
        let sign = |claims: &str| jws::sign(&signer, Some(RESULT_TYP), claims.as_bytes());
        let good = r#"{"status":"cancelled","sid":"s","cid":"c","iat":1700000000}"#;
        let verified = verify(keys, &sign(good), NOW).unwrap();
        assert_eq!(
            (verified.sid(), verified.state(), verified.cid()),
            (Some("s"), None, Some("c"))
        );
        assert_eq!(verified.outcome(), Outcome::Cancelled);
        for bad in [
            r#"{"status":"cancelled","iat":1700000000}"#,
            r#"{"status":"cancelled","sid":"s","state":"t","iat":1700000000}"#,
            r#"{"status":"cancelled","sid":7,"iat":1700000000}"#,
            r#"{"status":"cancelled","sid":"s","cid":["c"],"iat":1700000000}"#,
            r#"{"status":"success","sid":"s","token_ref":1,"last4":"1111","iat":1700000000}"#,
            r#"{"status":"done","sid":"s","iat":1700000000}"#,
            r#"{"sid":"s","iat":1700000000}"#,
            r#"{"status":"cancelled","sid":"s","iat":"1700000000"}"#,
            r#"{"status":"cancelled","sid":"s"}"#,
            "[]",
        ] {
            assert!(verify(keys, &sign(bad), NOW).is_none(), "{bad}");
            assert!(ResultClaims::from_json(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn outcomes_of_claims() {
        let mut claims = success("s", None);
        assert!(matches!(claims.outcome(), Outcome::Added { .. }));
        for (token_ref, last4) in [("tok_1", "4111111111111111"), ("", "1111"), ("a b", "1111")] {
            claims.token_ref = Some(token_ref.into());
            claims.last4 = Some(last4.into());
            assert!(
                matches!(claims.outcome(), Outcome::Failed(e) if e.code() == ErrorCode::WalletRejected)
            );
        }
        claims.status = Status::Cancelled;
        assert_eq!(claims.outcome(), Outcome::Cancelled);
        claims.status = Status::Error;
        claims.code = Some("WALLET_SESSION_INVALID".into());
        assert!(
            matches!(claims.outcome(), Outcome::Failed(e) if e.code() == ErrorCode::WalletSessionInvalid)
        );
        claims.code = Some("SOMETHING".into());
        assert!(
            matches!(claims.outcome(), Outcome::Failed(e) if e.code() == ErrorCode::WalletRejected)
        );
    }

    #[test]
    fn a_redirect_result_verifies_for_a_recorded_attempt() {
        let (signer, pinned) = wallet();
        let token = issue(&signer, &success("state-1", Some("cid-1")));
        let attempts = recorded(&[("other", NOW - 5), ("state-1", NOW - 60)]);
        let back = returned(&pinned, &token, &attempts, NOW).unwrap();
        assert_eq!(
            (back.state.as_str(), back.cid.as_str()),
            ("state-1", "cid-1")
        );
        assert!(matches!(back.outcome, Outcome::Added { .. }));
        let no_cid = issue(&signer, &success("state-1", None));
        assert!(returned(&pinned, &no_cid, &attempts, NOW).is_some());
    }

    /// Each attack on the redirect's result answers `None`: the frame reports nothing.
    #[test]
    fn a_forged_replayed_or_stale_redirect_result_is_dropped() {
        let (signer, pinned) = wallet();
        let attempts = recorded(&[("state-1", NOW - 60)]);
        let unpinned = PrivateJwk::generate(&mut rng()).with_meta("sig-1", KeyUse::Sig);
        let good = success("state-1", Some("cid-1"));
        let mut sid = good.clone();
        sid.answers = Answers::Sid("state-1".into());
        let mut old = good.clone();
        old.iat = NOW - MAX_AGE - 1;
        let mut future = good.clone();
        future.iat = NOW + MAX_AGE + 1;
        let other_cid = success("state-1", Some("cid-2"));
        let unsigned = crate::b64::encode(good.to_value().to_json().as_bytes());
        let none = crate::b64::encode(br#"{"alg":"none","typ":"walletpush-result+jwt"}"#);
        let unsigned_jws = format!("{none}.{unsigned}.");
        let wrong_typ = jws::sign(&signer, None, good.to_value().to_json().as_bytes());
        for attack in [
            issue(&unpinned, &good),
            issue(&signer, &success("state-2", Some("cid-1"))),
            issue(&signer, &sid),
            issue(&signer, &old),
            issue(&signer, &future),
            issue(&signer, &other_cid),
            unsigned,
            unsigned_jws,
            wrong_typ,
        ] {
            assert_eq!(returned(&pinned, &attack, &attempts, NOW), None, "{attack}");
        }
        let token = issue(&signer, &good);
        // Replayed: the frame forgot the attempt when it reported it.
        assert_eq!(returned(&pinned, &token, "[]", NOW), None);
        // Stale: the attempt is older than the frame keeps attempts.
        let stale = recorded(&[("state-1", NOW - ATTEMPT_LIFETIME - 1)]);
        assert_eq!(returned(&pinned, &token, &stale, NOW), None);
        assert!(returned(&pinned, &token, &attempts, NOW).is_some());
    }

    #[test]
    fn reads_only_well_formed_attempts() {
        let (signer, pinned) = wallet();
        let token = issue(&signer, &success("state-1", Some("cid-1")));
        for attempts in [
            "",
            "{",
            "{}",
            r#"[{"state":"state-1","cid":"cid-1"}]"#,
            r#"[{"state":"state-1","at":1699999990}]"#,
            r#"[{"state":1,"cid":"cid-1","at":1699999990}]"#,
            r#"["state-1"]"#,
        ] {
            assert_eq!(returned(&pinned, &token, attempts, NOW), None, "{attempts}");
        }
        let good = r#"[7,{"state":"state-1","cid":"cid-1","at":1699999990}]"#;
        assert!(returned(&pinned, &token, good, NOW).is_some());
    }
}

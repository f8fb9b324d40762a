//! One attempt to add a card, as a state machine (docs/design.md §3):
//! idle → wallet opened → session verified → credential requested → handed off → result.
//!
//! The shell does the I/O (windows, messages, fetches, timers) and feeds what arrives into the
//! [`Flow`]; the flow decides what is valid next. A click while an attempt runs starts nothing,
//! so a double click gives one flow. Any failure returns the flow to idle with a typed error.

use alloc::{borrow::ToOwned, string::String};
use rand_core::CryptoRng;

use crate::b64;
use crate::error::{Error, ErrorCode};
use crate::jwe::{self, JweParams};
use crate::jwk::PublicJwk;
use crate::payload;
use crate::result::{self, Status};
use crate::session::{self, WalletSession};
use crate::text;
use crate::wallet::PinnedWallet;

/// How long a redirect-mode credential stays acceptable (plaintext `exp - iat`), in seconds.
pub const REDIRECT_LIFETIME: i64 = 300;

/// Where an attempt stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// No attempt running.
    Idle,
    /// The wallet window is open; waiting for its session.
    WalletOpened,
    /// The session verified; the credential is being fetched from the issuer API.
    CredentialRequested,
    /// The JWE was handed to the wallet; waiting for its result.
    HandedOff,
    /// The card was added.
    Added,
}

/// How the credential reaches the wallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A wallet window and a per-session key (forward secret).
    Popup,
    /// A top-level form POST, encrypted to the wallet's static key.
    Redirect,
}

/// What the shell must do after a click in popup mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The attempt's correlation id.
    pub cid: String,
    /// The wallet window's URL (no card data in it).
    pub entry_url: String,
}

/// The request to send to the issuer API: `{handle, wallet, session}` (popup) or
/// `{handle, wallet, state}` (redirect).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialRequest {
    /// The wallet id.
    pub wallet: String,
    /// What the issuer API binds the activation to.
    pub proof: Proof,
}

/// What a credential request carries besides the handle and the wallet id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proof {
    /// The wallet's session token, verified by the frame (popup mode); the issuer API verifies
    /// it again and names its `sid` in the activation.
    Session(String),
    /// The frame's random `state` for this attempt (redirect mode), named by the activation.
    State(String),
}

/// A sealed credential, ready to hand to the wallet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    /// The compact JWE.
    pub jwe: String,
    /// Where it goes: the wallet window's origin (popup) or `provision_url` (redirect).
    pub target: String,
    /// The card's last four digits, for the confirmation.
    pub last4: String,
}

/// How an attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The wallet added the card.
    Added {
        /// The wallet's token reference.
        token_ref: String,
        /// Last four digits.
        last4: String,
    },
    /// The user cancelled.
    Cancelled,
    /// It failed.
    Failed(Error),
}

/// One widget's attempts at one wallet.
#[derive(Debug)]
pub struct Flow {
    widget_origin: String,
    wallet_id: String,
    wallet: PinnedWallet,
    step: Step,
    attempt: Option<Attempt>,
}

#[derive(Debug)]
struct Attempt {
    cid: String,
    mode: Mode,
    /// What `apv` names: the session's `sid` (popup) or the attempt's `state` (redirect).
    sid: Option<String>,
    session: Option<WalletSession>,
}

impl Flow {
    /// A flow for `wallet_id`, described by `wallet` (a document that holds to its pins), from
    /// the widget at `widget_origin`.
    pub fn new(widget_origin: &str, wallet_id: &str, wallet: PinnedWallet) -> Flow {
        Flow {
            widget_origin: widget_origin.to_owned(),
            wallet_id: wallet_id.to_owned(),
            wallet,
            step: Step::Idle,
            attempt: None,
        }
    }

    /// Where the attempt stands.
    pub fn step(&self) -> Step {
        self.step
    }

    /// The running attempt's correlation id.
    pub fn cid(&self) -> Option<&str> {
        self.attempt.as_ref().map(|a| a.cid.as_str())
    }

    /// The running attempt's mode.
    pub fn mode(&self) -> Option<Mode> {
        self.attempt.as_ref().map(|a| a.mode)
    }

    /// The wallet's origin: the only origin its messages may come from.
    pub fn wallet_origin(&self) -> &str {
        self.wallet.origin()
    }

    /// The pinned wallet.
    pub fn wallet(&self) -> &PinnedWallet {
        &self.wallet
    }

    /// A click in popup mode. `None` while an attempt runs: one flow per click.
    pub fn open(&mut self, cid: String, locale: &str) -> Option<Opened> {
        if !self.can_start() {
            return None;
        }
        let entry_url = self.wallet.document().entry_url.as_str();
        let entry_url = text::concat(&[
            entry_url,
            if entry_url.contains('?') { "&" } else { "?" },
            "client_origin=",
            &query_escape(&self.widget_origin),
            "&locale=",
            &query_escape(locale),
            "&correlation_id=",
            &query_escape(&cid),
        ]);
        self.begin(cid.clone(), Mode::Popup, None, Step::WalletOpened);
        Some(Opened { cid, entry_url })
    }

    /// A click in redirect mode (or the fallback when the popup was blocked): checks that the
    /// wallet has a valid static key, and asks for the credential with the frame-made `state`
    /// (fresh and random for each attempt, [`random_id`]). `Ok(None)` while another attempt runs.
    pub fn redirect(
        &mut self,
        cid: String,
        state: String,
        now: i64,
    ) -> Result<Option<CredentialRequest>, Error> {
        if !self.can_start() && self.step != Step::WalletOpened {
            return Ok(None);
        }
        self.wallet.document().encryption_key(None, now)?;
        self.begin(
            cid,
            Mode::Redirect,
            Some(state.clone()),
            Step::CredentialRequested,
        );
        Ok(Some(CredentialRequest {
            wallet: self.wallet_id.clone(),
            proof: Proof::State(state),
        }))
    }

    /// The wallet window's `walletpush/ready`: verifies its session token with the wallet's
    /// pinned signing keys only.
    pub fn session_ready(&mut self, token: &str, now: i64) -> Result<CredentialRequest, Error> {
        self.expect(Step::WalletOpened, Mode::Popup)?;
        let keys = self.wallet.signing_keys();
        let verified = session::verify(keys, token, &self.widget_origin, now);
        let session = match verified {
            Ok(session) => session,
            Err(e) => return Err(self.fail(e)),
        };
        if let Some(attempt) = &mut self.attempt {
            attempt.sid = Some(session.sid.clone());
            attempt.session = Some(session);
        }
        self.step = Step::CredentialRequested;
        Ok(CredentialRequest {
            wallet: self.wallet_id.clone(),
            proof: Proof::Session(token.to_owned()),
        })
    }

    /// The issuer's payload arrived: checks it and seals it into the JWE for the wallet.
    pub fn seal(
        &mut self,
        body: &[u8],
        now: i64,
        rng: &mut impl CryptoRng,
    ) -> Result<Sealed, Error> {
        let Some(mode) = self.mode() else {
            return Err(out_of_order());
        };
        self.expect(Step::CredentialRequested, mode)?;
        match self.seal_inner(body, mode, now, rng) {
            Ok(sealed) => {
                self.step = Step::HandedOff;
                Ok(sealed)
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// The wallet window's `walletpush/result`: a result JWS (docs/design.md §3 step 6).
    ///
    /// `None`, and the attempt goes on untouched, unless it verifies with the wallet's pinned
    /// keys, is fresh, and answers this attempt: its `sid` is the verified session's, and its
    /// `cid`, when it names one, is this attempt's. Before the session is verified the frame
    /// knows no `sid`: then only a cancellation or an error that names this attempt's `cid`
    /// (which the wallet has from the window's URL) is taken. A forged, foreign or stale result
    /// is dropped.
    ///
    /// A cancellation or an error may come at any step of a running attempt (the user closes
    /// the window while the credential is being fetched); a success only after the hand-off,
    /// since before it the wallet cannot hold the card.
    pub fn result(&mut self, token: &str, now: i64) -> Option<Outcome> {
        let attempt = self.attempt.as_ref()?;
        if attempt.mode != Mode::Popup {
            return None;
        }
        let claims = result::verify(self.wallet.signing_keys(), token, now)?;
        let sid = claims.sid()?;
        let cid_matches = claims.cid() == Some(attempt.cid.as_str());
        let answers_attempt = match &attempt.sid {
            Some(ours) => ours == sid && (claims.cid().is_none() || cid_matches),
            None => cid_matches && claims.status() != Status::Success,
        };
        if !answers_attempt {
            return None;
        }
        let mut outcome = claims.outcome();
        if matches!(outcome, Outcome::Added { .. }) && self.step != Step::HandedOff {
            outcome = Outcome::Failed(Error::new(
                ErrorCode::WalletRejected,
                "the wallet reported success before it received the credential",
            ));
        }
        self.finish(&outcome);
        Some(outcome)
    }

    /// Ends the attempt with `error` (a timeout, a closed window, a failed fetch...).
    pub fn fail(&mut self, error: Error) -> Error {
        self.step = Step::Idle;
        self.attempt = None;
        error
    }

    /// Ends the attempt as cancelled by the user.
    pub fn cancel(&mut self) -> Outcome {
        self.fail(Error::new(ErrorCode::UserCancelled, "cancelled"));
        Outcome::Cancelled
    }

    fn can_start(&self) -> bool {
        matches!(self.step, Step::Idle | Step::Added)
    }

    fn begin(&mut self, cid: String, mode: Mode, sid: Option<String>, step: Step) {
        self.attempt = Some(Attempt {
            cid,
            mode,
            sid,
            session: None,
        });
        self.step = step;
    }

    fn expect(&self, step: Step, mode: Mode) -> Result<(), Error> {
        if self.step == step && self.mode() == Some(mode) {
            Ok(())
        } else {
            Err(out_of_order())
        }
    }

    fn finish(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Added { .. } => {
                self.step = Step::Added;
                self.attempt = None;
            }
            Outcome::Cancelled | Outcome::Failed(_) => {
                self.step = Step::Idle;
                self.attempt = None;
            }
        }
    }

    fn seal_inner(
        &self,
        body: &[u8],
        mode: Mode,
        now: i64,
        rng: &mut impl CryptoRng,
    ) -> Result<Sealed, Error> {
        let attempt = self.attempt.as_ref().ok_or_else(out_of_order)?;
        let sid = attempt.sid.as_deref().ok_or_else(out_of_order)?;
        let summary = payload::check(body)?;
        let mut nonce = [0u8; 16];
        rng.fill_bytes(&mut nonce);
        let (key, kid, exp, target): (&PublicJwk, String, Option<i64>, &str) = match mode {
            Mode::Popup => {
                let session = attempt.session.as_ref().ok_or_else(out_of_order)?;
                if now >= session.exp {
                    return Err(Error::new(
                        ErrorCode::WalletSessionInvalid,
                        "the wallet session expired: start again",
                    ));
                }
                (
                    &session.key,
                    session.kid.clone(),
                    None,
                    self.wallet.origin(),
                )
            }
            Mode::Redirect => {
                let key = self.wallet.document().encryption_key(None, now)?;
                let kid = key.kid().map_or_else(|| key.thumbprint(), str::to_owned);
                (
                    key,
                    kid,
                    Some(now + REDIRECT_LIFETIME),
                    &self.wallet.document().provision_url,
                )
            }
        };
        let plaintext = payload::seal(body, now, &nonce, &attempt.cid, exp)?;
        let params = JweParams {
            kid: Some(&kid),
            apu: Some(self.widget_origin.as_bytes()),
            apv: Some(sid.as_bytes()),
        };
        let jwe = jwe::encrypt(key, &plaintext, &params, rng)
            .map_err(|_| Error::new(ErrorCode::Internal, "encryption failed"))?;
        Ok(Sealed {
            jwe,
            target: target.to_owned(),
            last4: summary.last4,
        })
    }
}

/// A fresh random id: 16 bytes as 22 base64url characters.
pub fn random_id(rng: &mut impl CryptoRng) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    b64::encode(&bytes)
}

fn out_of_order() -> Error {
    Error::new(ErrorCode::Internal, "message out of order for this attempt")
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass through).
fn query_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 0x0f)] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwk::{KeySet, KeyUse, PrivateJwk};
    use crate::jws;
    use crate::result::{Answers, ResultClaims, Status};
    use crate::session::SessionClaims;
    use crate::wallet::{Pins, WalletDocument};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const ORIGIN: &str = "http://127.0.0.1:8081";
    const BODY: &[u8] = br#"{"pan":"4111111111111111","exp_month":12,"exp_year":2030,"name":"A. Holder","product":"Gift card","activation":"a.b.c"}"#;

    struct Wallet {
        signer: PrivateJwk,
        static_key: PrivateJwk,
        pinned: PinnedWallet,
    }

    fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
        rand_core::UnwrapErr(getrandom::SysRng)
    }

    fn wallet() -> Wallet {
        let signer = PrivateJwk::generate(&mut rng()).with_meta("sig-1", KeyUse::Sig);
        let static_key = PrivateJwk::generate(&mut rng()).with_meta("enc-1", KeyUse::Enc);
        let text = serde_json::json!({
            "protocol": "walletpush/1", "name": "Sandbox",
            "entry_url": "http://127.0.0.1:8082/entry",
            "provision_url": "http://127.0.0.1:8082/provision",
            "jwks": serde_json::from_str::<serde_json::Value>(
                &KeySet::new(vec![signer.public().clone(), static_key.public().clone().with_exp(5000)]).to_json()
            ).unwrap(),
        });
        let pins = Pins::new("http://127.0.0.1:8082", &signer.public().thumbprint()).unwrap();
        let pinned = WalletDocument::pinned(&text.to_string(), &pins).unwrap();
        Wallet {
            signer,
            static_key,
            pinned,
        }
    }

    fn session_for(w: &Wallet, aud: &str) -> (PrivateJwk, String) {
        let key = PrivateJwk::generate(&mut rng()).with_meta("s-1", KeyUse::Enc);
        let claims = SessionClaims {
            sid: "sid-1".into(),
            epk: key.public().to_value(),
            aud: aud.into(),
            exp: 2000,
        };
        let token = session::issue(&w.signer, &claims).unwrap();
        (key, token)
    }

    fn claims(status: Status, sid: &str, cid: Option<&str>) -> ResultClaims {
        let success = status == Status::Success;
        ResultClaims {
            status,
            token_ref: success.then(|| "tok_1".into()),
            last4: success.then(|| "1111".into()),
            code: None,
            answers: Answers::Sid(sid.into()),
            cid: cid.map(Into::into),
            iat: 1000,
        }
    }

    fn signed(w: &Wallet, claims: &ResultClaims) -> String {
        result::issue(&w.signer, claims)
    }

    #[test]
    fn popup_flow_end_to_end() {
        let w = wallet();
        let mut flow = Flow::new(ORIGIN, "sandbox", w.pinned.clone());
        let opened = flow.open("cid-1".into(), "en").unwrap();
        assert!(opened.entry_url.starts_with(
            "http://127.0.0.1:8082/entry?client_origin=http%3A%2F%2F127.0.0.1%3A8081&locale=en"
        ));
        assert!(flow.open("cid-2".into(), "en").is_none(), "double click");
        let (session_key, token) = session_for(&w, ORIGIN);
        let request = flow.session_ready(&token, 1000).unwrap();
        assert_eq!(request.proof, Proof::Session(token.clone()));
        let sealed = flow.seal(BODY, 1000, &mut rng()).unwrap();
        assert_eq!(
            (sealed.target.as_str(), sealed.last4.as_str()),
            ("http://127.0.0.1:8082", "1111")
        );
        let out = jwe::decrypt(&session_key, &sealed.jwe).unwrap();
        assert_eq!(out.header.string("kid"), Ok("s-1"));
        assert_eq!(out.header_bytes("apv").unwrap(), b"sid-1");
        assert_eq!(out.header_bytes("apu").unwrap(), ORIGIN.as_bytes());
        let plaintext: serde_json::Value = serde_json::from_slice(&out.plaintext).unwrap();
        assert_eq!(plaintext["cid"], "cid-1");
        assert_eq!(plaintext["iat"], 1000);
        let success = signed(&w, &claims(Status::Success, "sid-1", Some("cid-1")));
        assert_eq!(
            flow.result(&success, 1000),
            Some(Outcome::Added {
                token_ref: "tok_1".into(),
                last4: "1111".into()
            })
        );
        assert_eq!(flow.step(), Step::Added);
        assert_eq!(flow.result(&success, 1000), None, "once");
    }

    /// The attacks on the popup's result: each is dropped, and the attempt goes on to take the
    /// wallet's real result.
    #[test]
    fn a_forged_foreign_or_stale_result_is_dropped() {
        let w = wallet();
        let mut flow = Flow::new(ORIGIN, "sandbox", w.pinned.clone());
        flow.open("cid-1".into(), "en").unwrap();
        let (_, token) = session_for(&w, ORIGIN);
        flow.session_ready(&token, 1000).unwrap();
        flow.seal(BODY, 1000, &mut rng()).unwrap();
        let good = claims(Status::Success, "sid-1", Some("cid-1"));
        let unpinned = PrivateJwk::generate(&mut rng()).with_meta("sig-1", KeyUse::Sig);
        let mut other_sid = good.clone();
        other_sid.answers = Answers::Sid("sid-2".into());
        let mut other_cid = good.clone();
        other_cid.cid = Some("cid-2".into());
        let mut state = good.clone();
        state.answers = Answers::State("sid-1".into());
        let mut stale = good.clone();
        stale.iat = 1000 - result::MAX_AGE - 1;
        let unsigned = serde_json::json!({
            "status": "success", "token_ref": "tok_1", "last4": "1111", "sid": "sid-1", "cid": "cid-1", "iat": 1000
        })
        .to_string();
        let wrong_typ = jws::sign(
            &w.signer,
            Some("walletpush-session+jwt"),
            good.to_value().to_json().as_bytes(),
        );
        for attack in [
            result::issue(&unpinned, &good),
            signed(&w, &other_sid),
            signed(&w, &other_cid),
            signed(&w, &state),
            signed(&w, &stale),
            unsigned,
            crate::b64::encode(good.to_value().to_json().as_bytes()),
            wrong_typ,
            String::new(),
        ] {
            assert_eq!(flow.result(&attack, 1000), None, "{attack}");
            assert_eq!(flow.step(), Step::HandedOff);
        }
        let mut no_cid = good.clone();
        no_cid.cid = None;
        assert!(matches!(
            flow.result(&signed(&w, &no_cid), 1000),
            Some(Outcome::Added { .. })
        ));
    }

    #[test]
    fn before_the_session_only_a_cancel_or_error_naming_the_cid_is_taken() {
        let w = wallet();
        let mut flow = Flow::new(ORIGIN, "sandbox", w.pinned.clone());
        flow.open("cid-1".into(), "en").unwrap();
        let success = signed(&w, &claims(Status::Success, "sid-1", Some("cid-1")));
        let no_cid = signed(&w, &claims(Status::Cancelled, "sid-1", None));
        let other_cid = signed(&w, &claims(Status::Cancelled, "sid-1", Some("cid-2")));
        for dropped in [success, no_cid, other_cid] {
            assert_eq!(flow.result(&dropped, 1000), None);
            assert_eq!(flow.step(), Step::WalletOpened);
        }
        let cancelled = signed(&w, &claims(Status::Cancelled, "sid-9", Some("cid-1")));
        assert_eq!(flow.result(&cancelled, 1000), Some(Outcome::Cancelled));
        assert_eq!(flow.step(), Step::Idle);
    }

    #[test]
    fn a_session_signed_by_an_unpinned_key_is_refused() {
        let w = wallet();
        let mut flow = Flow::new(ORIGIN, "sandbox", w.pinned.clone());
        flow.open("c".into(), "en").unwrap();
        let intruder = Wallet {
            signer: PrivateJwk::generate(&mut rng()).with_meta("sig-1", KeyUse::Sig),
            ..wallet()
        };
        let (_, token) = session_for(&intruder, ORIGIN);
        let err = flow.session_ready(&token, 1000).unwrap_err();
        assert_eq!(err.code(), ErrorCode::WalletSessionInvalid);
        assert_eq!(flow.step(), Step::Idle);
    }

    #[test]
    fn redirect_flow_uses_the_static_key_with_exp_and_names_the_state() {
        let w = wallet();
        let mut flow = Flow::new(ORIGIN, "sandbox", w.pinned.clone());
        let state = random_id(&mut rng());
        assert_eq!(state.len(), 22);
        let request = flow
            .redirect("cid".into(), state.clone(), 1000)
            .unwrap()
            .unwrap();
        assert_eq!(request.proof, Proof::State(state.clone()));
        let sealed = flow.seal(BODY, 1000, &mut rng()).unwrap();
        assert_eq!(sealed.target, "http://127.0.0.1:8082/provision");
        let out = jwe::decrypt(&w.static_key, &sealed.jwe).unwrap();
        assert_eq!(out.header_bytes("apv").unwrap(), state.as_bytes());
        let plaintext: serde_json::Value = serde_json::from_slice(&out.plaintext).unwrap();
        assert_eq!(plaintext["exp"], 1300);
        let mut back = claims(Status::Success, "x", Some("cid"));
        back.answers = Answers::State(state);
        assert_eq!(
            flow.result(&signed(&w, &back), 1000),
            None,
            "comes back by URL"
        );
        let expired = flow_at(&w, 6000);
        assert_eq!(expired.unwrap_err().code(), ErrorCode::WalletKeyInvalid);
    }

    fn flow_at(w: &Wallet, now: i64) -> Result<Option<CredentialRequest>, Error> {
        Flow::new(ORIGIN, "sandbox", w.pinned.clone()).redirect("c".into(), "s".into(), now)
    }

    #[test]
    fn failures_return_to_idle_with_their_code() {
        let w = wallet();
        let mut flow = Flow::new(ORIGIN, "sandbox", w.pinned.clone());
        flow.open("c".into(), "en").unwrap();
        let (_, wrong_aud) = session_for(&w, "http://evil.example");
        let err = flow.session_ready(&wrong_aud, 1000).unwrap_err();
        assert_eq!(err.code(), ErrorCode::WalletSessionInvalid);
        assert_eq!(flow.step(), Step::Idle);
        assert!(flow.open("c2".into(), "en").is_some(), "usable again");
        let (_, token) = session_for(&w, ORIGIN);
        flow.session_ready(&token, 1000).unwrap();
        let err = flow.seal(b"{\"pan\":1}", 1000, &mut rng()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::IssuerRejected);
        assert_eq!(flow.step(), Step::Idle);
        let err = flow.seal(BODY, 1000, &mut rng()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Internal, "no attempt");
    }

    #[test]
    fn a_cancel_may_come_while_the_credential_is_fetched_a_success_may_not() {
        let w = wallet();
        let mut flow = Flow::new(ORIGIN, "sandbox", w.pinned.clone());
        flow.open("c".into(), "en").unwrap();
        let (_, token) = session_for(&w, ORIGIN);
        flow.session_ready(&token, 1000).unwrap();
        assert_eq!(flow.step(), Step::CredentialRequested);
        let cancelled = signed(&w, &claims(Status::Cancelled, "sid-1", Some("c")));
        assert_eq!(flow.result(&cancelled, 1000), Some(Outcome::Cancelled));
        assert_eq!(flow.step(), Step::Idle);

        flow.open("c2".into(), "en").unwrap();
        flow.session_ready(&token, 1000).unwrap();
        let early = signed(&w, &claims(Status::Success, "sid-1", Some("c2")));
        let early = flow.result(&early, 1000);
        assert!(matches!(early, Some(Outcome::Failed(e)) if e.code() == ErrorCode::WalletRejected));
        assert_eq!(flow.step(), Step::Idle);
        assert_eq!(flow.result(&cancelled, 1000), None, "no attempt");
    }
}

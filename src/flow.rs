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
use crate::json::{self, JsonError, Object};
use crate::jwe::{self, JweParams};
use crate::jwk::PublicJwk;
use crate::payload;
use crate::session::{self, WalletSession};
use crate::text;
use crate::wallet::WalletDocument;

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

/// The request to send to the issuer API: `{handle, wallet, sid}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialRequest {
    /// The wallet id.
    pub wallet: String,
    /// The session id the activation is bound to.
    pub sid: String,
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

/// The wallet's result message (`walletpush/result`) or redirect fragment.
#[derive(Clone, Debug)]
pub struct WalletResult {
    status: String,
    token: Option<Token>,
    code: Option<String>,
    cid: Option<String>,
}

#[derive(Clone, Debug)]
struct Token {
    token_ref: String,
    last4: String,
}

impl WalletResult {
    /// Reads `{status, token?: {ref, last4}, code?, cid?}` from JSON text; other members are
    /// ignored, and a member of the wrong type refuses the message.
    pub fn from_json(text: &str) -> Result<WalletResult, JsonError> {
        let message = json::parse_object(text.as_bytes())?;
        let token = match message.get("token") {
            None | Some(json::Value::Null) => None,
            Some(token) => Some(Token::from_object(token.as_object().ok_or(JsonError)?)?),
        };
        let owned = |s: Option<&str>| s.map(str::to_owned);
        Ok(WalletResult {
            status: message.string("status")?.to_owned(),
            token,
            code: owned(message.optional_string("code")?),
            cid: owned(message.optional_string("cid")?),
        })
    }
}

impl Token {
    fn from_object(token: &Object<'_>) -> Result<Token, JsonError> {
        Ok(Token {
            token_ref: token.string("ref")?.to_owned(),
            last4: token.string("last4")?.to_owned(),
        })
    }
}

/// One widget's attempts at one wallet.
#[derive(Debug)]
pub struct Flow {
    widget_origin: String,
    wallet_id: String,
    wallet: WalletDocument,
    step: Step,
    attempt: Option<Attempt>,
}

#[derive(Debug)]
struct Attempt {
    cid: String,
    mode: Mode,
    sid: Option<String>,
    session: Option<WalletSession>,
}

impl Flow {
    /// A flow for `wallet_id`, described by `wallet`, from the widget at `widget_origin`.
    pub fn new(widget_origin: &str, wallet_id: &str, wallet: WalletDocument) -> Flow {
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
        &self.wallet.origin
    }

    /// A click in popup mode. `None` while an attempt runs: one flow per click.
    pub fn open(&mut self, cid: String, locale: &str) -> Option<Opened> {
        if !self.can_start() {
            return None;
        }
        let entry_url = text::concat(&[
            self.wallet.entry_url.as_str(),
            if self.wallet.entry_url.contains('?') {
                "&"
            } else {
                "?"
            },
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
    /// wallet has a valid static key, and asks for the credential with the frame-made `sid`.
    /// `Ok(None)` while another attempt runs.
    pub fn redirect(
        &mut self,
        cid: String,
        sid: String,
        now: i64,
    ) -> Result<Option<CredentialRequest>, Error> {
        if !self.can_start() && self.step != Step::WalletOpened {
            return Ok(None);
        }
        self.wallet.encryption_key(None, now)?;
        self.begin(
            cid,
            Mode::Redirect,
            Some(sid.clone()),
            Step::CredentialRequested,
        );
        Ok(Some(CredentialRequest {
            wallet: self.wallet_id.clone(),
            sid,
        }))
    }

    /// The wallet window's `walletpush/ready`: verifies its session token.
    pub fn session_ready(&mut self, token: &str, now: i64) -> Result<CredentialRequest, Error> {
        self.expect(Step::WalletOpened, Mode::Popup)?;
        let verified = session::verify(&self.wallet.keys, token, &self.widget_origin, now);
        let session = match verified {
            Ok(session) => session,
            Err(e) => return Err(self.fail(e)),
        };
        let sid = session.sid.clone();
        if let Some(attempt) = &mut self.attempt {
            attempt.sid = Some(sid.clone());
            attempt.session = Some(session);
        }
        self.step = Step::CredentialRequested;
        Ok(CredentialRequest {
            wallet: self.wallet_id.clone(),
            sid,
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

    /// The wallet's result, in popup mode.
    ///
    /// A cancellation or an error may come at any step of a running attempt (the user closes
    /// the window while the credential is being fetched); a success only after the hand-off,
    /// since before it the wallet cannot hold the card.
    pub fn result(&mut self, result: &WalletResult) -> Outcome {
        if matches!(self.step, Step::Idle | Step::Added) {
            return Outcome::Failed(out_of_order());
        }
        let mut outcome = outcome_of(result, self.cid());
        if matches!(outcome, Outcome::Added { .. }) && self.step != Step::HandedOff {
            outcome = Outcome::Failed(Error::new(
                ErrorCode::WalletRejected,
                "the wallet reported success before it received the credential",
            ));
        }
        self.finish(&outcome);
        outcome
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
                (&session.key, session.kid.clone(), None, &self.wallet.origin)
            }
            Mode::Redirect => {
                let key = self.wallet.encryption_key(None, now)?;
                let kid = key.kid().map_or_else(|| key.thumbprint(), str::to_owned);
                (
                    key,
                    kid,
                    Some(now + REDIRECT_LIFETIME),
                    &self.wallet.provision_url,
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

/// Maps a wallet's result to an outcome. A result for another attempt is an error.
pub fn outcome_of(result: &WalletResult, cid: Option<&str>) -> Outcome {
    if let (Some(theirs), Some(ours)) = (result.cid.as_deref(), cid) {
        if theirs != ours {
            return Outcome::Failed(Error::new(
                ErrorCode::WalletRejected,
                "the wallet answered for another attempt",
            ));
        }
    }
    match (result.status.as_str(), &result.token) {
        ("success", Some(token)) if valid_last4(&token.last4) && !token.token_ref.is_empty() => {
            Outcome::Added {
                token_ref: token.token_ref.clone(),
                last4: token.last4.clone(),
            }
        }
        ("cancelled", _) => Outcome::Cancelled,
        _ => {
            let code = result
                .code
                .as_deref()
                .and_then(ErrorCode::parse)
                .unwrap_or(ErrorCode::WalletRejected);
            Outcome::Failed(Error::new(code, "the wallet did not add the card"))
        }
    }
}

/// A fresh random id: 16 bytes as 22 base64url characters.
pub fn random_id(rng: &mut impl CryptoRng) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    b64::encode(&bytes)
}

fn valid_last4(last4: &str) -> bool {
    last4.len() == 4 && last4.bytes().all(|b| b.is_ascii_digit())
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
    use crate::session::SessionClaims;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const ORIGIN: &str = "http://127.0.0.1:8081";
    const BODY: &[u8] = br#"{"pan":"4111111111111111","exp_month":12,"exp_year":2030,"name":"A. Holder","product":"Gift card","activation":"a.b.c"}"#;

    struct Wallet {
        signer: PrivateJwk,
        static_key: PrivateJwk,
        doc: WalletDocument,
    }

    fn wallet() -> Wallet {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let signer = PrivateJwk::generate(&mut rng).with_meta("sig-1", KeyUse::Sig);
        let static_key = PrivateJwk::generate(&mut rng).with_meta("enc-1", KeyUse::Enc);
        let text = serde_json::json!({
            "protocol": "walletpush/1", "name": "Sandbox",
            "entry_url": "http://127.0.0.1:8082/entry",
            "provision_url": "http://127.0.0.1:8082/provision",
            "jwks": serde_json::from_str::<serde_json::Value>(
                &KeySet::new(vec![signer.public().clone(), static_key.public().clone().with_exp(5000)]).to_json()
            ).unwrap(),
        });
        let doc = WalletDocument::from_json(&text.to_string()).unwrap();
        Wallet {
            signer,
            static_key,
            doc,
        }
    }

    fn session_for(w: &Wallet, aud: &str) -> (PrivateJwk, String) {
        let key = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng))
            .with_meta("s-1", KeyUse::Enc);
        let claims = SessionClaims {
            sid: "sid-1".into(),
            epk: key.public().to_value(),
            aud: aud.into(),
            exp: 2000,
        };
        let token = session::issue(&w.signer, &claims).unwrap();
        (key, token)
    }

    fn result(json: serde_json::Value) -> WalletResult {
        WalletResult::from_json(&json.to_string()).unwrap()
    }

    #[test]
    fn popup_flow_end_to_end() {
        let w = wallet();
        let mut flow = Flow::new(ORIGIN, "sandbox", w.doc.clone());
        let opened = flow.open("cid-1".into(), "en").unwrap();
        assert!(opened.entry_url.starts_with(
            "http://127.0.0.1:8082/entry?client_origin=http%3A%2F%2F127.0.0.1%3A8081&locale=en"
        ));
        assert!(flow.open("cid-2".into(), "en").is_none(), "double click");
        let (session_key, token) = session_for(&w, ORIGIN);
        let request = flow.session_ready(&token, 1000).unwrap();
        assert_eq!(request.sid, "sid-1");
        let sealed = flow
            .seal(BODY, 1000, &mut rand_core::UnwrapErr(getrandom::SysRng))
            .unwrap();
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
        let outcome = flow.result(&result(serde_json::json!({
            "status": "success", "token": {"ref": "tok_1", "last4": "1111"}, "cid": "cid-1"
        })));
        assert_eq!(
            outcome,
            Outcome::Added {
                token_ref: "tok_1".into(),
                last4: "1111".into()
            }
        );
        assert_eq!(flow.step(), Step::Added);
    }

    #[test]
    fn redirect_flow_uses_the_static_key_with_exp() {
        let w = wallet();
        let mut flow = Flow::new(ORIGIN, "sandbox", w.doc.clone());
        let request = flow
            .redirect("cid".into(), "r-sid".into(), 1000)
            .unwrap()
            .unwrap();
        assert_eq!(request.sid, "r-sid");
        let sealed = flow
            .seal(BODY, 1000, &mut rand_core::UnwrapErr(getrandom::SysRng))
            .unwrap();
        assert_eq!(sealed.target, "http://127.0.0.1:8082/provision");
        let out = jwe::decrypt(&w.static_key, &sealed.jwe).unwrap();
        let plaintext: serde_json::Value = serde_json::from_slice(&out.plaintext).unwrap();
        assert_eq!(plaintext["exp"], 1300);
        let expired = flow_at(&w, 6000);
        assert_eq!(expired.unwrap_err().code(), ErrorCode::WalletKeyInvalid);
    }

    fn flow_at(w: &Wallet, now: i64) -> Result<Option<CredentialRequest>, Error> {
        Flow::new(ORIGIN, "sandbox", w.doc.clone()).redirect("c".into(), "s".into(), now)
    }

    #[test]
    fn failures_return_to_idle_with_their_code() {
        let w = wallet();
        let mut flow = Flow::new(ORIGIN, "sandbox", w.doc.clone());
        flow.open("c".into(), "en").unwrap();
        let (_, wrong_aud) = session_for(&w, "http://evil.example");
        let err = flow.session_ready(&wrong_aud, 1000).unwrap_err();
        assert_eq!(err.code(), ErrorCode::WalletSessionInvalid);
        assert_eq!(flow.step(), Step::Idle);
        assert!(flow.open("c2".into(), "en").is_some(), "usable again");
        let (_, token) = session_for(&w, ORIGIN);
        flow.session_ready(&token, 1000).unwrap();
        let err = flow
            .seal(
                b"{\"pan\":1}",
                1000,
                &mut rand_core::UnwrapErr(getrandom::SysRng),
            )
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::IssuerRejected);
        assert_eq!(flow.step(), Step::Idle);
        let err = flow
            .seal(BODY, 1000, &mut rand_core::UnwrapErr(getrandom::SysRng))
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Internal, "no attempt");
    }

    #[test]
    fn a_cancel_may_come_while_the_credential_is_fetched_a_success_may_not() {
        let w = wallet();
        let mut flow = Flow::new(ORIGIN, "sandbox", w.doc.clone());
        flow.open("c".into(), "en").unwrap();
        let (_, token) = session_for(&w, ORIGIN);
        flow.session_ready(&token, 1000).unwrap();
        assert_eq!(flow.step(), Step::CredentialRequested);
        let cancelled = flow.result(&result(
            serde_json::json!({"status": "cancelled", "cid": "c"}),
        ));
        assert_eq!(cancelled, Outcome::Cancelled);
        assert_eq!(flow.step(), Step::Idle);

        flow.open("c2".into(), "en").unwrap();
        flow.session_ready(&token, 1000).unwrap();
        let early = flow.result(&result(serde_json::json!({
            "status": "success", "token": {"ref": "t", "last4": "1111"}, "cid": "c2"
        })));
        assert!(matches!(early, Outcome::Failed(e) if e.code() == ErrorCode::WalletRejected));
        assert_eq!(flow.step(), Step::Idle);
        let idle = flow.result(&result(serde_json::json!({"status": "cancelled"})));
        assert!(matches!(idle, Outcome::Failed(e) if e.code() == ErrorCode::Internal));
    }

    #[test]
    fn results_map_to_outcomes() {
        let cancelled = outcome_of(
            &result(serde_json::json!({"status": "cancelled"})),
            Some("c"),
        );
        assert_eq!(cancelled, Outcome::Cancelled);
        let rejected = outcome_of(
            &result(serde_json::json!({"status": "error", "code": "WALLET_REJECTED"})),
            Some("c"),
        );
        assert!(matches!(rejected, Outcome::Failed(e) if e.code() == ErrorCode::WalletRejected));
        let other = outcome_of(
            &result(
                serde_json::json!({"status": "success", "token": {"ref": "t", "last4": "1111"}, "cid": "x"}),
            ),
            Some("c"),
        );
        assert!(matches!(other, Outcome::Failed(_)));
        let bad_last4 = outcome_of(
            &result(
                serde_json::json!({"status": "success", "token": {"ref": "t", "last4": "4111111111111111"}}),
            ),
            None,
        );
        assert!(matches!(bad_last4, Outcome::Failed(_)));
    }
}

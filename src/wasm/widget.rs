//! The `Widget` class: the frame page's handle on one [`Flow`].
//!
//! The frame page does the I/O (wallet window, messages, fetches, timers) and calls these
//! methods with what arrives. Errors thrown here are JS `Error`s with a product `code`
//! (docs/design.md §5), a `message` for the developer and `retryable`.

use alloc::borrow::ToOwned;

use js_sys::{JsString, Object, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use super::js::{now, set};
use super::rng::BrowserRng;
use crate::error::{Error, ErrorCode};
use crate::flow::{self, CredentialRequest, Flow, Outcome, Proof};
use crate::result;
use crate::wallet::{Pins, WalletDocument};

/// One widget's attempts to add a card to one wallet.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Widget {
    flow: Flow,
}

#[wasm_bindgen]
impl Widget {
    /// A widget at `widget_origin` for wallet `wallet_id`, pinned by the widget configuration
    /// to `origin` and the signing-key thumbprints `signing_keys` (space-separated), from the
    /// wallet's discovery document (JSON text), which must hold to those pins
    /// (docs/design.md §3a). Throws `CONFIG_INVALID`, `WALLET_UNAVAILABLE` or
    /// `WALLET_KEY_INVALID`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        widget_origin: &str,
        wallet_id: &str,
        origin: &str,
        signing_keys: &str,
        document: &str,
    ) -> Result<Widget, JsValue> {
        let pins = Pins::new(origin, signing_keys).map_err(product_error)?;
        let wallet = WalletDocument::pinned(document, &pins).map_err(product_error)?;
        Ok(Widget {
            flow: Flow::new(widget_origin, wallet_id, wallet),
        })
    }

    /// The wallet's origin: the only origin its messages may come from.
    #[wasm_bindgen(getter, js_name = walletOrigin)]
    pub fn wallet_origin(&self) -> JsString {
        self.flow.wallet_origin().into()
    }

    /// A click in popup mode: `{cid, entryUrl}`, or `undefined` while an attempt runs.
    pub fn open(&mut self, locale: &str) -> Result<JsValue, JsValue> {
        let cid = flow::random_id(&mut BrowserRng);
        let Some(opened) = self.flow.open(cid, locale) else {
            return Ok(JsValue::UNDEFINED);
        };
        strings(&[("cid", &opened.cid), ("entryUrl", &opened.entry_url)]).map(JsValue::from)
    }

    /// A click in redirect mode, or the fallback from a blocked popup:
    /// `{cid, wallet, state}` to ask the issuer API with (`state`: 22 fresh random base64url
    /// characters), or `undefined` while an attempt runs.
    pub fn redirect(&mut self) -> Result<JsValue, JsValue> {
        let cid = self
            .flow
            .cid()
            .map_or_else(|| flow::random_id(&mut BrowserRng), str::to_owned);
        let state = flow::random_id(&mut BrowserRng);
        match self
            .flow
            .redirect(cid, state, now())
            .map_err(product_error)?
        {
            None => Ok(JsValue::UNDEFINED),
            Some(request) => request_object(self.flow.cid(), &request),
        }
    }

    /// The wallet's `walletpush/ready` session token: `{cid, wallet, session}` to ask the
    /// issuer API with. Throws `WALLET_SESSION_INVALID` or `WALLET_KEY_INVALID`.
    #[wasm_bindgen(js_name = sessionReady)]
    pub fn session_ready(&mut self, token: &str) -> Result<JsValue, JsValue> {
        let request = self
            .flow
            .session_ready(token, now())
            .map_err(product_error)?;
        request_object(self.flow.cid(), &request)
    }

    /// The issuer API's response body: checks and encrypts it. Returns
    /// `{jwe, target, last4}`. The bytes of `body` are overwritten with zeros once read.
    pub fn seal(&mut self, body: &Uint8Array) -> Result<JsValue, JsValue> {
        let bytes = Zeroizing::new(body.to_vec());
        body.fill(0, 0, body.length());
        let sealed = self
            .flow
            .seal(&bytes, now(), &mut BrowserRng)
            .map_err(product_error)?;
        strings(&[
            ("jwe", &sealed.jwe),
            ("target", &sealed.target),
            ("last4", &sealed.last4),
        ])
        .map(JsValue::from)
    }

    /// The `result` of the wallet's `walletpush/result` message, a result JWS:
    /// `{status: "success", tokenRef, last4}`, `{status: "cancelled"}` or
    /// `{status: "error", code, message, retryable}`; `undefined` when it does not verify (with
    /// the pinned keys, for this attempt, fresh): the frame then reports nothing.
    pub fn result(&mut self, token: JsValue) -> Result<JsValue, JsValue> {
        let outcome = token
            .as_string()
            .and_then(|token| self.flow.result(&token, now()));
        outcome.map_or(Ok(JsValue::UNDEFINED), |o| outcome_object(&o))
    }

    /// The `#walletpush=` value a redirect brought back, and this wallet's redirect attempts as
    /// the frame recorded them (JSON text, `[{state, cid, at}]`): the outcome as [`Widget::result`]
    /// gives it, plus the `state` and `cid` of the attempt it answers (the frame forgets that
    /// attempt); `undefined` when it does not verify for one of them.
    pub fn returned(&self, token: &str, attempts: &str) -> Result<JsValue, JsValue> {
        let Some(back) = result::returned(self.flow.wallet(), token, attempts, now()) else {
            return Ok(JsValue::UNDEFINED);
        };
        let out: Object = outcome_object(&back.outcome)?.unchecked_into();
        set(&out, "state", &JsValue::from_str(&back.state))?;
        set(&out, "cid", &JsValue::from_str(&back.cid))?;
        Ok(out.into())
    }

    /// Ends the attempt with `code` (e.g. `TIMEOUT`, `NETWORK`, or a code the issuer API
    /// answered); returns `{status: "error", code, message, retryable}`.
    pub fn fail(&mut self, code: &str, message: &str) -> Result<JsValue, JsValue> {
        let code = ErrorCode::parse(code).unwrap_or(ErrorCode::Internal);
        let error = self.flow.fail(Error::new(code, message));
        outcome_object(&Outcome::Failed(error))
    }

    /// Ends the attempt as cancelled by the user. Returns nothing: the frame, which ended the
    /// attempt, has its outcome already.
    pub fn cancel(&mut self) {
        self.flow.cancel();
    }
}

fn request_object(cid: Option<&str>, request: &CredentialRequest) -> Result<JsValue, JsValue> {
    let proof = match &request.proof {
        Proof::Session(session) => ("session", session.as_str()),
        Proof::State(state) => ("state", state.as_str()),
    };
    strings(&[
        ("cid", cid.unwrap_or_default()),
        ("wallet", &request.wallet),
        proof,
    ])
    .map(JsValue::from)
}

fn outcome_object(outcome: &Outcome) -> Result<JsValue, JsValue> {
    match outcome {
        Outcome::Added { token_ref, last4 } => strings(&[
            ("status", "success"),
            ("tokenRef", token_ref),
            ("last4", last4),
        ]),
        Outcome::Cancelled => strings(&[
            ("status", "cancelled"),
            ("code", ErrorCode::UserCancelled.as_str()),
        ]),
        Outcome::Failed(error) => {
            let out = strings(&[
                ("status", "error"),
                ("code", error.code().as_str()),
                ("message", error.message()),
            ])?;
            set(&out, "retryable", &error.code().retryable().into())?;
            Ok(out)
        }
    }
    .map(JsValue::from)
}

/// A JS object with the string members `members`, in order.
fn strings(members: &[(&str, &str)]) -> Result<Object, JsValue> {
    let out = Object::new();
    for (name, value) in members {
        set(&out, name, &JsValue::from_str(value))?;
    }
    Ok(out)
}

/// A JS `Error` with the product `code`, `retryable`, and the developer message.
fn product_error(error: Error) -> JsValue {
    let err = super::js::error(error.code().as_str(), error.message(), None);
    let _ = js_sys::Reflect::set(&err, &"retryable".into(), &error.code().retryable().into());
    err
}

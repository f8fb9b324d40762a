//! Redirect mode (docs/design.md §3, docs/wire.md "Redirect mode"): the widget's frame submits a
//! top-level form to `POST /provision` with `jwe` and `return_url`; the wallet refuses a JWE
//! whose `apu` is not a registered client origin, decrypts with the static key named by `kid`
//! (expired keys refused), checks (the activation names the JWE's `apv`, the frame's `state`),
//! and shows sign-in and confirmation; the confirmation form answers 303 to
//! `return_url#walletpush=<result JWS>`, signed by the wallet ([`super::result`]).
//!
//! `POST /provision` itself never redirects: it answers the frame's form, whose CSP
//! `form-action` names only the wallet. A refusal there is a page that leads back.

use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Router};
use serde::Deserialize;
use walletpush::handle::CardDisplay;
use walletpush::{b64, jwe};

use super::credential::{self, Expected};
use super::result::{Attempt, ResultClaims};
use super::vault::{self, Held};
use super::{is_registered, pages, rejected, replayed, WALLET_ID};
use crate::app::{App, SharedApp};
use crate::db::wallet as store;
use crate::keys;
use walletpush_server::http::ApiError;
use walletpush_server::{clock, http, ids, urls};

/// The redirect-mode routes.
pub fn routes() -> Router<SharedApp> {
    Router::new()
        .route("/provision", post(provision))
        .route("/provision/confirm", post(decide))
}

#[derive(Deserialize)]
struct ProvisionForm {
    jwe: String,
    return_url: String,
}

async fn provision(
    State(app): State<SharedApp>,
    form: Result<Form<ProvisionForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return error_page(&app, "The wallet received an incomplete form.", None);
    };
    let Some(return_url) = urls::return_url(&form.return_url, &app.origins.all_hosts()) else {
        return error_page(
            &app,
            "The return address is not an http(s) address of a site this wallet knows.",
            None,
        );
    };
    let now = clock::now();
    let header = match Header::read(&form.jwe) {
        Some(header) if is_registered(&app, &header.client_origin) => header,
        // A foreign or unreadable client: no result for it, only a way back.
        _ => {
            return error_page(
                &app,
                "This wallet does not serve the site that sent this card.",
                Some(return_url),
            )
        }
    };
    match accept(&app, &form.jwe, &header, return_url, now) {
        Ok((state, display)) => http::page(
            StatusCode::OK,
            &app.csp.wallet,
            pages::redirect_confirm(&state, &display),
        ),
        Err(e) => {
            let result = ResultClaims::error(&Attempt::State(header.state), e.code(), None, now);
            let back = result_url(return_url, &result.sign(&app.keys.wallet_sig));
            error_page(&app, "The wallet could not accept this card.", Some(&back))
        }
    }
}

/// What the wallet reads from the JWE's protected header before decrypting.
struct Header {
    kid: String,
    /// `apu`: the widget origin that encrypted it.
    client_origin: String,
    /// `apv`: the frame's state for this attempt.
    state: String,
}

impl Header {
    fn read(compact: &str) -> Option<Header> {
        let header = jwe::peek_header(compact).ok()?;
        let decoded = |name: &str| {
            header
                .get(name)
                .and_then(|v| v.as_str())
                .and_then(b64::decode)
                .and_then(|v| String::from_utf8(v).ok())
        };
        Some(Header {
            kid: header.get("kid").and_then(|k| k.as_str())?.to_owned(),
            client_origin: decoded("apu")?,
            state: decoded("apv").filter(|s| ids::is_token_like(s, 64))?,
        })
    }
}

/// Decrypts and checks the credential, and holds it for confirmation under its state.
fn accept(
    app: &App,
    compact: &str,
    header: &Header,
    return_url: &str,
    now: i64,
) -> Result<(String, CardDisplay), ApiError> {
    let key = keys::enc_key(&app.db, &header.kid, now)?.ok_or_else(rejected)?;
    // The frame-made state is spent before decryption, like a popup session's key.
    if !app
        .db
        .write(|tx| store::mark_sid_used(tx, &header.state, now))?
    {
        return Err(replayed());
    }
    let decrypted = jwe::decrypt(&key.key, compact).map_err(|_| rejected())?;
    drop(key);
    let attempt = Attempt::State(header.state.clone());
    let expected = Expected {
        kid: &header.kid,
        attempt: &attempt,
        client_origin: &header.client_origin,
        wallet: WALLET_ID,
    };
    let accepted = credential::check(&decrypted, &expected, app.keys.issuer_jwks(), now)
        .map_err(|_| rejected())?;
    drop(decrypted);
    match vault::hold(&app.db, &header.state, &accepted, Some(return_url), now)? {
        Held::Stored => Ok((header.state.clone(), accepted.display)),
        Held::Replayed => Err(replayed()),
    }
}

#[derive(Deserialize)]
struct DecisionForm {
    sid: String,
    decision: String,
}

/// `POST /provision/confirm`: the user's answer, sent back to the host page.
async fn decide(
    State(app): State<SharedApp>,
    form: Result<Form<DecisionForm>, FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return error_page(&app, "The wallet received an incomplete form.", None);
    };
    let now = clock::now();
    let attempt = Attempt::State(form.sid.clone());
    let outcome = match form.decision.as_str() {
        "confirm" => vault::provision(&app.db, &form.sid, now).map(|token| {
            token.and_then(|t| {
                let url = t.return_url?;
                let result =
                    ResultClaims::success(&attempt, t.reference, t.display.last4, t.cid, now);
                Some((url, result))
            })
        }),
        "cancel" => vault::cancel(&app.db, &form.sid).map(|pending| {
            pending
                .and_then(|p| Some((p.return_url?, ResultClaims::cancelled(&attempt, p.cid, now))))
        }),
        _ => Ok(None),
    };
    match outcome {
        Ok(Some((return_url, result))) => see_other(
            &app,
            &result_url(&return_url, &result.sign(&app.keys.wallet_sig)),
        ),
        Ok(None) => error_page(
            &app,
            "There is nothing to confirm: it expired or was done.",
            None,
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `return_url#walletpush=<result JWS>`.
pub fn result_url(return_url: &str, result: &str) -> String {
    format!("{return_url}#walletpush={result}")
}

/// 303 to `url`, which [`urls::return_url`] made header-safe.
fn see_other(app: &App, url: &str) -> Response {
    match HeaderValue::from_str(url) {
        Ok(location) => (
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, location),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        Err(_) => error_page(app, "The return address cannot be used.", None),
    }
}

fn error_page(app: &App, message: &str, back: Option<&str>) -> Response {
    http::page(
        StatusCode::BAD_REQUEST,
        &app.csp.wallet,
        pages::error(message, back),
    )
}

//! Redirect mode (DESIGN.md §3, docs/wire.md "Redirect mode"): the widget's frame submits a
//! top-level form to `POST /provision` with `jwe` and `return_url`; the wallet decrypts with
//! the static key named by `kid` (expired keys refused), checks, and shows sign-in and
//! confirmation; the confirmation form answers 303 to
//! `return_url#walletpush=<base64url of the result JSON>`.
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

use super::credential::{self, Expected, Mode};
use super::vault::{self, Held};
use super::{pages, rejected, replayed, Outcome, WALLET_ID};
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
    let Some(return_url) = urls::return_url(&form.return_url, &[app.origins.host.as_str()]) else {
        return error_page(
            &app,
            "The return address is not an http(s) address of a site this wallet knows.",
            None,
        );
    };
    match accept(&app, &form.jwe, return_url, clock::now()) {
        Ok((sid, display)) => http::page(
            StatusCode::OK,
            &app.csp.wallet,
            pages::redirect_confirm(&sid, &display),
        ),
        Err(e) => {
            let back = result_url(return_url, &Outcome::error(e.code(), None));
            error_page(&app, "The wallet could not accept this card.", Some(&back))
        }
    }
}

/// Decrypts and checks the credential, and holds it for confirmation.
fn accept(
    app: &App,
    compact: &str,
    return_url: &str,
    now: i64,
) -> Result<(String, CardDisplay), ApiError> {
    let header = jwe::peek_header(compact).map_err(|_| rejected())?;
    let kid = header
        .get("kid")
        .and_then(|k| k.as_str())
        .ok_or_else(rejected)?;
    let sid = header
        .get("apv")
        .and_then(|v| v.as_str())
        .and_then(b64::decode)
        .and_then(|v| String::from_utf8(v).ok())
        .filter(|s| ids::is_token_like(s, 64))
        .ok_or_else(rejected)?;
    let key = keys::enc_key(&app.db, kid, now)?.ok_or_else(rejected)?;
    // The frame-made session id is spent before decryption, like a popup session's key.
    if !app.db.write(|tx| store::mark_sid_used(tx, &sid, now))? {
        return Err(replayed());
    }
    let decrypted = jwe::decrypt(&key.key, compact).map_err(|_| rejected())?;
    drop(key);
    let expected = Expected {
        kid,
        sid: &sid,
        client_origin: &app.origins.widget,
        wallet: WALLET_ID,
        mode: Mode::Redirect,
    };
    let accepted = credential::check(&decrypted, &expected, app.keys.issuer_jwks(), now)
        .map_err(|_| rejected())?;
    drop(decrypted);
    match vault::hold(&app.db, &sid, &accepted, Some(return_url), now)? {
        Held::Stored => Ok((sid, accepted.display)),
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
    let outcome = match form.decision.as_str() {
        "confirm" => vault::provision(&app.db, &form.sid, clock::now()).map(|token| {
            token.and_then(|t| {
                let url = t.return_url.clone()?;
                Some((url, Outcome::success((&t).into(), t.cid)))
            })
        }),
        "cancel" => vault::cancel(&app.db, &form.sid)
            .map(|pending| pending.and_then(|p| Some((p.return_url?, Outcome::cancelled(p.cid))))),
        _ => Ok(None),
    };
    match outcome {
        Ok(Some((return_url, outcome))) => see_other(&app, &result_url(&return_url, &outcome)),
        Ok(None) => error_page(
            &app,
            "There is nothing to confirm: it expired or was done.",
            None,
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `return_url#walletpush=<base64url(JSON)>`.
pub fn result_url(return_url: &str, outcome: &Outcome) -> String {
    let json = serde_json::to_vec(outcome).unwrap_or_default();
    format!("{return_url}#walletpush={}", b64::encode(&json))
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

#[cfg(test)]
mod tests {
    use super::*;
    use walletpush::ErrorCode;

    #[test]
    fn result_url_carries_base64url_json_in_the_fragment() {
        let url = result_url(
            "http://127.0.0.1:8080/gift",
            &Outcome::error(ErrorCode::WalletRejected, None),
        );
        let (base, fragment) = url.split_once("#walletpush=").unwrap();
        assert_eq!(base, "http://127.0.0.1:8080/gift");
        let json: serde_json::Value =
            serde_json::from_slice(&b64::decode(fragment).unwrap()).unwrap();
        assert_eq!(json["code"], "WALLET_REJECTED");
    }
}

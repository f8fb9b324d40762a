//! Test hooks under `/__sandbox/`, routed only with `--test-hooks`: minting arbitrary handles
//! and a blank embed page on the host origin, and fault injection on the widget and wallet
//! origins (README: "Test hooks").

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;
use walletpush::ErrorCode;

use crate::app::SharedApp;
use crate::db::cards;
use crate::faults::{Fault, FaultRequest};
use crate::host::pages;
use crate::http::{self, ApiError};
use crate::{clock, issuer, seed};

/// The host origin's hooks.
pub fn host_routes() -> Router<SharedApp> {
    Router::new()
        .route("/__sandbox/handle", post(mint_handle))
        .route("/__sandbox/embed", get(embed))
}

/// The fault hooks, on the widget and the wallet origins (the faults are shared).
pub fn fault_routes() -> Router<SharedApp> {
    Router::new()
        .route("/__sandbox/fault", post(set_fault))
        .route("/__sandbox/reset-faults", post(reset_faults))
}

/// Which key signs a test handle.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Signer {
    /// The issuer key: a valid signature.
    #[default]
    Issuer,
    /// A key with the issuer key's `kid` that is in no key set: a bad signature.
    Rogue,
}

/// The body of `POST /__sandbox/handle`: every field overrides the claims of a normal handle.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HandleRequest {
    card: Option<String>,
    user: Option<String>,
    aud: Option<String>,
    iat: Option<i64>,
    exp: Option<i64>,
    nbf: Option<i64>,
    wallets: Option<Vec<String>>,
    jti: Option<String>,
    #[serde(default)]
    signer: Signer,
}

/// `POST /__sandbox/handle` → `{handle, card, last4, jti}`. The card defaults to
/// [`seed::DEFAULT_CARD`], the user to the card's owner, `exp` to `iat + 300`.
async fn mint_handle(State(app): State<SharedApp>, body: Bytes) -> Result<Response, ApiError> {
    let request: HandleRequest = if body.is_empty() {
        HandleRequest::default()
    } else {
        http::parse_json(&body).ok_or_else(|| {
            bad_request("the body must be JSON {card?, user?, aud?, iat?, exp?, nbf?, wallets?, jti?, signer?}")
        })?
    };
    let card_ref = request.card.as_deref().unwrap_or(seed::DEFAULT_CARD);
    let card = app
        .db
        .read(|c| cards::card(c, card_ref))?
        .ok_or_else(|| bad_request("no such card"))?;

    let mut claims = issuer::handle_claims(&app, &card, clock::now());
    if let Some(iat) = request.iat {
        claims.iat = iat;
        claims.exp = iat + issuer::HANDLE_LIFETIME;
    }
    claims.exp = request.exp.unwrap_or(claims.exp);
    claims.nbf = request.nbf;
    claims.sub = request.user.unwrap_or(claims.sub);
    claims.aud = request.aud.unwrap_or(claims.aud);
    claims.wallets = request.wallets.unwrap_or(claims.wallets);
    claims.jti = request.jti.unwrap_or(claims.jti);
    let signer = match request.signer {
        Signer::Issuer => &app.keys.issuer,
        Signer::Rogue => &app.keys.rogue_issuer,
    };
    let handle = issuer::mint(signer, &claims)?;
    Ok(http::json(&json!({
        "handle": handle,
        "card": card.card_ref,
        "last4": card.last4,
        "jti": claims.jti,
    })))
}

/// `GET /__sandbox/embed`: a blank host page that loads the shim.
async fn embed(State(app): State<SharedApp>) -> Response {
    http::page(
        StatusCode::OK,
        &app.csp.host,
        pages::embed(&app.origins.widget),
    )
}

/// `POST /__sandbox/fault` `{target, mode}`.
async fn set_fault(State(app): State<SharedApp>, body: Bytes) -> Result<Response, ApiError> {
    let request: FaultRequest = http::parse_json(&body)
        .ok_or_else(|| bad_request("the body must be JSON {\"target\", \"mode\"}"))?;
    let fault = Fault::parse(&request.target, &request.mode).map_err(bad_request)?;
    app.faults.apply(fault);
    Ok(http::json(&json!({ "ok": true })))
}

/// `POST /__sandbox/reset-faults`.
async fn reset_faults(State(app): State<SharedApp>) -> Response {
    app.faults.reset();
    http::json(&json!({ "ok": true }))
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::with_status(StatusCode::BAD_REQUEST, ErrorCode::ConfigInvalid, message)
}

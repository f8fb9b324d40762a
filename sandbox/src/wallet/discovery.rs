//! `GET /.well-known/walletpush.json` (docs/wire.md, "Wallet discovery"): readable from any
//! origin, since widgets fetch it cross-origin. Rotates the encryption keys when due.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::app::SharedApp;
use crate::keys;
use walletpush_server::clock;
use walletpush_server::http::{self, ApiError};

/// The discovery route, with its CORS preflight.
pub fn routes() -> Router<SharedApp> {
    Router::new().route(
        "/.well-known/walletpush.json",
        get(document).options(preflight),
    )
}

async fn document(State(app): State<SharedApp>) -> Result<Response, ApiError> {
    let enc = keys::enc_keys(&app.db, clock::now())?;
    let doc = super::document::document_for(&app.origins.wallet, &app.keys.wallet_sig, &enc);
    let mut response = http::json(&doc);
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(response)
}

/// A widget may send its correlation header, which makes the GET need a preflight.
async fn preflight() -> Response {
    (
        StatusCode::NO_CONTENT,
        [
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::ACCESS_CONTROL_ALLOW_METHODS, "GET"),
            (
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                http::CORRELATION_HEADER,
            ),
            (header::ACCESS_CONTROL_MAX_AGE, "600"),
        ],
    )
        .into_response()
}

//! The wallet's demo sign-in: no password, but a real session. `POST /api/signin` (the sign-in
//! buttons of the wallet's pages call it) sets the wallet's own cookie; the listings of
//! provisioned cards (`/cards`, `/api/tokens`) answer only to a signed-in user.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::json;
use walletpush::ErrorCode;
use walletpush_server::http::{self, ApiError};
use walletpush_server::{clock, ids};

use crate::app::{App, SharedApp};
use crate::db::wallet as store;

/// The wallet's sign-in cookie.
pub const COOKIE_NAME: &str = "wp_wallet_user";
/// How long a sign-in lasts, in seconds.
pub const SIGNIN_LIFETIME: i64 = 12 * 60 * 60;

/// The sign-in route.
pub fn routes() -> Router<SharedApp> {
    Router::new().route("/api/signin", post(sign_in))
}

/// `POST /api/signin`, `Content-Type: application/json` (which no other site can send without
/// a preflight, never granted) from the wallet's own pages (`Origin` and fetch metadata, as the
/// portals check them).
async fn sign_in(
    State(app): State<SharedApp>,
    headers: HeaderMap,
    _body: Bytes,
) -> Result<Response, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let own_origin = crate::host::session::same_origin(&headers, &app.origins.wallet);
    if !is_json || !own_origin {
        return Err(ApiError::with_status(
            StatusCode::FORBIDDEN,
            ErrorCode::WalletRejected,
            "sign in from the wallet's own pages",
        ));
    }
    let id = ids::random("");
    app.db
        .write(|tx| store::insert_signin(tx, &id, clock::now() + SIGNIN_LIFETIME))?;
    let cookie =
        format!("{COOKIE_NAME}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SIGNIN_LIFETIME}");
    let mut response = http::json(&json!({ "signed_in": true }));
    let value = HeaderValue::from_str(&cookie).map_err(|_| ApiError::internal())?;
    response.headers_mut().append(header::SET_COOKIE, value);
    Ok(response)
}

/// Whether the request carries a live sign-in of the wallet's user.
pub fn is_signed_in(app: &App, headers: &HeaderMap) -> Result<bool, ApiError> {
    let Some(id) = crate::host::session::cookie(headers, COOKIE_NAME) else {
        return Ok(false);
    };
    Ok(app.db.read(|c| store::is_signed_in(c, id, clock::now()))?)
}

/// 401 for an API call without sign-in.
pub fn unauthorized() -> Response {
    ApiError::with_status(
        StatusCode::UNAUTHORIZED,
        ErrorCode::WalletRejected,
        "sign in to the wallet first",
    )
    .into_response()
}

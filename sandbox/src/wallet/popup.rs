//! Popup mode (docs/design.md §3, docs/wire.md "Popup mode messages"): the wallet window at
//! `GET /entry`, and the JSON API its script calls. The window's script does the
//! `postMessage` part; this side makes the session, decrypts and checks the credential,
//! provisions on confirmation, and signs every result the script posts ([`result`]): success,
//! cancellation (made with the session, for a window closed early) and error alike.
//!
//! Only registered client origins get a wallet window or a session ([`super::is_registered`]).
//!
//! Each session key decrypts at most once: taking it out of the store deletes it and marks the
//! session id used, before decryption is even tried.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use getrandom::SysRng;
use rand_core::UnwrapErr;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;
use walletpush::jwk::{KeyUse, PrivateJwk};
use walletpush::session::{self, SessionClaims};
use walletpush::ErrorCode;
use walletpush::{json, jwe};

use super::credential::{self, Expected};
use super::result::{Attempt, ResultClaims};
use super::vault::{self, Held};
use super::{is_registered, pages, rejected, replayed, WALLET_ID};
use crate::app::{App, SharedApp};
use crate::db::wallet::{self as store, SessionRow, Taken};
use crate::faults::SessionFault;
use walletpush_server::http::{self, ApiError};
use walletpush_server::{clock, ids, urls};

/// How long a session (and its key) lives, in seconds.
pub const SESSION_LIFETIME: i64 = 300;
/// The largest compact JWE accepted, in bytes.
const MAX_JWE: usize = 16 * 1024;

/// The popup routes.
pub fn routes() -> Router<SharedApp> {
    Router::new()
        .route("/entry", get(entry))
        .route("/api/session", post(new_session))
        .route("/api/credential", post(receive_credential))
        .route("/api/confirm", post(confirm))
        .route("/api/cancel", post(cancel))
        .route("/api/error", post(error))
}

/// The query of `GET /entry`.
#[derive(Deserialize)]
struct EntryQuery {
    client_origin: Option<String>,
    locale: Option<String>,
    correlation_id: Option<String>,
}

/// The wallet window. It needs a well-formed `client_origin`: that is where it posts.
async fn entry(State(app): State<SharedApp>, Query(query): Query<EntryQuery>) -> Response {
    let locale = query
        .locale
        .filter(|l| l.len() <= 35 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .unwrap_or_else(|| "en".to_owned());
    let cid = query.correlation_id.filter(|c| ids::is_token_like(c, 64));
    match query.client_origin.filter(|o| urls::is_origin(o)) {
        Some(origin) if is_registered(&app, &origin) => http::page(
            StatusCode::OK,
            &app.csp.wallet,
            pages::entry(&origin, &locale, cid.as_deref()),
        ),
        Some(_) => http::page(
            StatusCode::FORBIDDEN,
            &app.csp.wallet,
            pages::error("This wallet does not serve the site that opened it.", None),
        ),
        None => http::page(
            StatusCode::BAD_REQUEST,
            &app.csp.wallet,
            pages::error("The wallet was opened without a valid client_origin.", None),
        ),
    }
}

#[derive(Deserialize)]
struct SessionRequest {
    client_origin: String,
    #[serde(default)]
    cid: Option<String>,
}

/// `POST /api/session`: a fresh P-256 session key, stored under a new `sid`, the session
/// token over `{sid, epk, aud, exp}`, and the signed cancellation the page posts if the user
/// closes the window early. `post_ready: false` tells the page to stay silent (the
/// `session: silent` fault). A client origin the wallet does not serve gets no session.
async fn new_session(
    State(app): State<SharedApp>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: SessionRequest = json_body(&headers, &body)?;
    if !urls::is_origin(&request.client_origin) {
        return Err(rejected());
    }
    if !is_registered(&app, &request.client_origin) {
        return Err(ApiError::with_status(
            StatusCode::FORBIDDEN,
            ErrorCode::WalletRejected,
            "this wallet does not serve that client origin",
        ));
    }
    let cid = request.cid.filter(|c| ids::is_token_like(c, 64));
    let now = clock::now();
    let sid = ids::random("s-");
    let key =
        PrivateJwk::generate(&mut UnwrapErr(SysRng)).with_meta(ids::random("sk-"), KeyUse::Enc);
    let kid = key.public().kid().unwrap_or_default().to_owned();
    let exp = now + SESSION_LIFETIME;
    app.db.write(|tx| {
        store::purge_expired(tx, now)?;
        store::insert_session(
            tx,
            &SessionRow {
                sid: sid.clone(),
                kid,
                jwk: key.to_json(),
                client_origin: request.client_origin.clone(),
                exp,
            },
        )
    })?;

    let fault = app.faults.current().session;
    let mut epk = key.public().to_value();
    drop(key);
    if fault == SessionFault::OffCurveKey {
        off_curve(&mut epk);
    }
    let aud = match fault {
        SessionFault::WrongAud => "http://wrong-audience.invalid".to_owned(),
        _ => request.client_origin,
    };
    let signer = match fault {
        SessionFault::BadSignature => &app.keys.rogue_wallet,
        _ => &app.keys.wallet_sig,
    };
    let token = session::issue(
        signer,
        &SessionClaims {
            sid: sid.clone(),
            epk,
            aud,
            exp,
        },
    )?;
    let cancel =
        ResultClaims::cancelled(&Attempt::Sid(sid.clone()), cid, now).sign(&app.keys.wallet_sig);
    Ok(http::json(&json!({
        "sid": sid,
        "session": token,
        "cancel": cancel,
        "post_ready": fault != SessionFault::Silent,
    })))
}

#[derive(Deserialize)]
struct CredentialRequest {
    sid: String,
    jwe: String,
    #[serde(default)]
    cid: Option<String>,
}

/// `POST /api/credential`: decrypts with the session key (then forgets it), checks, holds the
/// credential for confirmation and answers display data only. A refusal carries the signed
/// error result for the page to post.
async fn receive_credential(
    State(app): State<SharedApp>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: CredentialRequest = json_body(&headers, &body)?;
    if !ids::is_token_like(&request.sid, 64) || request.jwe.len() > MAX_JWE {
        return Err(rejected());
    }
    let attempt = Attempt::Sid(request.sid.clone());
    let cid = request.cid.filter(|c| ids::is_token_like(c, 64));
    match accept(&app, &request.sid, &request.jwe) {
        Ok(display) => Ok(http::json(&http::from_core(&display.to_value()))),
        Err(error) => Ok(refusal(&app, error, &attempt, cid)),
    }
}

fn accept(
    app: &App,
    sid: &str,
    compact: &str,
) -> Result<walletpush::handle::CardDisplay, ApiError> {
    let now = clock::now();
    let session = match app.db.write(|tx| store::take_session(tx, sid, now))? {
        Taken::Session(session) => session,
        Taken::Used => return Err(replayed()),
        Taken::Unknown => return Err(rejected()),
    };
    let key = PrivateJwk::from_json(&session.jwk).map_err(|_| ApiError::internal())?;
    let decrypted = jwe::decrypt(&key, compact).map_err(|_| rejected())?;
    drop(key);
    let attempt = Attempt::Sid(session.sid.clone());
    let expected = Expected {
        kid: &session.kid,
        attempt: &attempt,
        client_origin: &session.client_origin,
        wallet: WALLET_ID,
    };
    let accepted = credential::check(&decrypted, &expected, app.keys.issuer_jwks(), now)
        .map_err(|_| rejected())?;
    drop(decrypted);
    match vault::hold(&app.db, &session.sid, &accepted, None, now)? {
        Held::Stored => Ok(accepted.display),
        Held::Replayed => Err(replayed()),
    }
}

/// A refusal as the page gets it: the error body, plus `result`, the signed error result for
/// `attempt` that the page posts to the widget.
fn refusal(app: &App, error: ApiError, attempt: &Attempt, cid: Option<String>) -> Response {
    let code = error.code();
    let result = ResultClaims::error(attempt, code, cid, clock::now()).sign(&app.keys.wallet_sig);
    let status = error.into_response().status();
    let message = if code == ErrorCode::Internal {
        "the wallet failed: start again from the card's button"
    } else {
        "the wallet refused the credential: start again from the card's button"
    };
    let body = json!({ "code": code.as_str(), "message": message, "result": result });
    let mut reply = http::json(&body);
    *reply.status_mut() = status;
    reply
}

#[derive(Deserialize)]
struct SidRequest {
    sid: String,
    #[serde(default)]
    cid: Option<String>,
}

/// `POST /api/confirm`: provisions (idempotent per session) and answers the signed result to
/// post, `{result}`.
async fn confirm(
    State(app): State<SharedApp>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: SidRequest = json_body(&headers, &body)?;
    let attempt = Attempt::Sid(request.sid.clone());
    let now = clock::now();
    match vault::provision(&app.db, &request.sid, now)? {
        Some(token) => {
            let cid = token.cid.clone();
            let result =
                ResultClaims::success(&attempt, token.reference, token.display.last4, cid, now)
                    .sign(&app.keys.wallet_sig);
            Ok(http::json(&json!({ "result": result })))
        }
        None => {
            let cid = request.cid.filter(|c| ids::is_token_like(c, 64));
            Ok(refusal(&app, rejected(), &attempt, cid))
        }
    }
}

/// `POST /api/cancel`: drops the pending credential; answers the signed cancellation,
/// `{result}`.
async fn cancel(
    State(app): State<SharedApp>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: SidRequest = json_body(&headers, &body)?;
    let pending = vault::cancel(&app.db, &request.sid)?;
    let cid = pending
        .and_then(|p| p.cid)
        .or(request.cid.filter(|c| ids::is_token_like(c, 64)));
    let result = ResultClaims::cancelled(&Attempt::Sid(request.sid), cid, clock::now())
        .sign(&app.keys.wallet_sig);
    Ok(http::json(&json!({ "result": result })))
}

#[derive(Deserialize)]
struct ErrorRequest {
    sid: String,
    code: String,
    #[serde(default)]
    cid: Option<String>,
}

/// The codes the wallet's page may report through [`error`]: what a wallet says about itself.
const PAGE_CODES: [ErrorCode; 3] = [
    ErrorCode::WalletRejected,
    ErrorCode::WalletUnavailable,
    ErrorCode::Network,
];

/// `POST /api/error`: the signed error for a failure the wallet's own page saw without a
/// signed answer (its request failed on the way): `{result}`. Any other code than
/// [`PAGE_CODES`] becomes `WALLET_REJECTED`; the pending credential, if any, is dropped.
async fn error(
    State(app): State<SharedApp>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: ErrorRequest = json_body(&headers, &body)?;
    if !ids::is_token_like(&request.sid, 64) {
        return Err(rejected());
    }
    let code = PAGE_CODES
        .into_iter()
        .find(|c| c.as_str() == request.code)
        .unwrap_or(ErrorCode::WalletRejected);
    let pending = vault::cancel(&app.db, &request.sid)?;
    let cid = pending
        .and_then(|p| p.cid)
        .or(request.cid.filter(|c| ids::is_token_like(c, 64)));
    let result = ResultClaims::error(&Attempt::Sid(request.sid), code, cid, clock::now())
        .sign(&app.keys.wallet_sig);
    Ok(http::json(&json!({ "result": result })))
}

/// Parses a JSON request of the wallet's own page. `Content-Type: application/json` is
/// required: no other site can send that cross-origin without a preflight, which the wallet
/// never grants.
fn json_body<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return Err(ApiError::new(
            ErrorCode::WalletRejected,
            "send Content-Type: application/json",
        ));
    }
    http::parse_json(body).ok_or_else(rejected)
}

/// The `session: off-curve-key` fault: `y := x` leaves P-256 (as in the core's own test).
fn off_curve(epk: &mut json::Value<'_>) {
    if let Some(map) = epk.as_object_mut() {
        if let Some(x) = map.get("x").cloned() {
            map.insert("y", x);
        }
    }
}

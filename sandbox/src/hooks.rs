//! Test hooks under `/__sandbox/`, routed only with `--test-hooks`: minting arbitrary handles
//! (one, or a batch for the benchmark's load test) and a blank embed page on the host origin,
//! and fault injection on the widget and wallet origins (README: "Test hooks").
//!
//! Handles minted here are bound (docs/design.md §2) to the hooks' own binding secret, made once
//! and kept in the store, unless the request names another binding cookie value. The embed page
//! sets the hooks' binding cookie, so a handle minted from a test works in the browser that
//! opened the embed page, and nowhere else without that cookie.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;
use walletpush::ErrorCode;
use walletpush_server::http::{self, ApiError};
use walletpush_server::mint::{self, HANDLE_LIFETIME};
use walletpush_server::{clock, ids};

use crate::app::{App, SharedApp};
use crate::db::{cards, portal};
use crate::faults::{Fault, FaultRequest};
use crate::host::pages;
use crate::seed;

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
    /// The binding cookie value (43 base64url characters) to bind to, instead of the hooks'.
    binding: Option<String>,
    #[serde(default)]
    signer: Signer,
    /// Mints a batch of this many handles, each with its own random `jti` (`npm run bench`
    /// pre-mints tens of thousands for its load test, and one request per handle would cost
    /// more than the exchange under test).
    count: Option<usize>,
}

/// The largest batch one request mints: about 3 MB of answer and about a second of signing,
/// which holds one runtime worker meanwhile (acceptable for a test hook, not for a real API).
pub const MAX_BATCH: usize = 5000;

/// `POST /__sandbox/handle` → `{handle, card, last4, jti, binding}`, or with `count: n` (1 to
/// [`MAX_BATCH`], no `jti`) → `{handles: [n handles], card, last4, binding}`. The card
/// defaults to [`seed::DEFAULT_CARD`], the user to the card's owner, `exp` to `iat + 300`,
/// the binding to the hooks' own; `binding` in the answer is the cookie value to send.
async fn mint_handle(State(app): State<SharedApp>, body: Bytes) -> Result<Response, ApiError> {
    let request: HandleRequest = if body.is_empty() {
        HandleRequest::default()
    } else {
        http::parse_json(&body).ok_or_else(|| {
            bad_request("the body must be JSON {card?, user?, aud?, iat?, exp?, nbf?, wallets?, jti?, binding?, signer?, count?}")
        })?
    };
    if let Some(count) = request.count {
        if count == 0 || count > MAX_BATCH {
            return Err(bad_request(format!("count must be 1 to {MAX_BATCH}")));
        }
        if request.jti.is_some() {
            return Err(bad_request("a batch cannot share one jti: leave jti out"));
        }
    }
    let card_ref = request.card.as_deref().unwrap_or(seed::DEFAULT_CARD);
    let card = app
        .db
        .read(|c| cards::card(c, card_ref))?
        .ok_or_else(|| bad_request("no such card"))?;

    let binding = match request.binding {
        Some(value) => value,
        None => hook_binding(&app)?,
    };
    let bnd = walletpush::binding::secret_from_cookie(&binding)
        .map(|secret| walletpush::binding::bnd(&secret))
        .ok_or_else(|| {
            bad_request("binding must be a binding cookie value (43 base64url characters)")
        })?;
    let mut claims = app.handle_claims(&card, clock::now(), &bnd);
    if let Some(iat) = request.iat {
        // Saturating: tests send `iat` at the ends of i64 (the issuer API must refuse those).
        claims.iat = iat;
        claims.exp = iat.saturating_add(HANDLE_LIFETIME);
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
    let Some(count) = request.count else {
        let handle = mint::mint(signer, &claims)?;
        return Ok(http::json(&json!({
            "handle": handle,
            "card": card.card_ref,
            "last4": card.last4,
            "jti": claims.jti,
            "binding": binding,
        })));
    };
    let mut handles = Vec::with_capacity(count);
    for _ in 0..count {
        claims.jti = ids::random("h-");
        handles.push(mint::mint(signer, &claims)?);
    }
    Ok(http::json(&json!({
        "handles": handles,
        "card": card.card_ref,
        "last4": card.last4,
        "binding": binding,
    })))
}

/// The hooks' binding cookie value, made on first use.
fn hook_binding(app: &App) -> Result<String, ApiError> {
    Ok(app
        .db
        .write(|tx| portal::hook_binding(tx, || mint::BindingSecret::generate().cookie_value()))?)
}

/// How long the embed page's binding cookie lives: as long as a portal session at most.
const EMBED_COOKIE_MAX_AGE: i64 = crate::host::session::ABSOLUTE_TIMEOUT;

/// `GET /__sandbox/embed`: a blank host page that loads the shim, and sets the hooks' binding
/// cookie.
async fn embed(State(app): State<SharedApp>) -> Result<Response, ApiError> {
    let mut response = http::page(
        StatusCode::OK,
        &app.csp.host,
        pages::embed(&app.origins.widget),
    );
    let cookie = app.binding_cookie(&hook_binding(&app)?, EMBED_COOKIE_MAX_AGE);
    let value = HeaderValue::from_str(&cookie).map_err(|_| ApiError::internal())?;
    response.headers_mut().append(header::SET_COOKIE, value);
    Ok(response)
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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;

    use axum::body::{to_bytes, Body};
    use axum::http::{header, Request, StatusCode};
    use axum::Router;
    use serde_json::{json, Value};
    use tower::ServiceExt;
    use walletpush::handle;

    use walletpush_server::clock;

    use crate::app::{App, SharedApp};
    use crate::config::Origins;
    use crate::db;
    use crate::listeners;
    use walletpush_server::limits::RateLimits;

    use super::MAX_BATCH;

    async fn post(router: &Router, body: Value) -> (StatusCode, Value) {
        let request = Request::post("/__sandbox/handle")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = to_bytes(response.into_body(), 16 << 20).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    fn sandbox() -> (tempfile::TempDir, SharedApp, Router) {
        let dir = tempfile::tempdir().unwrap();
        let db = db::open(&dir.path().join(db::FILE_NAME)).unwrap();
        let origins = Origins::new(crate::config::Names::DEFAULT, 8080, 8081, 8082).unwrap();
        let www = dir.path().join("www");
        let app: SharedApp = Arc::new(
            App::new(
                db,
                origins,
                www,
                true,
                Default::default(),
                false,
                RateLimits::NONE,
            )
            .unwrap(),
        );
        let host = listeners::host(&app);
        (dir, app, host)
    }

    #[tokio::test]
    async fn times_at_the_ends_of_i64_mint_without_overflow() {
        let (_dir, _app, host) = sandbox();
        for body in [
            json!({"iat": i64::MAX, "exp": i64::MAX}),
            json!({"iat": i64::MAX}),
            json!({"iat": i64::MIN, "exp": i64::MIN}),
            json!({"iat": i64::MIN}),
        ] {
            let (status, reply) = post(&host, body.clone()).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert!(reply["handle"].is_string());
        }
    }

    #[tokio::test]
    async fn handles_are_bound_to_the_hooks_binding_or_the_one_asked_for() {
        let (_dir, _app, host) = sandbox();
        let (_, first) = post(&host, json!({})).await;
        let (_, again) = post(&host, json!({})).await;
        assert_eq!(first["binding"], again["binding"], "one hooks binding");
        let bnd = |reply: &Value| {
            let (_, payload) = walletpush::jws::peek(reply["handle"].as_str().unwrap()).unwrap();
            serde_json::from_slice::<Value>(&payload).unwrap()["bnd"].clone()
        };
        let binding = first["binding"].as_str().unwrap();
        assert!(walletpush::binding::cookie_matches(
            binding,
            bnd(&first).as_str().unwrap()
        ));
        let own = walletpush::b64::encode(&[5u8; 32]);
        let (status, chosen) = post(&host, json!({"binding": own})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(chosen["binding"], json!(own));
        assert!(walletpush::binding::cookie_matches(
            &own,
            bnd(&chosen).as_str().unwrap()
        ));
        let (status, _) = post(&host, json!({"binding": "short"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // The embed page sets the hooks' cookie.
        let request = Request::get("/__sandbox/embed")
            .body(Body::empty())
            .unwrap();
        let response = host.clone().oneshot(request).await.unwrap();
        let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
        assert!(cookie.starts_with(&format!("walletpush_binding={binding}; Domain=bank.localhost; Path=/walletpush/; HttpOnly; SameSite=Strict")), "{cookie}");
    }

    #[tokio::test]
    async fn mints_a_batch_of_distinct_valid_handles() {
        let (_dir, app, host) = sandbox();

        let (status, reply) = post(&host, json!({"count": 25, "card": "gift-2"})).await;
        assert_eq!(status, StatusCode::OK, "{reply}");
        assert_eq!(reply["card"], "gift-2");
        assert_eq!(reply["last4"], "4444");
        let handles = reply["handles"].as_array().unwrap();
        assert_eq!(handles.len(), 25);
        let keys = app.keys.issuer_jwks();
        let mut jtis = HashSet::new();
        for token in handles {
            let claims = handle::verify(
                keys,
                token.as_str().unwrap(),
                &app.origins.widget,
                clock::now(),
            )
            .unwrap();
            assert_eq!(claims.card, "gift-2");
            assert!(jtis.insert(claims.jti));
        }

        // One handle without `count`: the answer keeps its shape.
        let (status, single) = post(&host, json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert!(single["handle"].is_string() && single.get("handles").is_none());

        for bad in [
            json!({"count": 0}),
            json!({"count": MAX_BATCH + 1}),
            json!({"count": 2, "jti": "same"}),
        ] {
            let (status, reply) = post(&host, bad.clone()).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
            assert_eq!(reply["code"], "CONFIG_INVALID");
        }
    }
}

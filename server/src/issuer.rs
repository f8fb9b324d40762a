//! The issuer API on the widget origin (docs/wire.md, "Issuer API"): the widget's
//! configuration, the public keys of the activation-signing keys, and the exchange of a card
//! handle for the card payload (docs/design.md §2, §3 step 4) or an adapter wallet's credential
//! (§4).
//!
//! The exchange checks, in this order, and a refusal spends nothing and records nothing:
//! the body; the client's rate; `Origin` and `Sec-Fetch-Site` (the widget origin, or the adapter
//! origin for Google and Apple); the handle; the binding cookie against `bnd`; the card's rate;
//! the wallet; a `walletpush/1` wallet's session token against its pinned keys; the `jti`
//! not yet spent. Only then the card source is asked, and the handle is spent with its audit
//! record in one transaction.

use std::net::SocketAddr;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::{Deserialize, Serialize};
use walletpush::binding;
use walletpush::handle::{self, HandleClaims};
use walletpush::ErrorCode;

use crate::activation::{self, ActivationClaims, Bound};
use crate::adapters::{
    self, credentials as stand_ins, credentials::Binding, credentials::GoogleDevice,
    credentials::GoogleSession,
};
use crate::cards::{Billing, Card, CardError, CardRequest};
use crate::http::{self, ApiError};
use crate::state::{ServerState, SharedState};
use crate::store::AuditRecord;
use crate::{checks, clock, ids, urls};

/// The issuer API routes.
pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/walletpush/v1/config", get(widget_config))
        .route("/walletpush/v1/jwks", get(jwks))
        .route(
            "/walletpush/v1/credentials",
            post(credentials).options(credentials_preflight),
        )
        .route(adapters::callback::PATH, get(token_connect_return))
}

/// The query of Token Connect's return: what the callback URL names, plus the requestor's
/// `result`.
#[derive(Deserialize)]
struct ReturnQuery {
    to: Option<String>,
    wallet: Option<String>,
    cid: Option<String>,
    result: Option<String>,
}

/// `GET /walletpush/v1/token-connect/return`: the token requestor's return, turned into the
/// shim's fragment and a 303 to the host page; 400 for a page not on a host origin.
async fn token_connect_return(
    State(app): State<SharedState>,
    Query(q): Query<ReturnQuery>,
) -> Response {
    let adapters = &app.deployment.adapters;
    let location = adapters::callback::location(
        &app.deployment.host_origins,
        |w| adapters.token_connect_requestor(w).is_some(),
        q.to.as_deref().unwrap_or(""),
        q.wallet.as_deref().unwrap_or(""),
        q.cid.as_deref(),
        q.result.as_deref(),
    );
    match location {
        Some(location) => (
            StatusCode::SEE_OTHER,
            http::no_store(),
            [(header::LOCATION, location)],
        )
            .into_response(),
        None => (
            StatusCode::BAD_REQUEST,
            http::no_store(),
            "not a page of this issuer's site",
        )
            .into_response(),
    }
}

/// `GET /walletpush/v1/config`: the deployment's widget configuration.
async fn widget_config(State(app): State<SharedState>) -> Response {
    http::json(&app.widget_config)
}

/// `GET /walletpush/v1/jwks`: the activation-signing keys, current and still accepted.
async fn jwks(State(app): State<SharedState>) -> Response {
    http::json(&http::from_core(&app.signer.public_keys().to_value()))
}

/// The body of `POST /walletpush/v1/credentials`: `handle` and `wallet`, plus what that wallet's
/// flow brings (docs/wire.md): the wallet's `session` token (walletpush/1, popup) or the
/// frame's `state` (walletpush/1, redirect), Google's session ids, or the Token Connect
/// requestor and the page to come back to.
#[derive(Deserialize)]
struct CredentialsRequest {
    handle: String,
    wallet: String,
    session: Option<String>,
    state: Option<String>,
    server_session_id: Option<String>,
    public_device_id: Option<String>,
    public_wallet_id: Option<String>,
    token_setting: Option<u8>,
    card_setting: Option<u8>,
    token_requestor: Option<String>,
    return_url: Option<String>,
}

/// What a `walletpush/1` request is for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Proof {
    /// Popup mode: the wallet's session token, to verify with its pinned keys.
    Session(String),
    /// Redirect mode: the attempt's `state`, made by the frame.
    State(String),
}

/// The longest session token accepted.
const MAX_SESSION_LEN: usize = 4096;

impl Proof {
    /// Exactly one of `session` (a compact JWS) and `state` (22 base64url characters).
    fn of(session: &Option<String>, state: &Option<String>) -> Option<Proof> {
        match (session, state) {
            (Some(session), None) => {
                let jws_like = session.split('.').count() == 3
                    && session
                        .split('.')
                        .all(|part| ids::is_token_like(part, MAX_SESSION_LEN));
                jws_like.then(|| Proof::Session(session.clone()))
            }
            (None, Some(state)) => (state.len() == 22 && ids::is_token_like(state, 22))
                .then(|| Proof::State(state.clone())),
            _ => None,
        }
    }
}

/// What a well-formed request asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    /// The card payload for a `walletpush/1` wallet.
    Walletpush(Proof),
    /// Google's `{google_opc, tsp_opc}` for a Google Wallet session.
    Google(GoogleSession),
    /// Apple's `{jws, state}`.
    Apple,
    /// Token Connect's `{receipt, uri, callback_url}`, for the requestor offered as `wallet`.
    TokenConnect {
        wallet: String,
        token_requestor: String,
        return_url: String,
    },
    /// A wallet id this issuer does not know: refused once the handle is checked.
    Other,
}

impl CredentialsRequest {
    /// The target, if the fields the wallet needs are there and well-formed.
    fn target(&self, app: &ServerState) -> Option<Target> {
        if !ids::is_token_like(&self.wallet, 64) {
            return None;
        }
        if app.deployment.walletpush_wallet(&self.wallet).is_some() {
            return Proof::of(&self.session, &self.state).map(Target::Walletpush);
        }
        Some(match self.wallet.as_str() {
            adapters::GOOGLE => {
                let google_id =
                    |v: &Option<String>| v.clone().filter(|v| adapters::parse_id(v).is_ok());
                // The session's final settings (1 when absent, as the frame asks by default);
                // a device and wallet exactly with tokenSetting 1, and something to push.
                let token = self.token_setting.unwrap_or(1);
                let card = self.card_setting.unwrap_or(1);
                if token > 1 || card > 1 || token + card == 0 {
                    return None;
                }
                let device = if token == 1 {
                    Some(GoogleDevice {
                        public_device_id: google_id(&self.public_device_id)?,
                        public_wallet_id: google_id(&self.public_wallet_id)?,
                    })
                } else if self.public_device_id.is_some() || self.public_wallet_id.is_some() {
                    return None;
                } else {
                    None
                };
                Target::Google(GoogleSession {
                    server_session_id: google_id(&self.server_session_id)?,
                    device,
                    save_card: card == 1,
                })
            }
            adapters::APPLE => Target::Apple,
            id if id == adapters::TOKEN_CONNECT
                || app
                    .deployment
                    .adapters
                    .token_connect_requestor(id)
                    .is_some() =>
            {
                Target::TokenConnect {
                    wallet: id.to_owned(),
                    token_requestor: self
                        .token_requestor
                        .clone()
                        .filter(|t| adapters::parse_id(t).is_ok())?,
                    return_url: self.return_url.clone()?,
                }
            }
            _ => Target::Other,
        })
    }
}

impl Target {
    /// Where a request for this target must come from, and the `Sec-Fetch-Site` a browser
    /// sends with it: Google's and Apple's scripts run on the adapter origin (docs/design.md
    /// §4), every other flow in the widget frame.
    fn caller<'a>(&self, app: &'a ServerState) -> (Option<&'a str>, &'static str) {
        match self {
            Target::Google(_) | Target::Apple => {
                (app.deployment.adapter_origin.as_deref(), "same-site")
            }
            _ => (Some(app.deployment.widget_origin.as_str()), "same-origin"),
        }
    }
}

/// The card payload (docs/design.md §3 step 4). Serialised straight into the response.
#[derive(Serialize)]
struct Payload<'a> {
    pan: &'a str,
    exp_month: u8,
    exp_year: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    billing: Option<&'a Billing>,
    product: &'a str,
    network: &'a str,
    last4: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    art: Option<&'a str>,
    activation: String,
}

/// The answer for a card source's refusal.
fn card_refusal(e: &CardError) -> ApiError {
    match e {
        CardError::Inactive => ApiError::new(ErrorCode::CardInactive, "the card is not active"),
        CardError::Unknown => ApiError::new(
            ErrorCode::IssuerRejected,
            "the issuer does not know this card",
        ),
        CardError::Unavailable(_) => ApiError::with_status(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Network,
            "the issuer's card service did not answer: try again",
        ),
        CardError::Failed(_) => ApiError::internal(),
    }
}

fn replayed() -> ApiError {
    ApiError::new(
        ErrorCode::HandleReplayed,
        "the card handle was already redeemed: mint a fresh one for each attempt",
    )
}

/// `POST /walletpush/v1/credentials`, with the checks in the order of docs/wire.md.
async fn credentials(
    State(app): State<SharedState>,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    let parsed = http::parse_json::<CredentialsRequest>(&body);
    // The metrics' wallet label: a configured id, or `other` (never the client's text).
    let wallet = parsed
        .as_ref()
        .map(|r| r.wallet.as_str())
        .filter(|w| app.deployment.wallet_ids().contains(w))
        .unwrap_or("other")
        .to_owned();
    let address = connection.map(|Extension(ConnectInfo(address))| address);
    let (mut response, outcome) = match exchange(&app, parsed, address, &headers).await {
        Ok(answered) => answered,
        Err(e) => {
            let code = e.code().as_str();
            (e.into_response(), code)
        }
    };
    app.metrics.exchange(&wallet, outcome, started.elapsed());
    cors(&app, &headers, &mut response);
    response
}

/// The CORS headers of an answer to the adapter origin (its frame reads the credential), and
/// `Vary: Origin` on every answer. Nothing for any other origin.
fn cors(app: &ServerState, headers: &HeaderMap, response: &mut Response) {
    let out = response.headers_mut();
    out.insert(header::VARY, HeaderValue::from_static("origin"));
    if let Some(adapter) = adapter_caller(app, headers) {
        out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, adapter);
        out.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        out.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("retry-after"),
        );
    }
}

/// The request's `Origin` as a header value, if it is exactly the adapter origin.
fn adapter_caller(app: &ServerState, headers: &HeaderMap) -> Option<HeaderValue> {
    let adapter = app.deployment.adapter_origin.as_deref()?;
    let origin = checks::single(headers, header::ORIGIN)?;
    (origin == adapter)
        .then(|| HeaderValue::from_str(adapter).ok())
        .flatten()
}

/// `OPTIONS /walletpush/v1/credentials`: the CORS preflight of the adapter frame's request
/// (docs/wire.md). Answered for the adapter origin only; any other origin gets a 403 with no
/// CORS header, so its browser sends nothing.
async fn credentials_preflight(State(app): State<SharedState>, headers: HeaderMap) -> Response {
    let Some(adapter) = adapter_caller(&app, &headers) else {
        return (
            StatusCode::FORBIDDEN,
            [(header::VARY, HeaderValue::from_static("origin"))],
        )
            .into_response();
    };
    (
        StatusCode::NO_CONTENT,
        [
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, adapter),
            (
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            ),
            (
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("POST"),
            ),
            (
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("content-type, x-walletpush-correlation-id"),
            ),
            (
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            ),
            (header::VARY, HeaderValue::from_static("origin")),
        ],
    )
        .into_response()
}

/// The exchange: the answer and its outcome (`released` or `credential`), or the refusal.
async fn exchange(
    app: &ServerState,
    parsed: Option<CredentialsRequest>,
    address: Option<SocketAddr>,
    headers: &HeaderMap,
) -> Result<(Response, &'static str), ApiError> {
    let now = clock::now();
    let (request, target) = parsed
        .and_then(|r| r.target(app).map(|t| (r, t)))
        .ok_or_else(|| {
            ApiError::with_status(
                StatusCode::BAD_REQUEST,
                ErrorCode::IssuerRejected,
                "the body must be JSON {\"handle\", \"wallet\"} and that wallet's fields: \
                 \"session\" or \"state\" for a walletpush/1 wallet (docs/wire.md)",
            )
        })?;
    checks::limit_client(&app.limiters, address.map(|a| a.ip()))?;
    let (caller, fetch_site) = target.caller(app);
    checks::caller(headers, caller, fetch_site)?;
    let claims = handle::verify(
        &app.handle_keys,
        &request.handle,
        &app.deployment.widget_origin,
        now,
    )?;
    checks::binding_cookie(headers, &claims.bnd)?;
    checks::limit_card(&app.limiters, &claims.card)?;
    check_wallet(app, &request, &claims)?;
    let adapter = adapter_request(app, &target)?;
    let bound = match &target {
        Target::Walletpush(proof) => Some(prove(app, &request.wallet, proof, now).await?),
        _ => None,
    };
    if app.store.redeemed(&claims.jti).await? {
        return Err(replayed());
    }
    let client = address.map(|a| a.to_string());
    let attempt = Attempt {
        claims: &claims,
        wallet: &request.wallet,
        cid: http::correlation_id(headers),
        client: client.as_deref(),
        now,
    };
    let card = fetch_card(app, &attempt).await?;
    let (answer, outcome) = match bound {
        Some(bound) => (
            payload(app, &card, bound.as_bound(), request.wallet.clone(), now)?,
            RELEASED,
        ),
        None => {
            let binding = Binding {
                issuer: &app.deployment.issuer_id,
                handle: &claims,
                cid: attempt.cid,
                now,
            };
            // The adapter wallets get no card data from the browser's side.
            (
                http::json(&adapter_answer(app, binding, adapter)?),
                CREDENTIAL,
            )
        }
    };
    drop(card);
    spend(app, &attempt, outcome).await?;
    Ok((answer, outcome))
}

/// The audit outcome of an answer with card data.
const RELEASED: &str = "released";
/// The audit outcome of an answer with an adapter wallet's credential.
const CREDENTIAL: &str = "credential";

/// The wallet: one the handle allows and this issuer offers.
fn check_wallet(
    app: &ServerState,
    request: &CredentialsRequest,
    claims: &HandleClaims,
) -> Result<(), ApiError> {
    if !claims.wallets.contains(&request.wallet) {
        return Err(ApiError::new(
            ErrorCode::IssuerRejected,
            "the card handle does not allow this wallet",
        ));
    }
    if !app
        .deployment
        .wallet_ids()
        .contains(&request.wallet.as_str())
    {
        return Err(ApiError::new(
            ErrorCode::IssuerRejected,
            "this issuer does not provision to this wallet: see its configuration",
        ));
    }
    Ok(())
}

/// What the activation of a `walletpush/1` answer names: the verified session's `sid`, or the
/// frame's `state`.
enum Proven {
    Sid(String),
    State(String),
}

impl Proven {
    fn as_bound(&self) -> Bound<'_> {
        match self {
            Proven::Sid(sid) => Bound::Sid(sid),
            Proven::State(state) => Bound::State(state),
        }
    }
}

/// Verifies a popup request's session token with the wallet's pinned keys (`typ`, signature,
/// `aud` = the widget origin, `exp`); a redirect request's `state` needs nothing more.
async fn prove(
    app: &ServerState,
    wallet: &str,
    proof: &Proof,
    now: i64,
) -> Result<Proven, ApiError> {
    match proof {
        Proof::State(state) => Ok(Proven::State(state.clone())),
        Proof::Session(token) => {
            let session = app
                .wallet_keys
                .verify_session(wallet, token, &app.deployment.widget_origin, now)
                .await
                .map_err(|e| {
                    let status = match e.code() {
                        ErrorCode::WalletSessionInvalid => StatusCode::UNAUTHORIZED,
                        ErrorCode::WalletUnavailable => StatusCode::SERVICE_UNAVAILABLE,
                        code => http::status_of(code),
                    };
                    ApiError::with_status(status, e.code(), e.message())
                })?;
            Ok(Proven::Sid(session.sid))
        }
    }
}

/// The card payload for a `walletpush/1` wallet, with its activation for `bound`; the name and
/// billing address only for a wallet configured to want them.
fn payload(
    app: &ServerState,
    card: &Card,
    bound: Bound<'_>,
    wallet: String,
    now: i64,
) -> Result<Response, ApiError> {
    let wants = app
        .deployment
        .walletpush_wallet(&wallet)
        .map(|w| w.wants)
        .unwrap_or_default();
    let (sid, state) = bound.claims();
    let activation = activation::mint(
        app.signer.as_ref(),
        &ActivationClaims {
            card: card.data.card_ref.clone(),
            wallet,
            exp: now + activation::LIFETIME,
            card_digest: binding::card_digest(
                &card.secrets.pan,
                card.secrets.exp_month,
                card.secrets.exp_year,
            ),
            sid,
            state,
        },
    )?;
    Ok(http::json(&Payload {
        pan: &card.secrets.pan,
        exp_month: card.secrets.exp_month,
        exp_year: card.secrets.exp_year,
        name: wants.name.then_some(card.secrets.name.as_str()),
        billing: wants.billing.then_some(&card.secrets.billing),
        product: &card.data.product,
        network: &card.data.network,
        last4: &card.data.last4,
        art: card.data.art.as_deref(),
        activation,
    }))
}

/// One redemption attempt, as the audit records it.
struct Attempt<'a> {
    claims: &'a HandleClaims,
    wallet: &'a str,
    cid: Option<&'a str>,
    client: Option<&'a str>,
    now: i64,
}

impl Attempt<'_> {
    fn record(&self, outcome: &str) -> AuditRecord {
        AuditRecord {
            jti: self.claims.jti.clone(),
            card: self.claims.card.clone(),
            wallet: self.wallet.to_owned(),
            cid: self.cid.map(str::to_owned),
            client: self.client.map(str::to_owned),
            outcome: outcome.to_owned(),
            at: self.now,
        }
    }
}

/// Asks the card source for the handle's card. A refusal (unknown, inactive) spends the handle
/// as docs/wire.md orders; a card source that does not answer (or answers nonsense) spends
/// nothing: that failure is not the client's, and the widget may retry with the same handle.
async fn fetch_card(app: &ServerState, attempt: &Attempt<'_>) -> Result<Card, ApiError> {
    let request = CardRequest {
        card: &attempt.claims.card,
        sub: &attempt.claims.sub,
        wallet: attempt.wallet,
        cid: attempt.cid,
    };
    let started = Instant::now();
    let answer = app.cards.card(request).await;
    app.metrics.card_source(started.elapsed());
    let e = match answer {
        Ok(card) => return Ok(card),
        Err(e) => e,
    };
    let refusal = card_refusal(&e);
    match e {
        CardError::Unavailable(_) | CardError::Failed(_) => {
            http::log_error(&e);
            app.store
                .record(attempt.record(refusal.code().as_str()))
                .await?;
        }
        CardError::Unknown | CardError::Inactive => {
            spend(app, attempt, refusal.code().as_str()).await?;
        }
    }
    Err(refusal)
}

/// Spends the handle with the audit record of `outcome`, once both are durable; refuses a
/// handle that was spent before (then the answer prepared for it is dropped).
async fn spend(app: &ServerState, attempt: &Attempt<'_>, outcome: &str) -> Result<(), ApiError> {
    let started = Instant::now();
    let fresh = app.store.redeem(attempt.record(outcome)).await?;
    app.metrics.store(started.elapsed());
    if fresh {
        Ok(())
    } else {
        Err(replayed())
    }
}

/// An adapter wallet's request, checked against this deployment's settings before the handle
/// is spent.
enum AdapterRequest<'a> {
    /// A `walletpush/1` wallet: no adapter.
    None,
    Google(&'a GoogleSession),
    Apple,
    TokenConnect {
        wallet: &'a str,
        token_requestor: &'a str,
        requestor_url: &'a str,
        callback_url: &'a str,
    },
}

/// Checks what only the deployment knows: Token Connect's requestor must be the configured one
/// and its return page on the host origin (as a wallet registers redirect URIs).
fn adapter_request<'a>(
    app: &'a ServerState,
    target: &'a Target,
) -> Result<AdapterRequest<'a>, ApiError> {
    let refuse = |message| ApiError::new(ErrorCode::IssuerRejected, message);
    Ok(match target {
        Target::Walletpush(_) | Target::Other => AdapterRequest::None,
        Target::Google(session) => AdapterRequest::Google(session),
        Target::Apple => AdapterRequest::Apple,
        Target::TokenConnect {
            wallet,
            token_requestor,
            return_url,
        } => {
            let (configured, requestor_url) = app
                .deployment
                .adapters
                .token_connect_requestor(wallet)
                .ok_or_else(|| refuse("Token Connect is not configured"))?;
            if configured != Some(token_requestor.as_str()) {
                return Err(refuse("this issuer does not push to that token requestor"));
            }
            let callback_url = urls::return_url(return_url, &app.deployment.host_origins)
                .ok_or_else(|| refuse("return_url must be a page of the issuer's site"))?;
            AdapterRequest::TokenConnect {
                wallet,
                token_requestor,
                requestor_url,
                callback_url,
            }
        }
    })
}

/// The stand-in credentials of an adapter wallet (see [`stand_ins`]).
fn adapter_answer(
    app: &ServerState,
    binding: Binding<'_>,
    request: AdapterRequest<'_>,
) -> Result<serde_json::Value, ApiError> {
    let key = app.signer.as_ref();
    Ok(match request {
        AdapterRequest::None => return Err(ApiError::internal()),
        AdapterRequest::Google(session) => stand_ins::google(key, binding, session)?,
        AdapterRequest::Apple => stand_ins::apple(key, binding)?,
        AdapterRequest::TokenConnect {
            wallet,
            token_requestor,
            requestor_url,
            callback_url,
        } => {
            // The requestor returns to the issuer's endpoint, which sends the user on to the
            // host page with the result (adapters::callback).
            let callback = adapters::callback::callback_url(
                &app.deployment.widget_origin,
                callback_url,
                wallet,
                binding.cid,
            );
            stand_ins::token_connect(key, binding, token_requestor, requestor_url, &callback)?
        }
    })
}

#[cfg(test)]
mod tests;

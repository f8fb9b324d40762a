//! The issuer API on the widget origin (docs/wire.md, "Issuer API"): the widget's
//! configuration, the public keys of the activation-signing keys, and the exchange of a card
//! handle for the card payload (docs/design.md §2, §3 step 4).

use std::net::SocketAddr;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::{Deserialize, Serialize};
use walletpush::handle::{self, HandleClaims};
use walletpush::ErrorCode;

use crate::activation::{self, ActivationClaims};
use crate::adapters::{
    self, credentials as stand_ins, credentials::Binding, credentials::GoogleDevice,
    credentials::GoogleSession,
};
use crate::cards::{Billing, Card, CardError, CardRequest};
use crate::http::{self, ApiError};
use crate::state::{ServerState, SharedState};
use crate::store::AuditRecord;
use crate::{clock, ids, urls};

/// The issuer API routes.
pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/walletpush/v1/config", get(widget_config))
        .route("/walletpush/v1/jwks", get(jwks))
        .route("/walletpush/v1/credentials", post(credentials))
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
/// flow brings (docs/wire.md): `sid` (walletpush/1), Google's session ids, or the Token Connect
/// requestor and the page to come back to.
#[derive(Deserialize)]
struct CredentialsRequest {
    handle: String,
    wallet: String,
    sid: Option<String>,
    server_session_id: Option<String>,
    public_device_id: Option<String>,
    public_wallet_id: Option<String>,
    token_setting: Option<u8>,
    card_setting: Option<u8>,
    token_requestor: Option<String>,
    return_url: Option<String>,
}

/// What a well-formed request asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    /// The card payload for a `walletpush/1` wallet's session `sid`.
    Walletpush { sid: String },
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
        let id = |v: &Option<String>| v.clone().filter(|v| ids::is_token_like(v, 128));
        if !ids::is_token_like(&self.wallet, 64) {
            return None;
        }
        if app.deployment.walletpush_wallet(&self.wallet).is_some() {
            return Some(Target::Walletpush {
                sid: id(&self.sid)?,
            });
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

/// The card payload (docs/design.md §3 step 4). Serialised straight into the response.
#[derive(Serialize)]
struct Payload<'a> {
    pan: &'a str,
    exp_month: u8,
    exp_year: u16,
    name: &'a str,
    billing: &'a Billing,
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
    let (response, outcome) = match exchange(&app, parsed, connection, &headers).await {
        Ok(answered) => answered,
        Err(e) => {
            let code = e.code().as_str();
            (e.into_response(), code)
        }
    };
    app.metrics.exchange(&wallet, outcome, started.elapsed());
    response
}

/// The exchange: the answer and its outcome (`released` or `credential`), or the refusal.
async fn exchange(
    app: &ServerState,
    parsed: Option<CredentialsRequest>,
    connection: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: &HeaderMap,
) -> Result<(Response, &'static str), ApiError> {
    let now = clock::now();
    let (request, target) = parsed
        .and_then(|r| r.target(app).map(|t| (r, t)))
        .ok_or_else(|| {
            ApiError::with_status(
                StatusCode::BAD_REQUEST,
                ErrorCode::IssuerRejected,
                "the body must be JSON {\"handle\", \"wallet\"} and that wallet's fields (docs/wire.md)",
            )
        })?;
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let claims = authorize(app, &request, origin, now)?;
    let adapter = adapter_request(app, &target)?;
    let client = connection.map(|Extension(ConnectInfo(address))| address.to_string());
    let attempt = Attempt {
        claims: &claims,
        wallet: &request.wallet,
        cid: http::correlation_id(headers),
        client: client.as_deref(),
        now,
    };
    let card = fetch_card(app, &attempt).await?;
    let (answer, outcome) = match target {
        Target::Walletpush { sid } => (
            payload(app, &card, sid, request.wallet.clone(), now)?,
            RELEASED,
        ),
        _ => {
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

/// The card payload for a `walletpush/1` wallet's session `sid`, with its activation.
fn payload(
    app: &ServerState,
    card: &Card,
    sid: String,
    wallet: String,
    now: i64,
) -> Result<Response, ApiError> {
    let activation = activation::mint(
        app.signer.as_ref(),
        &ActivationClaims {
            card: card.data.card_ref.clone(),
            sid,
            wallet,
            exp: now + activation::LIFETIME,
        },
    )?;
    Ok(http::json(&Payload {
        pan: &card.secrets.pan,
        exp_month: card.secrets.exp_month,
        exp_year: card.secrets.exp_year,
        name: &card.secrets.name,
        billing: &card.secrets.billing,
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

/// The stateless checks: the handle (signature, `typ`, claims, `exp`), `aud` against the
/// request's `Origin` (a request without one is refused), and the wallet.
fn authorize(
    app: &ServerState,
    request: &CredentialsRequest,
    origin: Option<&str>,
    now: i64,
) -> Result<HandleClaims, ApiError> {
    let claims = handle::verify(
        &app.handle_keys,
        &request.handle,
        origin.unwrap_or_default(),
        now,
    )?;
    if origin.is_none() {
        return Err(ApiError::new(
            ErrorCode::OriginNotAllowed,
            "the request has no Origin header: call the issuer API from the widget frame",
        ));
    }
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
    Ok(claims)
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
        Target::Walletpush { .. } | Target::Other => AdapterRequest::None,
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
mod tests {
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use axum::body::{to_bytes, Body};
    use axum::http::Request;
    use serde_json::{json, Value};
    use tower::ServiceExt;
    use walletpush::jwk::{KeyUse, PrivateJwk};

    use super::*;
    use crate::adapters::Adapters;
    use crate::cards::{CardData, CardSecrets, CardSource};
    use crate::deployment::{Deployment, WalletpushWallet};
    use crate::mint;
    use crate::signer::{KeyRing, Signer};
    use crate::store::sqlite::SqliteStore;
    use crate::store::BoxFuture;

    const WIDGET: &str = "https://walletpush.bank.example";

    /// Answers by card reference; `flaky` fails its first call as unavailable.
    #[derive(Debug, Default)]
    struct Cards {
        calls: AtomicUsize,
    }

    impl CardSource for Cards {
        fn card<'a>(&'a self, r: CardRequest<'a>) -> BoxFuture<'a, Result<Card, CardError>> {
            let call = self.calls.fetch_add(1, Ordering::SeqCst);
            let answer = match r.card {
                "flaky" if call == 0 => Err(CardError::Unavailable("test".into())),
                "broken" => Err(CardError::Failed("test".into())),
                "closed" => Err(CardError::Inactive),
                "gone" => Err(CardError::Unknown),
                card => Ok(Card {
                    data: CardData {
                        card_ref: card.to_owned(),
                        product: "Gift card".into(),
                        network: "visa".into(),
                        last4: "1111".into(),
                        art: None,
                    },
                    secrets: CardSecrets {
                        pan: "4111111111111111".into(),
                        exp_month: 12,
                        exp_year: 2030,
                        name: "A. Holder".into(),
                        billing: Billing {
                            line1: "1 Main St".into(),
                            city: "Springfield".into(),
                            postal_code: "12345".into(),
                            country: "US".into(),
                        },
                    },
                }),
            };
            Box::pin(async move { answer })
        }
    }

    struct Fixture {
        _dir: tempfile::TempDir,
        store: Arc<SqliteStore>,
        state: Arc<ServerState>,
        router: Router,
        key: PrivateJwk,
        deployment: Deployment,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let key = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng))
            .with_meta("k1", KeyUse::Sig);
        let ring = Arc::new(KeyRing::new(key.clone(), vec![]).unwrap());
        let handle_keys = ring.public_keys().clone();
        let deployment = Deployment {
            issuer_id: "bank".into(),
            widget_origin: WIDGET.into(),
            host_origins: vec!["https://bank.example".into()],
            wallets: vec![WalletpushWallet {
                id: "sandbox".into(),
                name: "Sandbox Wallet".into(),
                origin: "https://wallet.example".into(),
            }],
            adapters: Adapters::default(),
            adapter_origin: None,
            www_dir: PathBuf::from("www"),
        };
        let store = Arc::new(SqliteStore::open(&dir.path().join("s.sqlite")).unwrap());
        let state = ServerState::new(
            deployment.clone(),
            ring,
            handle_keys,
            Arc::new(Cards::default()),
            Arc::clone(&store) as _,
        )
        .unwrap();
        let state = Arc::new(state);
        Fixture {
            _dir: dir,
            store,
            router: crate::router(&state, crate::http::LogFormat::Plain),
            state,
            key,
            deployment,
        }
    }

    impl Fixture {
        /// The audit's (card, outcome) pairs, oldest first.
        fn audit(&self) -> Vec<(String, String)> {
            self.store
                .db()
                .read(|c| {
                    let mut stmt = c.prepare("SELECT card, outcome FROM audit ORDER BY id")?;
                    let rows = stmt
                        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(rows)
                })
                .unwrap()
        }

        fn handle(&self, card: &str) -> String {
            let data = CardData {
                card_ref: card.into(),
                product: "Gift card".into(),
                network: "visa".into(),
                last4: "1111".into(),
                art: None,
            };
            let claims = mint::claims(&self.deployment, "user-1", &data, clock::now());
            mint::mint(&self.key, &claims).unwrap()
        }

        async fn redeem(&self, handle: &str) -> (u16, Value) {
            let body = json!({"handle": handle, "wallet": "sandbox", "sid": "sid-1"});
            let request = Request::post("/walletpush/v1/credentials")
                .header(header::ORIGIN, WIDGET)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap();
            let response = self.router.clone().oneshot(request).await.unwrap();
            let status = response.status().as_u16();
            let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
            (status, serde_json::from_slice(&bytes).unwrap())
        }
    }

    #[tokio::test]
    async fn each_card_source_outcome_has_its_code() {
        let f = fixture();
        let (status, payload) = f.redeem(&f.handle("gift-1")).await;
        assert_eq!(status, 200, "{payload}");
        assert_eq!(payload["pan"], "4111111111111111");
        assert!(payload.get("art").is_none());
        let cases = [
            ("closed", 422, "CARD_INACTIVE"),
            ("gone", 403, "ISSUER_REJECTED"),
        ];
        for (card, status, code) in cases {
            let handle = f.handle(card);
            let (got, body) = f.redeem(&handle).await;
            assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{card}");
            // A refusal of the card source's spends the handle, as docs/wire.md orders.
            let (again, body) = f.redeem(&handle).await;
            assert_eq!(
                (again, body["code"].as_str()),
                (409, Some("HANDLE_REPLAYED"))
            );
        }
        // A card source that answers nonsense spends nothing.
        let broken = f.handle("broken");
        for _ in 0..2 {
            let (got, body) = f.redeem(&broken).await;
            assert_eq!((got, body["code"].as_str()), (500, Some("INTERNAL")));
        }
        let outcomes: Vec<String> = f.audit().into_iter().map(|(_, o)| o).collect();
        let expected = [
            "released",
            "CARD_INACTIVE",
            "HANDLE_REPLAYED",
            "ISSUER_REJECTED",
            "HANDLE_REPLAYED",
            "INTERNAL",
            "INTERNAL",
        ];
        assert_eq!(outcomes, expected);
    }

    #[tokio::test]
    async fn an_unavailable_card_source_leaves_the_handle_usable() {
        let f = fixture();
        let handle = f.handle("flaky");
        let (status, body) = f.redeem(&handle).await;
        assert_eq!((status, body["code"].as_str()), (503, Some("NETWORK")));
        let (status, body) = f.redeem(&handle).await;
        assert_eq!(status, 200, "{body}");
        let (status, _) = f.redeem(&handle).await;
        assert_eq!(status, 409);
        let outcomes: Vec<String> = f.audit().into_iter().map(|(_, o)| o).collect();
        assert_eq!(outcomes, ["NETWORK", "released", "HANDLE_REPLAYED"]);
        let metrics = f.state.metrics.render();
        for line in [
            "walletpush_exchanges_total{wallet=\"sandbox\",outcome=\"NETWORK\"} 1\n",
            "walletpush_exchanges_total{wallet=\"sandbox\",outcome=\"released\"} 1\n",
            "walletpush_exchanges_total{wallet=\"sandbox\",outcome=\"HANDLE_REPLAYED\"} 1\n",
            "walletpush_card_source_seconds_count 3\n",
            "walletpush_store_seconds_count 2\n",
        ] {
            assert!(metrics.contains(line), "{line}{metrics}");
        }
    }
}

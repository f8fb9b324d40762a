//! The issuer API on the widget origin (docs/wire.md, "Issuer API"): the widget's
//! configuration, the issuer's public keys, and the exchange of a card handle for the card
//! payload. Also the handle minting that the host pages (the issuer's own backend) do at render
//! time.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use walletpush::handle::{self, CardDisplay, HandleClaims};
use walletpush::jwk::PrivateJwk;
use walletpush::{Error, ErrorCode};

use crate::activation::{self, ActivationClaims};
use crate::adapters;
use crate::app::{App, SharedApp};
use crate::clock;
use crate::db::cards::{self, Billing, Card, CardSecrets};
use crate::db::group_commit::GroupCommit;
use crate::db::{issuer as replay, Db, StoreError};
use crate::faults::CredentialsFault;
use crate::http::{self, ApiError};
use crate::wallet::WALLET_NAME;
use crate::wallets::{self, Binding, GoogleSession};
use crate::{ids, urls};

/// The issuer id (`iss`) of every handle.
pub const ISSUER_ID: &str = "sandbox-bank";
/// The id of the sandbox wallet, the `walletpush/1` wallet this issuer provisions to (besides
/// the adapter wallets the flags turn on).
pub const SANDBOX_WALLET: &str = "sandbox";
/// The lifetime of a handle minted for a page.
pub const HANDLE_LIFETIME: i64 = handle::MAX_LIFETIME;

/// The issuer API routes.
pub fn routes() -> Router<SharedApp> {
    Router::new()
        .route("/walletpush/v1/config", get(widget_config))
        .route("/walletpush/v1/jwks", get(jwks))
        .route("/walletpush/v1/credentials", post(credentials))
}

/// The claims of a fresh handle for `card`, redeemable from the widget origin for
/// [`HANDLE_LIFETIME`] seconds.
pub fn handle_claims(app: &App, card: &Card, now: i64) -> HandleClaims {
    HandleClaims {
        iss: ISSUER_ID.to_owned(),
        sub: card.user_id.clone(),
        card: card.card_ref.clone(),
        aud: app.origins.widget.clone(),
        iat: now,
        nbf: None,
        exp: now + HANDLE_LIFETIME,
        jti: ids::random("h-"),
        wallets: std::iter::once(SANDBOX_WALLET)
            .chain(app.adapters.ids())
            .map(str::to_owned)
            .collect(),
        display: CardDisplay {
            last4: card.last4.clone(),
            network: card.network.clone(),
            product: card.product.clone(),
            art: Some(art_url(app, card)),
        },
    }
}

/// Mints a handle: `signer` is the issuer key, or the rogue key of the test hooks.
pub fn mint(signer: &PrivateJwk, claims: &HandleClaims) -> Result<String, Error> {
    handle::mint(signer, claims)
}

/// The URL of a card's art on the widget origin.
pub fn art_url(app: &App, card: &Card) -> String {
    format!("{}/art/{}.svg", app.origins.widget, card.art)
}

/// `GET /walletpush/v1/config`: what the widget's frame needs to know about this deployment:
/// where the issuer API is and which wallets it offers: the sandbox wallet by its discovery
/// document, the adapter wallets (if any flag turned them on) by `kind` and settings.
async fn widget_config(State(app): State<SharedApp>) -> Response {
    http::json(&widget_configuration(&app))
}

/// The deployment's widget configuration: `GET /walletpush/v1/config` answers it, and
/// `frame.html` carries it inline ([`crate::www`]).
pub fn widget_configuration(app: &App) -> serde_json::Value {
    let mut wallets = serde_json::Map::new();
    wallets.insert(
        SANDBOX_WALLET.to_owned(),
        serde_json::json!({
            "name": WALLET_NAME,
            "discovery": format!("{}/.well-known/walletpush.json", app.origins.wallet),
        }),
    );
    wallets.extend(app.adapters.config_entries());
    serde_json::json!({ "issuer_api": app.origins.widget, "wallets": wallets })
}

async fn jwks(State(app): State<SharedApp>) -> Response {
    http::json(&http::from_core(&app.keys.issuer_jwks().to_value()))
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
    token_requestor: Option<String>,
    return_url: Option<String>,
}

/// What a well-formed request asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    /// The card payload for the sandbox wallet's session `sid`.
    Sandbox { sid: String },
    /// Google's `{google_opc, tsp_opc}` for a Google Wallet session.
    Google(GoogleSession),
    /// Apple's `{jws, state}`.
    Apple,
    /// Token Connect's `{receipt, uri, callback_url}`.
    TokenConnect {
        token_requestor: String,
        return_url: String,
    },
    /// A wallet id this issuer does not know: refused once the handle is checked.
    Other,
}

impl CredentialsRequest {
    /// The target, if the fields the wallet needs are there and well-formed.
    fn target(&self) -> Option<Target> {
        let id = |v: &Option<String>| v.clone().filter(|v| ids::is_token_like(v, 128));
        if !ids::is_token_like(&self.wallet, 64) {
            return None;
        }
        Some(match self.wallet.as_str() {
            SANDBOX_WALLET => Target::Sandbox {
                sid: id(&self.sid)?,
            },
            adapters::GOOGLE => {
                let google_id =
                    |v: &Option<String>| v.clone().filter(|v| adapters::parse_id(v).is_ok());
                Target::Google(GoogleSession {
                    server_session_id: google_id(&self.server_session_id)?,
                    public_device_id: google_id(&self.public_device_id)?,
                    public_wallet_id: google_id(&self.public_wallet_id)?,
                })
            }
            adapters::APPLE => Target::Apple,
            adapters::TOKEN_CONNECT => Target::TokenConnect {
                token_requestor: self
                    .token_requestor
                    .clone()
                    .filter(|t| adapters::parse_id(t).is_ok())?,
                return_url: self.return_url.clone()?,
            },
            _ => Target::Other,
        })
    }
}

/// The card payload (DESIGN.md §3 step 4). Serialised straight into the response.
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
    art: String,
    activation: String,
}

/// Why the replay-and-card transaction refused the handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Replayed,
    UnknownCard,
    Inactive,
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> ApiError {
        match refusal {
            Refusal::Replayed => ApiError::new(
                ErrorCode::HandleReplayed,
                "the card handle was already redeemed: mint a fresh one for each attempt",
            ),
            Refusal::Inactive => ApiError::new(ErrorCode::CardInactive, "the card is not active"),
            Refusal::UnknownCard => ApiError::new(
                ErrorCode::IssuerRejected,
                "the issuer does not know this card",
            ),
        }
    }
}

/// `POST /walletpush/v1/credentials`, with the checks in the order of docs/wire.md.
async fn credentials(
    State(app): State<SharedApp>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    match app.faults.current().credentials {
        CredentialsFault::None => {}
        CredentialsFault::ServerError => return Err(ApiError::internal()),
        CredentialsFault::Hang => std::future::pending::<()>().await,
    }
    let now = clock::now();
    let parsed = http::parse_json::<CredentialsRequest>(&body);
    let (request, target) = parsed
        .and_then(|r| r.target().map(|t| (r, t)))
        .ok_or_else(|| {
            ApiError::with_status(
                StatusCode::BAD_REQUEST,
                ErrorCode::IssuerRejected,
                "the body must be JSON {\"handle\", \"wallet\"} and that wallet's fields (docs/wire.md)",
            )
        })?;
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let claims = authorize(&app, &request, origin, now)?;
    let adapter = adapter_request(&app, &target)?;
    let (card, secrets) = app
        .redemptions
        .submit(Redemption::of(&claims, now))
        .await??;
    let Target::Sandbox { sid } = target else {
        drop(secrets); // the adapter wallets get no card data from the browser's side
        let binding = Binding {
            handle: &claims,
            cid: http::correlation_id(&headers),
            now,
        };
        return Ok(http::json(&adapter_answer(&app, binding, adapter)?));
    };
    let activation = activation::mint(
        &app.keys.issuer,
        &ActivationClaims {
            card: card.card_ref.clone(),
            sid,
            wallet: request.wallet,
            exp: now + activation::LIFETIME,
        },
    )?;
    let payload = Payload {
        pan: &secrets.pan,
        exp_month: secrets.exp_month,
        exp_year: secrets.exp_year,
        name: &secrets.name,
        billing: &secrets.billing,
        product: &card.product,
        network: &card.network,
        last4: &card.last4,
        art: art_url(&app, &card),
        activation,
    };
    Ok(http::json(&payload))
}

/// The stateless checks: the handle (signature, `typ`, claims, `exp`), `aud` against the
/// request's `Origin` (a request without one is refused), and the wallet.
fn authorize(
    app: &App,
    request: &CredentialsRequest,
    origin: Option<&str>,
    now: i64,
) -> Result<HandleClaims, ApiError> {
    let claims = handle::verify(
        app.keys.issuer_jwks(),
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
    let offered =
        request.wallet == SANDBOX_WALLET || app.adapters.ids().contains(&request.wallet.as_str());
    if !offered {
        return Err(ApiError::new(
            ErrorCode::IssuerRejected,
            "the sandbox issuer does not provision to this wallet: see its configuration",
        ));
    }
    Ok(claims)
}

/// An adapter wallet's request, checked against this deployment's settings before the handle
/// is spent.
enum AdapterRequest<'a> {
    /// The sandbox wallet: no adapter.
    None,
    Google(&'a GoogleSession),
    Apple,
    TokenConnect {
        token_requestor: &'a str,
        requestor_url: &'a str,
        callback_url: &'a str,
    },
}

/// Checks what only the deployment knows: Token Connect's requestor must be the configured one
/// and its return page on the host origin (as a wallet registers redirect URIs).
fn adapter_request<'a>(app: &'a App, target: &'a Target) -> Result<AdapterRequest<'a>, ApiError> {
    let refuse = |message| ApiError::new(ErrorCode::IssuerRejected, message);
    Ok(match target {
        Target::Sandbox { .. } | Target::Other => AdapterRequest::None,
        Target::Google(session) => AdapterRequest::Google(session),
        Target::Apple => AdapterRequest::Apple,
        Target::TokenConnect {
            token_requestor,
            return_url,
        } => {
            let settings = app
                .adapters
                .token_connect
                .as_ref()
                .ok_or_else(|| refuse("Token Connect is not configured"))?;
            if settings.token_requestor.as_deref() != Some(token_requestor.as_str()) {
                return Err(refuse("this issuer does not push to that token requestor"));
            }
            let callback_url = urls::return_url(return_url, &[app.origins.host.as_str()])
                .ok_or_else(|| refuse("return_url must be a page of the issuer's site"))?;
            AdapterRequest::TokenConnect {
                token_requestor,
                requestor_url: &settings.requestor_url,
                callback_url,
            }
        }
    })
}

/// The stand-in credentials of an adapter wallet (see [`wallets`]).
fn adapter_answer(
    app: &App,
    binding: Binding<'_>,
    request: AdapterRequest<'_>,
) -> Result<serde_json::Value, ApiError> {
    let key = &app.keys.issuer;
    Ok(match request {
        AdapterRequest::None => return Err(ApiError::internal()),
        AdapterRequest::Google(session) => wallets::google(key, binding, session)?,
        AdapterRequest::Apple => wallets::apple(key, binding)?,
        AdapterRequest::TokenConnect {
            token_requestor,
            requestor_url,
            callback_url,
        } => wallets::token_connect(key, binding, token_requestor, requestor_url, callback_url)?,
    })
}

/// A card handle's single use, for the group commit of [`Redemptions`].
#[derive(Debug)]
pub struct Redemption {
    jti: String,
    card: String,
    sub: String,
    now: i64,
}

impl Redemption {
    fn of(claims: &HandleClaims, now: i64) -> Redemption {
        Redemption {
            jti: claims.jti.clone(),
            card: claims.card.clone(),
            sub: claims.sub.clone(),
            now,
        }
    }
}

/// What a redemption gives: the card, or why the handle was refused.
pub type Redeemed = Result<(Card, CardSecrets), Refusal>;

/// The writer that records handle redemptions: the exchanges waiting at one moment share one
/// transaction, hence one fsync, and each is answered after its commit ([`GroupCommit`]).
pub type Redemptions = GroupCommit<Redemption, Redeemed>;

/// Starts the [`Redemptions`] writer on `db`.
pub fn redemptions(db: &Arc<Db>) -> std::io::Result<Redemptions> {
    GroupCommit::start(Arc::clone(db), "redeem", redeem)
}

/// Marks the handle's `jti` redeemed, then reads the card, in the request's savepoint of the
/// batch: the `jti` is spent even when the card turns out inactive, as the order of checks says.
/// Two redemptions of one `jti`, in one batch or not, see each other: one gets the card.
fn redeem(tx: &rusqlite::Connection, r: &Redemption) -> Result<Redeemed, StoreError> {
    if !replay::redeem(tx, &r.jti, &r.card, r.now)? {
        return Ok(Err(Refusal::Replayed));
    }
    let card = match cards::card(tx, &r.card)? {
        Some(card) if card.user_id == r.sub => card,
        _ => return Ok(Err(Refusal::UnknownCard)),
    };
    if !card.active {
        return Ok(Err(Refusal::Inactive));
    }
    Ok(cards::secrets(tx, &r.card)?
        .map(|secrets| (card, secrets))
        .ok_or(Refusal::UnknownCard))
}

//! The issuer API on the widget origin (docs/wire.md, "Issuer API"): the widget's
//! configuration, the issuer's public keys, and the exchange of a card handle for the card
//! payload. Also the handle minting that the host pages (the issuer's own backend) do at render
//! time.

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
use crate::app::{App, SharedApp};
use crate::clock;
use crate::db::cards::{self, Billing, Card, CardSecrets};
use crate::db::{issuer as replay, StoreError};
use crate::faults::CredentialsFault;
use crate::http::{self, ApiError};
use crate::ids;
use crate::wallet::WALLET_NAME;

/// The issuer id (`iss`) of every handle.
pub const ISSUER_ID: &str = "sandbox-bank";
/// The id of the sandbox wallet, the only one this issuer provisions to.
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
        wallets: vec![SANDBOX_WALLET.to_owned()],
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
/// where the issuer API is and which wallets it offers, each by its discovery document.
async fn widget_config(State(app): State<SharedApp>) -> Response {
    http::json(&serde_json::json!({
        "issuer_api": app.origins.widget,
        "wallets": {
            SANDBOX_WALLET: {
                "name": WALLET_NAME,
                "discovery": format!("{}/.well-known/walletpush.json", app.origins.wallet),
            },
        },
    }))
}

async fn jwks(State(app): State<SharedApp>) -> Response {
    http::json(&app.keys.issuer_jwks().to_value())
}

/// The body of `POST /walletpush/v1/credentials`.
#[derive(Deserialize)]
struct CredentialsRequest {
    handle: String,
    wallet: String,
    sid: String,
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
enum Refusal {
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
    let request = http::parse_json::<CredentialsRequest>(&body)
        .filter(|r| ids::is_token_like(&r.sid, 128) && ids::is_token_like(&r.wallet, 64))
        .ok_or_else(|| {
            ApiError::with_status(
                StatusCode::BAD_REQUEST,
                ErrorCode::IssuerRejected,
                "the body must be JSON {\"handle\", \"wallet\", \"sid\"}",
            )
        })?;
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let claims = authorize(&app, &request, origin, now)?;
    let (card, secrets) = app.db.write(|tx| redeem(tx, &claims, now))??;
    let activation = activation::mint(
        &app.keys.issuer,
        &ActivationClaims {
            card: card.card_ref.clone(),
            sid: request.sid,
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
        &app.keys.issuer_jwks(),
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
    if request.wallet != SANDBOX_WALLET {
        return Err(ApiError::new(
            ErrorCode::IssuerRejected,
            "the sandbox issuer provisions only to the sandbox wallet",
        ));
    }
    Ok(claims)
}

/// Marks the handle's `jti` redeemed, then reads the card, in one transaction: the `jti` is
/// spent even when the card turns out inactive, as the order of checks says.
fn redeem(
    tx: &rusqlite::Connection,
    claims: &HandleClaims,
    now: i64,
) -> Result<Result<(Card, CardSecrets), Refusal>, StoreError> {
    if !replay::redeem(tx, &claims.jti, &claims.card, now)? {
        return Ok(Err(Refusal::Replayed));
    }
    let card = match cards::card(tx, &claims.card)? {
        Some(card) if card.user_id == claims.sub => card,
        _ => return Ok(Err(Refusal::UnknownCard)),
    };
    if !card.active {
        return Ok(Err(Refusal::Inactive));
    }
    Ok(cards::secrets(tx, &claims.card)?
        .map(|secrets| (card, secrets))
        .ok_or(Refusal::UnknownCard))
}

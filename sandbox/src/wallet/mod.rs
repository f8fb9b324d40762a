//! The sandbox wallet on the wallet origin: it speaks `walletpush/1` (docs/design.md §3) with a demo
//! sign-in, a confirmation step, a token vault and a page listing the provisioned cards.
//!
//! - [`discovery`] serves `/.well-known/walletpush.json`, the [`document`];
//! - [`popup`] serves the wallet window of popup mode and the JSON API its page calls;
//! - [`redirect`] serves `POST /provision` of redirect mode and its confirmation;
//! - [`credential`] checks a decrypted credential and the issuer's activation (pure);
//! - [`result`] signs the results the wallet sends back (success, cancel, error);
//! - [`signin`] signs the wallet's demo user in (the vault's listings require it);
//! - [`vault`] keeps pending credentials and tokens, and lists them (`/cards`, `/api/tokens`);
//! - [`pages`] renders the wallet's HTML.
//!
//! The wallet serves registered client origins only ([`is_registered`]): the sandbox's widget
//! origin.

pub mod credential;
pub mod discovery;
pub mod document;
pub mod names;
pub mod pages;
pub mod popup;
pub mod redirect;
pub mod result;
pub mod signin;
pub mod vault;

use axum::Router;
use walletpush::ErrorCode;

use crate::app::{App, SharedApp};
use walletpush_server::http::ApiError;

pub use names::{WALLET_ID, WALLET_NAME};

/// The wallet's routes.
pub fn routes() -> Router<SharedApp> {
    Router::new()
        .merge(discovery::routes())
        .merge(popup::routes())
        .merge(redirect::routes())
        .merge(signin::routes())
        .merge(vault::routes())
}

/// Whether the wallet serves the widget origin `origin` (docs/design.md §3a): it opens
/// sessions, posts and accepts redirect credentials only for its registered client origins.
pub fn is_registered(app: &App, origin: &str) -> bool {
    app.wallet_clients.iter().any(|o| o == origin)
}

/// `WALLET_REJECTED`, 400: the one answer for every credential that fails a check.
pub fn rejected() -> ApiError {
    ApiError::new(
        ErrorCode::WalletRejected,
        "the wallet refused the credential: start again from the card's button",
    )
}

/// `WALLET_REJECTED`, 409: a credential or session used a second time.
pub fn replayed() -> ApiError {
    ApiError::with_status(
        axum::http::StatusCode::CONFLICT,
        ErrorCode::WalletRejected,
        "the wallet already received this credential: start again from the card's button",
    )
}

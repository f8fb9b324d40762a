//! The sandbox wallet on the wallet origin: it speaks `walletpush/1` (DESIGN.md §3) with a demo
//! sign-in, a confirmation step, a token vault and a page listing the provisioned cards.
//!
//! - [`discovery`] serves `/.well-known/walletpush.json`;
//! - [`popup`] serves the wallet window of popup mode and the JSON API its page calls;
//! - [`redirect`] serves `POST /provision` of redirect mode and its confirmation;
//! - [`credential`] checks a decrypted credential (pure);
//! - [`vault`] keeps pending credentials and tokens, and lists them (`/cards`, `/api/tokens`);
//! - [`pages`] renders the wallet's HTML.

pub mod credential;
pub mod discovery;
pub mod names;
pub mod pages;
pub mod popup;
pub mod redirect;
pub mod vault;

use axum::Router;
use serde::Serialize;
use walletpush::ErrorCode;

use crate::app::SharedApp;
use walletpush_server::http::ApiError;

pub use names::{WALLET_ID, WALLET_NAME};

/// The wallet's routes.
pub fn routes() -> Router<SharedApp> {
    Router::new()
        .merge(discovery::routes())
        .merge(popup::routes())
        .merge(redirect::routes())
        .merge(vault::routes())
}

/// The result of an attempt as the wallet reports it: posted to the opener in popup mode
/// (with `type`), carried in the return URL's fragment in redirect mode (docs/wire.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// `success`, `cancelled` or `error`.
    pub status: &'static str,
    /// The token, on success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenRef>,
    /// The error code, on error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// The attempt's correlation id, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cid: Option<String>,
}

/// A token as results name it: never more than its reference and last 4.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenRef {
    /// `tok_...`.
    #[serde(rename = "ref")]
    pub reference: String,
    /// The card's last 4 digits.
    pub last4: String,
}

impl Outcome {
    /// A provisioned token.
    pub fn success(token: TokenRef, cid: Option<String>) -> Outcome {
        Outcome {
            status: "success",
            token: Some(token),
            code: None,
            cid,
        }
    }

    /// The user cancelled.
    pub fn cancelled(cid: Option<String>) -> Outcome {
        Outcome {
            status: "cancelled",
            token: None,
            code: None,
            cid,
        }
    }

    /// The wallet refused.
    pub fn error(code: ErrorCode, cid: Option<String>) -> Outcome {
        Outcome {
            status: "error",
            token: None,
            code: Some(code.as_str()),
            cid,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_serialise_as_the_wire_reference() {
        let token = TokenRef {
            reference: "tok_1".into(),
            last4: "1111".into(),
        };
        let success = serde_json::to_value(Outcome::success(token, Some("c".into()))).unwrap();
        assert_eq!(
            success,
            serde_json::json!({"status":"success","token":{"ref":"tok_1","last4":"1111"},"cid":"c"})
        );
        let error = serde_json::to_value(Outcome::error(ErrorCode::WalletRejected, None)).unwrap();
        assert_eq!(
            error,
            serde_json::json!({"status":"error","code":"WALLET_REJECTED"})
        );
    }
}

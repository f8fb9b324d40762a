//! The wallet's vault: credentials waiting for the user's confirmation, provisioning (one token
//! per session, however often the user confirms), and the listings of provisioned cards, for
//! the signed-in user only.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::json;

use super::credential::Accepted;
use super::{pages, signin};
use crate::app::SharedApp;
use crate::db::wallet::{self as store, Pending, Token};
use crate::db::{Db, StoreError};
use walletpush_server::http::{self, ApiError};
use walletpush_server::{clock, ids};

/// How long a decrypted credential waits for the user's confirmation, in seconds.
pub const CONFIRM_WINDOW: i64 = 600;

/// The vault's routes: the page and the JSON array of provisioned cards, newest first.
pub fn routes() -> Router<SharedApp> {
    Router::new()
        .route("/cards", get(cards_page))
        .route("/api/tokens", get(tokens_json))
}

/// What [`hold`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    /// The credential waits for confirmation.
    Stored,
    /// Its nonce was seen before: a replay.
    Replayed,
}

/// Records the credential's nonce and keeps its display data until the user confirms, in one
/// transaction.
pub fn hold(
    db: &Db,
    sid: &str,
    accepted: &Accepted,
    return_url: Option<&str>,
    now: i64,
) -> Result<Held, StoreError> {
    db.write(|tx| {
        if !store::note_nonce(tx, &accepted.nonce, now)? {
            return Ok(Held::Replayed);
        }
        store::purge_expired(tx, now)?;
        store::insert_pending(
            tx,
            &Pending {
                sid: sid.to_owned(),
                card: accepted.card.clone(),
                display: accepted.display.clone(),
                cid: accepted.cid.clone(),
                return_url: return_url.map(str::to_owned),
                exp: now + CONFIRM_WINDOW,
            },
        )?;
        Ok(Held::Stored)
    })
}

/// Provisions the pending credential of `sid`, or returns the token already provisioned for
/// it: confirming twice gives one token. `None` when there is nothing to confirm.
pub fn provision(db: &Db, sid: &str, now: i64) -> Result<Option<Token>, StoreError> {
    db.write(|tx| {
        if let Some(token) = store::token_by_sid(tx, sid)? {
            return Ok(Some(token));
        }
        let Some(pending) = store::take_pending(tx, sid)?.filter(|p| p.exp > now) else {
            return Ok(None);
        };
        let token = Token {
            reference: ids::random("tok_"),
            sid: pending.sid,
            card: pending.card,
            display: pending.display,
            cid: pending.cid,
            return_url: pending.return_url,
            created: now,
        };
        store::insert_token(tx, &token)?;
        Ok(Some(token))
    })
}

/// Drops the pending credential of `sid` (the user cancelled) and returns it.
pub fn cancel(db: &Db, sid: &str) -> Result<Option<Pending>, StoreError> {
    db.write(|tx| store::take_pending(tx, sid))
}

async fn cards_page(
    State(app): State<SharedApp>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if !signin::is_signed_in(&app, &headers)? {
        return Ok(http::page(
            StatusCode::UNAUTHORIZED,
            &app.csp.wallet,
            pages::signin_first(),
        ));
    }
    let tokens = app.db.read(store::tokens)?;
    Ok(http::page(
        StatusCode::OK,
        &app.csp.wallet,
        pages::cards(&tokens),
    ))
}

async fn tokens_json(
    State(app): State<SharedApp>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if !signin::is_signed_in(&app, &headers)? {
        return Ok(signin::unauthorized());
    }
    let tokens = app.db.read(store::tokens)?;
    let list: Vec<_> = tokens
        .iter()
        .map(|t| {
            json!({
                "ref": t.reference,
                "card": t.card,
                "product": t.display.product,
                "network": t.display.network,
                "last4": t.display.last4,
                "cid": t.cid,
                "created": t.created,
                "created_utc": clock::format_utc(t.created),
            })
        })
        .collect();
    Ok(http::json(&list))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::test_support::temp_db;
    use walletpush::handle::CardDisplay;

    fn accepted(nonce: &str) -> Accepted {
        Accepted {
            nonce: nonce.into(),
            card: "gift-1".into(),
            display: CardDisplay {
                last4: "1111".into(),
                network: "visa".into(),
                product: "Gift card".into(),
                art: None,
            },
            cid: None,
        }
    }

    #[test]
    fn a_nonce_is_held_once() {
        let (_dir, db) = temp_db();
        assert_eq!(
            hold(&db, "s1", &accepted("n1"), None, 10).unwrap(),
            Held::Stored
        );
        assert_eq!(
            hold(&db, "s2", &accepted("n1"), None, 10).unwrap(),
            Held::Replayed
        );
    }

    #[test]
    fn confirming_twice_gives_one_token() {
        let (_dir, db) = temp_db();
        hold(&db, "s1", &accepted("n1"), None, 10).unwrap();
        let first = provision(&db, "s1", 11).unwrap().unwrap();
        let again = provision(&db, "s1", 12).unwrap().unwrap();
        assert_eq!(first, again);
        assert!(first.reference.starts_with("tok_"));
        assert_eq!(db.read(store::tokens).unwrap().len(), 1);
        assert_eq!(provision(&db, "other", 12).unwrap(), None);
    }

    #[test]
    fn late_or_cancelled_credentials_are_not_provisioned() {
        let (_dir, db) = temp_db();
        hold(&db, "s1", &accepted("n1"), None, 10).unwrap();
        assert_eq!(provision(&db, "s1", 10 + CONFIRM_WINDOW).unwrap(), None);
        hold(&db, "s2", &accepted("n2"), Some("http://h/"), 10).unwrap();
        let cancelled = cancel(&db, "s2").unwrap().unwrap();
        assert_eq!(cancelled.return_url.as_deref(), Some("http://h/"));
        assert_eq!(provision(&db, "s2", 11).unwrap(), None);
    }
}

//! The sandbox wallet's state: popup sessions (with their one-use private keys), the replay
//! records (used session ids, seen nonces), credentials waiting for the user's confirmation, and
//! the token vault.

use rusqlite::{params, Connection, OptionalExtension, Row};
use walletpush::handle::CardDisplay;
use zeroize::Zeroizing;

use super::StoreError;

/// A popup session: the private half of its session key lives here until its one use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    /// The session id (the JWE's `apv`).
    pub sid: String,
    /// The session key's id (the JWE's `kid`).
    pub kid: String,
    /// The private session key as JWK JSON.
    pub jwk: Zeroizing<String>,
    /// The widget origin the session was made for (the JWE's `apu`).
    pub client_origin: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
}

/// What [`take_session`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Taken {
    /// The session, now deleted from the store: the caller holds the only copy of its key.
    Session(SessionRow),
    /// The session id was used before: a replay.
    Used,
    /// No such live session.
    Unknown,
}

/// A decrypted credential waiting for the user's confirmation. Holds display data only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// The session id.
    pub sid: String,
    /// The issuer's card reference, from the activation token.
    pub card: String,
    /// What the confirmation shows.
    pub display: CardDisplay,
    /// The attempt's correlation id.
    pub cid: Option<String>,
    /// Where redirect mode sends the user back; `None` in popup mode.
    pub return_url: Option<String>,
    /// Until when the user may confirm.
    pub exp: i64,
}

/// A provisioned token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// The token reference (`tok_...`).
    pub reference: String,
    /// The session it was provisioned in.
    pub sid: String,
    /// The issuer's card reference.
    pub card: String,
    /// Product, network, last 4, art.
    pub display: CardDisplay,
    /// The attempt's correlation id.
    pub cid: Option<String>,
    /// Redirect mode's return URL, to answer a repeated confirmation the same way.
    pub return_url: Option<String>,
    /// Provisioning time, seconds since the epoch.
    pub created: i64,
}

/// Stores a new popup session.
pub fn insert_session(conn: &Connection, session: &SessionRow) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO wallet_sessions (sid, kid, jwk, client_origin, exp)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            session.sid,
            session.kid,
            session.jwk.as_str(),
            session.client_origin,
            session.exp
        ],
    )?;
    Ok(())
}

/// Takes a session out of the store for its one decryption: deletes its row (and so its private
/// key) and records its id as used. Expired sessions are deleted and reported as unknown.
pub fn take_session(conn: &Connection, sid: &str, now: i64) -> Result<Taken, StoreError> {
    if !mark_sid_used(conn, sid, now)? {
        return Ok(Taken::Used);
    }
    let row = conn
        .query_row(
            "SELECT sid, kid, jwk, client_origin, exp FROM wallet_sessions WHERE sid = ?1",
            [sid],
            |r| {
                Ok(SessionRow {
                    sid: r.get(0)?,
                    kid: r.get(1)?,
                    jwk: Zeroizing::new(r.get(2)?),
                    client_origin: r.get(3)?,
                    exp: r.get(4)?,
                })
            },
        )
        .optional()?;
    conn.execute("DELETE FROM wallet_sessions WHERE sid = ?1", [sid])?;
    Ok(match row {
        Some(row) if row.exp > now => Taken::Session(row),
        _ => Taken::Unknown,
    })
}

/// Records a session id as used; `false` when it already was.
pub fn mark_sid_used(conn: &Connection, sid: &str, now: i64) -> Result<bool, StoreError> {
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO used_sids (sid, used_at) VALUES (?1, ?2)",
        params![sid, now],
    )?;
    Ok(inserted == 1)
}

/// Records a credential nonce; `false` when it was seen before.
pub fn note_nonce(conn: &Connection, nonce: &str, now: i64) -> Result<bool, StoreError> {
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO seen_nonces (nonce, seen_at) VALUES (?1, ?2)",
        params![nonce, now],
    )?;
    Ok(inserted == 1)
}

/// Stores a credential waiting for confirmation.
pub fn insert_pending(conn: &Connection, pending: &Pending) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO pending (sid, card, product, network, last4, art, cid, return_url, exp)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            pending.sid,
            pending.card,
            pending.display.product,
            pending.display.network,
            pending.display.last4,
            pending.display.art,
            pending.cid,
            pending.return_url,
            pending.exp
        ],
    )?;
    Ok(())
}

/// Removes and returns the pending credential of `sid`, expired or not.
pub fn take_pending(conn: &Connection, sid: &str) -> Result<Option<Pending>, StoreError> {
    let pending = conn
        .query_row(
            "SELECT sid, card, product, network, last4, art, cid, return_url, exp
             FROM pending WHERE sid = ?1",
            [sid],
            |r| {
                Ok(Pending {
                    sid: r.get(0)?,
                    card: r.get(1)?,
                    display: display_from_row(r, 2)?,
                    cid: r.get(6)?,
                    return_url: r.get(7)?,
                    exp: r.get(8)?,
                })
            },
        )
        .optional()?;
    conn.execute("DELETE FROM pending WHERE sid = ?1", [sid])?;
    Ok(pending)
}

/// Stores a provisioned token.
pub fn insert_token(conn: &Connection, token: &Token) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO tokens (ref, sid, card, product, network, last4, art, cid, return_url, created)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            token.reference,
            token.sid,
            token.card,
            token.display.product,
            token.display.network,
            token.display.last4,
            token.display.art,
            token.cid,
            token.return_url,
            token.created
        ],
    )?;
    Ok(())
}

/// The token provisioned in session `sid`, if any.
pub fn token_by_sid(conn: &Connection, sid: &str) -> Result<Option<Token>, StoreError> {
    let token = conn
        .query_row(
            &format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE sid = ?1"),
            [sid],
            token_from_row,
        )
        .optional()?;
    Ok(token)
}

/// Every token, newest first.
pub fn tokens(conn: &Connection) -> Result<Vec<Token>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY created DESC, rowid DESC"
    ))?;
    let tokens = stmt
        .query_map([], token_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(tokens)
}

/// Records a sign-in of the wallet's demo user, valid until `exp`.
pub fn insert_signin(conn: &Connection, id: &str, exp: i64) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM wallet_signins WHERE exp <= ?1",
        [exp - SIGNIN_PURGE_AGE],
    )?;
    conn.execute(
        "INSERT INTO wallet_signins (id, exp) VALUES (?1, ?2)",
        params![id, exp],
    )?;
    Ok(())
}

/// Whether sign-in `id` is live at `now`.
pub fn is_signed_in(conn: &Connection, id: &str, now: i64) -> Result<bool, StoreError> {
    let exp: Option<i64> = conn
        .query_row("SELECT exp FROM wallet_signins WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(exp.is_some_and(|exp| exp > now))
}

/// Sign-ins expired this long before a new one's expiry are deleted when it is stored.
const SIGNIN_PURGE_AGE: i64 = 86_400;

/// Deletes sessions and pending credentials whose time is over. Replay records stay forever.
pub fn purge_expired(conn: &Connection, now: i64) -> Result<(), StoreError> {
    conn.execute("DELETE FROM wallet_sessions WHERE exp <= ?1", [now])?;
    conn.execute("DELETE FROM pending WHERE exp <= ?1", [now])?;
    Ok(())
}

const TOKEN_COLUMNS: &str =
    "ref, sid, card, product, network, last4, art, cid, return_url, created";

fn token_from_row(r: &Row<'_>) -> rusqlite::Result<Token> {
    Ok(Token {
        reference: r.get(0)?,
        sid: r.get(1)?,
        card: r.get(2)?,
        display: display_from_row(r, 3)?,
        cid: r.get(7)?,
        return_url: r.get(8)?,
        created: r.get(9)?,
    })
}

/// Reads `product, network, last4, art` starting at column `first`.
fn display_from_row(r: &Row<'_>, first: usize) -> rusqlite::Result<CardDisplay> {
    Ok(CardDisplay {
        product: r.get(first)?,
        network: r.get(first + 1)?,
        last4: r.get(first + 2)?,
        art: r.get(first + 3)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::test_support::temp_db;

    fn session(sid: &str, exp: i64) -> SessionRow {
        SessionRow {
            sid: sid.into(),
            kid: "k".into(),
            jwk: Zeroizing::new("{}".into()),
            client_origin: "http://127.0.0.1:8081".into(),
            exp,
        }
    }

    fn display() -> CardDisplay {
        CardDisplay {
            last4: "1111".into(),
            network: "visa".into(),
            product: "Gift card".into(),
            art: None,
        }
    }

    #[test]
    fn a_session_key_is_taken_once() {
        let (_dir, db) = temp_db();
        db.write(|tx| insert_session(tx, &session("s1", 100)))
            .unwrap();
        let first = db.write(|tx| take_session(tx, "s1", 10)).unwrap();
        assert_eq!(first, Taken::Session(session("s1", 100)));
        assert_eq!(
            db.write(|tx| take_session(tx, "s1", 10)).unwrap(),
            Taken::Used
        );
        assert_eq!(
            db.write(|tx| take_session(tx, "nope", 10)).unwrap(),
            Taken::Unknown
        );
    }

    #[test]
    fn an_expired_session_is_unknown_and_gone() {
        let (_dir, db) = temp_db();
        db.write(|tx| insert_session(tx, &session("s1", 100)))
            .unwrap();
        assert_eq!(
            db.write(|tx| take_session(tx, "s1", 100)).unwrap(),
            Taken::Unknown
        );
        let left: i64 = db
            .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM wallet_sessions", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(left, 0);
    }

    #[test]
    fn sign_ins_last_until_they_expire() {
        let (_dir, db) = temp_db();
        db.write(|tx| insert_signin(tx, "w1", 100)).unwrap();
        assert!(db.read(|c| is_signed_in(c, "w1", 99)).unwrap());
        assert!(!db.read(|c| is_signed_in(c, "w1", 100)).unwrap());
        assert!(!db.read(|c| is_signed_in(c, "other", 1)).unwrap());
    }

    #[test]
    fn nonces_are_accepted_once() {
        let (_dir, db) = temp_db();
        assert!(db.write(|tx| note_nonce(tx, "n1", 1)).unwrap());
        assert!(!db.write(|tx| note_nonce(tx, "n1", 2)).unwrap());
    }

    #[test]
    fn pending_becomes_a_token() {
        let (_dir, db) = temp_db();
        let pending = Pending {
            sid: "s1".into(),
            card: "c1".into(),
            display: display(),
            cid: Some("cid".into()),
            return_url: None,
            exp: 100,
        };
        db.write(|tx| insert_pending(tx, &pending)).unwrap();
        let taken = db.write(|tx| take_pending(tx, "s1")).unwrap();
        assert_eq!(taken, Some(pending));
        assert_eq!(db.write(|tx| take_pending(tx, "s1")).unwrap(), None);
        let token = Token {
            reference: "tok_1".into(),
            sid: "s1".into(),
            card: "c1".into(),
            display: display(),
            cid: None,
            return_url: None,
            created: 5,
        };
        db.write(|tx| insert_token(tx, &token)).unwrap();
        assert_eq!(
            db.read(|c| token_by_sid(c, "s1")).unwrap(),
            Some(token.clone())
        );
        assert_eq!(db.read(tokens).unwrap(), vec![token]);
    }

    #[test]
    fn purge_drops_expired_sessions_and_pending() {
        let (_dir, db) = temp_db();
        db.write(|tx| insert_session(tx, &session("old", 5)))
            .unwrap();
        db.write(|tx| insert_session(tx, &session("new", 50)))
            .unwrap();
        db.write(|tx| purge_expired(tx, 10)).unwrap();
        assert_eq!(
            db.write(|tx| take_session(tx, "old", 1)).unwrap(),
            Taken::Unknown
        );
        assert!(matches!(
            db.write(|tx| take_session(tx, "new", 1)).unwrap(),
            Taken::Session(_)
        ));
    }
}

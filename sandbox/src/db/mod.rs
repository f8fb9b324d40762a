//! The sandbox's state: one SQLite file in WAL mode, created on first start.
//!
//! Every change runs in one `IMMEDIATE` transaction that commits before the HTTP answer is sent,
//! with `synchronous = FULL`, so a state change the client was told about survives a SIGKILL (and
//! a power cut). The submodules hold the SQL of each area as plain functions over a
//! [`Connection`]; the callers compose them inside [`Db::write`].

pub mod cards;
pub mod group_commit;
pub mod issuer;
pub mod keys;
pub mod wallet;

use core::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{Connection, Transaction, TransactionBehavior};

/// The file name of the state inside the data directory.
pub const FILE_NAME: &str = "walletpush-sandbox.sqlite";

/// The store failed (I/O, a bug in a query, data that does not parse). Never carries card data:
/// SQLite's messages name tables and constraints, not values.
#[derive(Debug)]
pub enum StoreError {
    /// SQLite refused.
    Sqlite(rusqlite::Error),
    /// A stored value does not parse (a key, an address): names what.
    Corrupt(&'static str),
    /// The transaction of a group commit failed, so did every request in it
    /// ([`group_commit`]): the cause, shared by all of them.
    Batch(Arc<StoreError>),
    /// SQLite ended a transaction on its own (after some I/O errors) before it was done.
    RolledBack,
    /// A group commit's writer is gone (shutting down, or it failed on this request's batch).
    WriterStopped,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Sqlite(e) => write!(f, "store: {e}"),
            StoreError::Corrupt(what) => write!(f, "store: {what} does not parse"),
            StoreError::Batch(cause) => write!(f, "{cause} (the whole batch failed)"),
            StoreError::RolledBack => write!(f, "store: SQLite rolled the transaction back"),
            StoreError::WriterStopped => write!(f, "store: the writer has stopped"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Sqlite(e)
    }
}

/// The connection, shared by all handlers.
///
/// One connection behind a mutex: the sandbox serves one tester at a time, every statement is a
/// few microseconds on a local file, and one writer is what SQLite allows anyway.
#[derive(Debug)]
pub struct Db {
    conn: Mutex<Connection>,
}

impl Db {
    /// Opens (or creates) the state file at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Db, StoreError> {
        let conn = Connection::open(path)?;
        configure(&conn)?;
        conn.execute_batch(SCHEMA)?;
        Ok(Db {
            conn: Mutex::new(conn),
        })
    }

    /// Runs `f` in one `IMMEDIATE` transaction and commits when it returns `Ok`; rolls back
    /// otherwise. Domain outcomes ("already redeemed") belong in `T`, so they commit too.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // A poisoned lock means a handler panicked mid-transaction; dropping its `Transaction`
        // rolled it back, so the connection is consistent and usable.
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs read-only queries.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        f(&conn)
    }
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt("the journal mode (WAL is required)"));
    }
    // FULL: the WAL is synced at every commit, so an answered request is on disk.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

/// The schema. `IF NOT EXISTS` everywhere: opening is idempotent.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS users (
    id      TEXT PRIMARY KEY,
    portal  TEXT NOT NULL,
    name    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cards (
    ref        TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    product    TEXT NOT NULL,
    network    TEXT NOT NULL,
    pan        TEXT NOT NULL,
    exp_month  INTEGER NOT NULL,
    exp_year   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    billing    TEXT NOT NULL,
    art        TEXT NOT NULL,
    active     INTEGER NOT NULL,
    position   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS host_sessions (
    id       TEXT PRIMARY KEY,
    user_id  TEXT NOT NULL REFERENCES users(id),
    created  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS keys (
    kid      TEXT PRIMARY KEY,
    role     TEXT NOT NULL,
    jwk      TEXT NOT NULL,
    created  INTEGER NOT NULL,
    exp      INTEGER
);
CREATE TABLE IF NOT EXISTS redeemed_handles (
    jti          TEXT PRIMARY KEY,
    card         TEXT NOT NULL,
    redeemed_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS wallet_sessions (
    sid            TEXT PRIMARY KEY,
    kid            TEXT NOT NULL,
    jwk            TEXT NOT NULL,
    client_origin  TEXT NOT NULL,
    exp            INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS used_sids (
    sid      TEXT PRIMARY KEY,
    used_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS seen_nonces (
    nonce    TEXT PRIMARY KEY,
    seen_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS pending (
    sid         TEXT PRIMARY KEY,
    card        TEXT NOT NULL,
    product     TEXT NOT NULL,
    network     TEXT NOT NULL,
    last4       TEXT NOT NULL,
    art         TEXT,
    cid         TEXT,
    return_url  TEXT,
    exp         INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    ref         TEXT PRIMARY KEY,
    sid         TEXT NOT NULL UNIQUE,
    card        TEXT NOT NULL,
    product     TEXT NOT NULL,
    network     TEXT NOT NULL,
    last4       TEXT NOT NULL,
    art         TEXT,
    cid         TEXT,
    return_url  TEXT,
    created     INTEGER NOT NULL
);
PRAGMA user_version = 1;
";

#[cfg(test)]
pub(crate) mod test_support {
    use super::Db;

    /// A store in a fresh temporary directory, kept alive by the returned guard.
    pub fn temp_db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join(super::FILE_NAME)).unwrap();
        (dir, db)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_in_wal_mode_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let db = Db::open(&path).unwrap();
        let mode: String = db
            .read(|c| Ok(c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(mode, "wal");
        drop(db);
        Db::open(&path).unwrap();
    }

    #[test]
    fn a_failed_write_rolls_back() {
        let (_dir, db) = test_support::temp_db();
        let result: Result<(), StoreError> = db.write(|tx| {
            tx.execute("INSERT INTO used_sids VALUES ('s', 1)", [])?;
            Err(StoreError::Corrupt("test"))
        });
        assert!(result.is_err());
        let count: i64 = db
            .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM used_sids", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(count, 0);
    }
}

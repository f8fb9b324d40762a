//! The sandbox's state: one SQLite file in WAL mode, created on first start, through the
//! server's [`Db`] (every change commits before the answer, `synchronous = FULL`). The
//! submodules hold the SQL of each area as plain functions over a connection; the callers
//! compose them inside [`Db::write`].

pub mod cards;
pub mod keys;
pub mod portal;
pub mod wallet;

use std::path::Path;

pub use walletpush_server::store::db::Db;
pub use walletpush_server::store::StoreError;

/// The file name of the state inside the data directory.
pub const FILE_NAME: &str = "walletpush-sandbox.sqlite";

/// Opens (or creates) the sandbox's state file at `path` and brings its schema up to date. The
/// server's own tables ([`walletpush_server::store::sqlite`]) live in the same file.
pub fn open(path: &Path) -> Result<Db, StoreError> {
    Db::open(path, SCHEMA)
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
DROP TABLE IF EXISTS host_sessions;
CREATE TABLE IF NOT EXISTS portal_sessions (
    id       TEXT PRIMARY KEY,
    portal   TEXT NOT NULL,
    user_id  TEXT REFERENCES users(id),
    csrf     TEXT NOT NULL,
    binding  TEXT,
    created  INTEGER NOT NULL,
    seen     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS hook_binding (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    value  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS wallet_signins (
    id       TEXT PRIMARY KEY,
    exp      INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS keys (
    kid      TEXT PRIMARY KEY,
    role     TEXT NOT NULL,
    jwk      TEXT NOT NULL,
    created  INTEGER NOT NULL,
    exp      INTEGER
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
PRAGMA user_version = 2;
";

#[cfg(test)]
pub(crate) mod test_support {
    use super::Db;

    /// A store in a fresh temporary directory, kept alive by the returned guard.
    pub fn temp_db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = super::open(&dir.path().join(super::FILE_NAME)).unwrap();
        (dir, db)
    }
}

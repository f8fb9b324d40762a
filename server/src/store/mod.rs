//! The server's state behind one interface, [`Store`] (docs/design.md §9): the single use of
//! each card handle, and the audit record of each redemption that reached the card source. [`sqlite::SqliteStore`] is the implementation for one instance; another
//! implementation (a database shared by several instances) implements the same trait, with the
//! same rule: two redemptions of one `jti`, on any instance, give exactly one `true`.

pub mod db;
pub mod group_commit;
pub mod sqlite;

use core::fmt;
use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::clock;

/// How long a redeemed `jti` is kept: well beyond a handle's longest life (300 s) and any clock
/// skew, after which its handle is refused as expired anyway.
pub const REDEMPTION_RETENTION: i64 = 3600;

/// Purges the redemptions older than [`REDEMPTION_RETENTION`] every `every`, for as long as the
/// server runs. A failure is logged and tried again next time.
pub async fn purge_periodically(store: Arc<dyn Store>, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) = store.purge(clock::now() - REDEMPTION_RETENTION).await {
            let _ = std::io::stderr().write_all(format!("error: purge: {e}\n").as_bytes());
        }
    }
}

/// A boxed future, so that the traits of the server can be used as `dyn` objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the audit keeps of one redemption attempt that reached the card source
/// (docs/design.md §9): never card data beyond the issuer's opaque reference. A handle is spent
/// by storing its record ([`Store::redeem`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// The handle's `jti`.
    pub jti: String,
    /// The handle's `card` reference.
    pub card: String,
    /// The wallet the card was for.
    pub wallet: String,
    /// The attempt's correlation id, if the request had a well-formed one.
    pub cid: Option<String>,
    /// The client's address as the server saw it (a proxy's, behind one).
    pub client: Option<String>,
    /// `released` (card data went to the widget), `credential` (an adapter wallet's credential
    /// went out, no card data), or the error code the request was answered with
    /// (`HANDLE_REPLAYED` when [`Store::redeem`] found the `jti` spent).
    pub outcome: String,
    /// Seconds since the epoch.
    pub at: i64,
}

/// Where the server keeps its state.
pub trait Store: Send + Sync + fmt::Debug {
    /// Spends the handle `record.jti` and keeps `record`, in one transaction: `true` if the
    /// `jti` was not spent before. If it was, nothing is spent and the record is kept with the
    /// outcome `HANDLE_REPLAYED`. Answers only once it is durable: a handle answered once is
    /// never answered again, even after a crash, and every answer has its record.
    fn redeem(&self, record: AuditRecord) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// Whether the handle `jti` was spent: the issuer API reads it before it asks the card
    /// source, so that a replay costs no card lookup. Only [`Store::redeem`] decides: two
    /// redemptions that both read `false` still spend the handle once.
    fn redeemed<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Keeps an audit record of an attempt that spent nothing (the card source did not
    /// answer); answers once it is durable.
    fn record(&self, record: AuditRecord) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Forgets the redemptions made before `before` (seconds since the epoch): a handle lives
    /// at most 300 s, so an old `jti` can never be presented again with a valid signature.
    /// Returns how many were removed. Audit records are kept.
    fn purge(&self, before: i64) -> BoxFuture<'_, Result<usize, StoreError>>;

    /// Whether the store answers (`/readyz`).
    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>>;
}

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

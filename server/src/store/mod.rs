//! The server's state behind one interface, [`Store`] (docs/design.md §9): today the single use
//! of each card handle. [`sqlite::SqliteStore`] is the implementation for one instance; another
//! implementation (a database shared by several instances) implements the same trait, with the
//! same rule: two redemptions of one `jti`, on any instance, give exactly one `true`.

pub mod db;
pub mod group_commit;
pub mod sqlite;

use core::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A boxed future, so that the traits of the server can be used as `dyn` objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A card handle's single use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redemption {
    /// The handle's `jti`.
    pub jti: String,
    /// The handle's `card` (kept beside the `jti` for the record).
    pub card: String,
    /// Seconds since the epoch.
    pub now: i64,
}

/// Where the server keeps its state.
pub trait Store: Send + Sync + fmt::Debug {
    /// Marks the handle's `jti` redeemed: `true` if it was not before. Answers only once the
    /// mark is durable, so a handle that was answered once is never answered again, even after
    /// a crash.
    fn redeem(&self, redemption: Redemption) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// Forgets a redemption that could not be completed for a reason that was not the client's
    /// (the card source did not answer), so that the same handle can be tried again.
    fn release<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
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

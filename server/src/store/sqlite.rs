//! The [`Store`] in one SQLite file ([`Db`]): [`SqliteStore`]. Handle redemptions go through a group commit ([`GroupCommit`]): the requests
//! waiting at one moment share one transaction, hence one WAL sync.

use std::path::Path;
use std::sync::Arc;

use rusqlite::{params, Connection};

use super::db::Db;
use super::group_commit::GroupCommit;
use super::{BoxFuture, Redemption, Store, StoreError};

/// The server's tables. `IF NOT EXISTS`: opening is idempotent, and the tables may share a file
/// with those of a program that embeds the server.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS redeemed_handles (
    jti          TEXT PRIMARY KEY,
    card         TEXT NOT NULL,
    redeemed_at  INTEGER NOT NULL
);
";

/// The handle redemptions on SQLite: a group-commit writer over one [`Db`].
#[derive(Debug)]
pub struct SqliteStore {
    db: Arc<Db>,
    redemptions: GroupCommit<Redemption, bool>,
}

impl SqliteStore {
    /// Opens (or creates) the store file at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::on(Arc::new(Db::open(path, "")?))
    }

    /// The store on an open database (shared with the program that embeds the server): creates
    /// the server's tables if missing and starts the writer.
    pub fn on(db: Arc<Db>) -> Result<SqliteStore, StoreError> {
        db.write(|tx| Ok(tx.execute_batch(SCHEMA)?))?;
        let redemptions = GroupCommit::start(Arc::clone(&db), "redeem", redeem)
            .map_err(|_| StoreError::WriterStopped)?;
        Ok(SqliteStore { db, redemptions })
    }

    /// The database.
    pub fn db(&self) -> &Arc<Db> {
        &self.db
    }
}

impl Store for SqliteStore {
    fn redeem(&self, redemption: Redemption) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(self.redemptions.submit(redemption))
    }

    fn release<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let db = Arc::clone(&self.db);
            let jti = jti.to_owned();
            tokio::task::spawn_blocking(move || db.write(|tx| release(tx, &jti)))
                .await
                .map_err(|_| StoreError::WriterStopped)?
        })
    }
}

/// Marks `jti` as redeemed for `card`; `false` when it already was. Run in the transaction that
/// decides the answer, so that two concurrent redemptions cannot both see it unused.
fn redeem(conn: &Connection, r: &Redemption) -> Result<bool, StoreError> {
    // Cached: every credential exchange runs it.
    let inserted = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO redeemed_handles (jti, card, redeemed_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![r.jti, r.card, r.now])?;
    Ok(inserted == 1)
}

fn release(conn: &Connection, jti: &str) -> Result<(), StoreError> {
    conn.execute("DELETE FROM redeemed_handles WHERE jti = ?1", [jti])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::db::test_support::temp_db;

    fn redemption(jti: &str, now: i64) -> Redemption {
        Redemption {
            jti: jti.into(),
            card: "c1".into(),
            now,
        }
    }

    #[test]
    fn a_jti_is_redeemed_once() {
        let (_dir, db) = temp_db();
        db.write(|tx| Ok(tx.execute_batch(SCHEMA)?)).unwrap();
        assert!(db.write(|tx| redeem(tx, &redemption("j1", 1))).unwrap());
        assert!(!db.write(|tx| redeem(tx, &redemption("j1", 2))).unwrap());
        assert!(db.write(|tx| redeem(tx, &redemption("j2", 2))).unwrap());
    }

    #[tokio::test]
    async fn the_store_redeems_once_and_releases() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("server.sqlite")).unwrap();
        assert!(store.redeem(redemption("j1", 1)).await.unwrap());
        assert!(!store.redeem(redemption("j1", 2)).await.unwrap());
        store.release("j1").await.unwrap();
        assert!(store.redeem(redemption("j1", 3)).await.unwrap());
    }
}

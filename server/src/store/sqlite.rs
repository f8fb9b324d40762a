//! The [`Store`] in one SQLite file ([`Db`]): [`SqliteStore`]. Handle redemptions go through a group commit ([`GroupCommit`]): the requests
//! waiting at one moment share one transaction, hence one WAL sync.

use std::path::Path;
use std::sync::Arc;

use rusqlite::{params, Connection};

use super::db::Db;
use super::group_commit::GroupCommit;
use super::{AuditRecord, BoxFuture, Store, StoreError};

/// The server's tables. `IF NOT EXISTS`: opening is idempotent, and the tables may share a file
/// with those of a program that embeds the server.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS redeemed_handles (
    jti          TEXT PRIMARY KEY,
    card         TEXT NOT NULL,
    redeemed_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS redeemed_handles_at ON redeemed_handles (redeemed_at);
CREATE TABLE IF NOT EXISTS audit (
    id       INTEGER PRIMARY KEY,
    jti      TEXT NOT NULL,
    card     TEXT NOT NULL,
    wallet   TEXT NOT NULL,
    cid      TEXT,
    client   TEXT,
    outcome  TEXT NOT NULL,
    at       INTEGER NOT NULL
);
";

/// The store on SQLite: one group-commit writer over one [`Db`] takes the redemptions and the
/// audit records, so that those of concurrent requests share a transaction.
#[derive(Debug)]
pub struct SqliteStore {
    db: Arc<Db>,
    writes: GroupCommit<Write, bool>,
}

/// A write of the group commit.
#[derive(Debug)]
pub enum Write {
    /// Spends a `jti` and keeps its record: `true` if it was not spent.
    Redeem(AuditRecord),
    /// Keeps an audit record.
    Record(AuditRecord),
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
        let writes = GroupCommit::start(Arc::clone(&db), "store-writer", write)
            .map_err(|_| StoreError::WriterStopped)?;
        Ok(SqliteStore { db, writes })
    }

    /// The database.
    pub fn db(&self) -> &Arc<Db> {
        &self.db
    }
}

impl Store for SqliteStore {
    fn redeem(&self, record: AuditRecord) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(self.writes.submit(Write::Redeem(record)))
    }

    fn redeemed<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        let jti = jti.to_owned();
        Box::pin(self.blocking(move |db| {
            db.read(|c| {
                let found = c
                    .prepare_cached("SELECT 1 FROM redeemed_handles WHERE jti = ?1")?
                    .exists([&jti])?;
                Ok(found)
            })
        }))
    }

    fn record(&self, record: AuditRecord) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            self.writes.submit(Write::Record(record)).await?;
            Ok(())
        })
    }

    fn purge(&self, before: i64) -> BoxFuture<'_, Result<usize, StoreError>> {
        Box::pin(self.blocking(move |db| db.write(|tx| purge(tx, before))))
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(self.blocking(|db| {
            db.read(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))?;
            Ok(())
        }))
    }
}

impl SqliteStore {
    /// Runs `f` on the database off the async workers: it may wait for the writer's lock.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Db) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || f(&db))
            .await
            .map_err(|_| StoreError::WriterStopped)?
    }
}

/// One write of a batch.
fn write(conn: &Connection, w: &Write) -> Result<bool, StoreError> {
    match w {
        Write::Redeem(r) => redeem(conn, r),
        Write::Record(a) => record(conn, a).map(|()| true),
    }
}

/// Spends `r.jti` and keeps `r`, or keeps `r` as `HANDLE_REPLAYED` if the `jti` was spent: in
/// the request's savepoint of the batch, so that two redemptions of one `jti`, in one batch or
/// not, see each other and one gets `true`.
fn redeem(conn: &Connection, r: &AuditRecord) -> Result<bool, StoreError> {
    // Cached: every credential exchange runs it.
    let inserted = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO redeemed_handles (jti, card, redeemed_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![r.jti, r.card, r.at])?;
    let fresh = inserted == 1;
    if fresh {
        record(conn, r)?;
    } else {
        record(
            conn,
            &AuditRecord {
                outcome: "HANDLE_REPLAYED".to_owned(),
                ..r.clone()
            },
        )?;
    }
    Ok(fresh)
}

fn record(conn: &Connection, a: &AuditRecord) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO audit (jti, card, wallet, cid, client, outcome, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        a.jti, a.card, a.wallet, a.cid, a.client, a.outcome, a.at
    ])?;
    Ok(())
}

fn purge(conn: &Connection, before: i64) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "DELETE FROM redeemed_handles WHERE redeemed_at < ?1",
        [before],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::db::test_support::temp_db;

    fn redemption(jti: &str, at: i64) -> AuditRecord {
        AuditRecord {
            jti: jti.into(),
            card: "c1".into(),
            wallet: "sandbox".into(),
            cid: Some("cid-1".into()),
            client: Some("127.0.0.1:5000".into()),
            outcome: "released".into(),
            at,
        }
    }

    fn count(store: &SqliteStore, sql: &str) -> i64 {
        store
            .db()
            .read(|c| Ok(c.query_row(sql, [], |r| r.get(0))?))
            .unwrap()
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
    async fn redeems_once_records_every_attempt_purges_and_pings() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("server.sqlite")).unwrap();
        store.ping().await.unwrap();
        assert!(store.redeem(redemption("old", 100)).await.unwrap());
        assert!(store.redeem(redemption("new", 200)).await.unwrap());
        assert!(!store.redeem(redemption("new", 210)).await.unwrap());
        assert!(store.redeemed("new").await.unwrap());
        assert!(!store.redeemed("never").await.unwrap());
        let mut unavailable = redemption("other", 220);
        unavailable.outcome = "NETWORK".into();
        store.record(unavailable).await.unwrap();
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM audit WHERE outcome = 'released' AND cid = 'cid-1'"
            ),
            2
        );
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM audit WHERE jti = 'new' AND outcome = 'HANDLE_REPLAYED' AND at = 210"),
            1
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM audit WHERE outcome = 'NETWORK'"
            ),
            1
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM redeemed_handles WHERE jti = 'other'"
            ),
            0
        );

        assert_eq!(store.purge(150).await.unwrap(), 1);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM redeemed_handles"), 1);
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM audit"),
            4,
            "audit records are kept"
        );
        assert!(!store.redeem(redemption("new", 300)).await.unwrap());
    }
}

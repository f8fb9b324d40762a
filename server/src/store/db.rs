//! One SQLite file in WAL mode, for the server's store ([`super::sqlite`]) and for programs that
//! embed the server and keep their own tables (the sandbox).
//!
//! Every change runs in one `IMMEDIATE` transaction that commits before the HTTP answer is sent,
//! with `synchronous = FULL`, so a state change the client was told about survives a SIGKILL (and
//! a power cut).

use std::path::Path;
use std::sync::{Mutex, PoisonError};

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::StoreError;

/// One SQLite connection behind a mutex, shared by all handlers: every statement is a few
/// microseconds on a local file, and one writer is what SQLite allows anyway.
#[derive(Debug)]
pub struct Db {
    conn: Mutex<Connection>,
}

impl Db {
    /// Opens (or creates) the file at `path` in WAL mode and runs `schema` (which should be
    /// idempotent: `IF NOT EXISTS`).
    pub fn open(path: &Path, schema: &str) -> Result<Db, StoreError> {
        let conn = Connection::open(path)?;
        configure(&conn)?;
        conn.execute_batch(schema)?;
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

#[cfg(test)]
pub(crate) mod test_support {
    use super::Db;

    /// A database in a fresh temporary directory, kept alive by the returned guard, with a
    /// table `used_sids (sid, used_at)` for tests of the transaction machinery.
    pub fn temp_db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let schema = "CREATE TABLE IF NOT EXISTS used_sids (sid TEXT PRIMARY KEY, used_at INTEGER NOT NULL);";
        let db = Db::open(&dir.path().join("test.sqlite"), schema).unwrap();
        (dir, db)
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::temp_db;
    use super::*;

    #[test]
    fn opens_in_wal_mode_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.sqlite");
        let db = Db::open(&path, "").unwrap();
        let mode: String = db
            .read(|c| Ok(c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(mode, "wal");
        drop(db);
        Db::open(&path, "").unwrap();
    }

    #[test]
    fn a_failed_write_rolls_back() {
        let (_dir, db) = temp_db();
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

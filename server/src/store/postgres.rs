//! The [`Store`] on PostgreSQL, for several instances behind one load balancer
//! (docs/design.md §9): [`PostgresStore`].
//!
//! - **Single use across instances**: a redemption is one statement, `INSERT .. ON CONFLICT DO
//!   NOTHING` of the `jti` together with its audit record, so both commit in one transaction,
//!   before the answer. Two instances redeeming one `jti` at once: PostgreSQL makes the second
//!   insert wait for the first one's commit, then do nothing; exactly one gets `true`.
//! - **Migrations** are compiled in ([`MIGRATIONS`]) and recorded in `schema_version`. They run
//!   at start in one transaction under an advisory lock, so instances starting at once take
//!   turns, and a schema already migrated is left as it is. A schema newer than the binary is
//!   refused.
//! - **Outages fail fast**: a database that is down refuses the connection at once; one that
//!   does not answer costs at most [`CONNECT_TIMEOUT`] to reach, [`CREATE_TIMEOUT`] to open a
//!   session, [`STATEMENT_TIMEOUT`] a statement (on the server, and on this side for a server
//!   that stopped answering). A request waits at most [`WAIT_TIMEOUT`] for a pooled connection
//!   when all are busy (a load peak, not an outage). Every such failure is
//!   [`StoreError::Unavailable`], which the issuer API answers as retryable. The pool drops
//!   closed connections and opens new ones, so the server recovers without a restart.
//!
//! The connection is plain TCP: run PostgreSQL on loopback or a private network.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::config::SslMode;
use tokio_postgres::NoTls;

use super::{AuditRecord, BoxFuture, Store, StoreError};

/// How long the TCP connection to the database may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// How long opening a session may take: the connection, the start-up and authentication.
pub const CREATE_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a request may wait for a pooled connection while all are busy.
pub const WAIT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long one statement may run (`statement_timeout` on the server).
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(2);

/// How long this side waits for any answer of the server: the statement timeout and a margin,
/// for a server that stopped answering altogether.
const ANSWER_TIMEOUT: Duration = Duration::from_millis(2500);

/// The advisory lock key the migrations run under (`walletpu` in ASCII).
const MIGRATION_LOCK: i64 = 0x7761_6c6c_6574_7075;

/// The schema, one migration per version, in order: never edit one that was released, add the
/// next.
pub const MIGRATIONS: &[&str] = &["
CREATE TABLE redeemed_handles (
    jti          TEXT PRIMARY KEY,
    card         TEXT NOT NULL,
    redeemed_at  BIGINT NOT NULL
);
CREATE INDEX redeemed_handles_at ON redeemed_handles (redeemed_at);
CREATE TABLE audit (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    jti      TEXT NOT NULL,
    card     TEXT NOT NULL,
    wallet   TEXT NOT NULL,
    cid      TEXT,
    client   TEXT,
    outcome  TEXT NOT NULL,
    at       BIGINT NOT NULL
);
CREATE INDEX audit_jti ON audit (jti);
"];

/// One redemption: the `jti` inserted unless present, and the audit record with the caller's
/// outcome if it was inserted, `HANDLE_REPLAYED` if not; one statement, so one transaction.
const REDEEM: &str = "
WITH spent AS (
    INSERT INTO redeemed_handles (jti, card, redeemed_at) VALUES ($1, $2, $7)
    ON CONFLICT (jti) DO NOTHING
    RETURNING 1
), fresh AS (
    SELECT EXISTS (SELECT 1 FROM spent) AS fresh
), kept AS (
    INSERT INTO audit (jti, card, wallet, cid, client, outcome, at)
    SELECT $1, $2, $3, $4, $5, CASE WHEN fresh THEN $6 ELSE 'HANDLE_REPLAYED' END, $7 FROM fresh
)
SELECT fresh FROM fresh";

const RECORD: &str = "INSERT INTO audit (jti, card, wallet, cid, client, outcome, at)
VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// The connection settings of a [`PostgresStore`].
#[derive(Clone, Debug)]
pub struct PostgresConfig {
    /// The server, database and user (`postgres://user@host:port/database`; libpq's key=value
    /// form works too).
    pub url: String,
    /// The most connections this instance opens.
    pub pool_size: usize,
}

/// Why a `postgres_url` is refused (for the configuration's checks).
pub fn check_url(url: &str) -> Result<(), String> {
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| format!("not a PostgreSQL connection string ({e})"))?;
    if config.get_ssl_mode() == SslMode::Require {
        return Err("TLS to PostgreSQL is not built in: use sslmode=disable (or leave it out) and keep the database on loopback or a private network".to_owned());
    }
    if config.get_hosts().is_empty() {
        return Err("name the server: postgres://user@host:port/database".to_owned());
    }
    Ok(())
}

/// The store in a PostgreSQL database shared by every instance.
#[derive(Debug)]
pub struct PostgresStore {
    pool: Pool,
}

impl PostgresStore {
    /// Connects and migrates the schema. Fails (with [`StoreError::Unavailable`]) if the
    /// database cannot be reached.
    pub async fn open(config: &PostgresConfig) -> Result<PostgresStore, StoreError> {
        let mut pg: tokio_postgres::Config = config
            .url
            .parse()
            .map_err(|_| StoreError::Corrupt("the PostgreSQL connection string"))?;
        let timeout_ms = STATEMENT_TIMEOUT.as_millis();
        let options = match pg.get_options() {
            Some(given) => format!("{given} -c statement_timeout={timeout_ms}"),
            None => format!("-c statement_timeout={timeout_ms}"),
        };
        pg.options(&options)
            .connect_timeout(CONNECT_TIMEOUT)
            .application_name("walletpush-server")
            .keepalives_idle(Duration::from_secs(30));
        let manager = Manager::from_config(
            pg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(config.pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(WAIT_TIMEOUT))
            .create_timeout(Some(CREATE_TIMEOUT))
            .recycle_timeout(Some(CREATE_TIMEOUT))
            .build()
            .map_err(|e| StoreError::Unavailable(format!("PostgreSQL pool: {e}")))?;
        let store = PostgresStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// Brings the schema to the last of [`MIGRATIONS`]; returns the version it found.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        let mut client = self.client().await?;
        answered(async {
            let tx = client.transaction().await?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                .await?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_version (
                     version     INTEGER PRIMARY KEY,
                     applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
                 )",
            )
            .await?;
            let found: i32 = tx
                .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])
                .await?
                .get(0);
            let found = usize::try_from(found).unwrap_or(usize::MAX);
            if found > MIGRATIONS.len() {
                return Ok(Err(found));
            }
            for (i, migration) in MIGRATIONS.iter().enumerate().skip(found) {
                tx.batch_execute(migration).await?;
                let version = i32::try_from(i + 1).unwrap_or(i32::MAX);
                tx.execute(
                    "INSERT INTO schema_version (version) VALUES ($1)",
                    &[&version],
                )
                .await?;
            }
            tx.commit().await?;
            Ok(Ok(found))
        })
        .await?
        .map_err(|found| StoreError::SchemaTooNew {
            found,
            known: MIGRATIONS.len(),
        })
    }

    /// A pooled connection, or [`StoreError::Unavailable`].
    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool
            .get()
            .await
            .map_err(|e| StoreError::Unavailable(format!("PostgreSQL: {e}")))
    }
}

/// Runs one exchange with the server, bounded by [`ANSWER_TIMEOUT`].
async fn answered<T>(
    work: impl std::future::Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(ANSWER_TIMEOUT, work).await {
        Ok(Ok(out)) => Ok(out),
        Ok(Err(e)) => Err(StoreError::Unavailable(format!("PostgreSQL: {e}"))),
        Err(_) => Err(StoreError::Unavailable(
            "PostgreSQL did not answer in time".to_owned(),
        )),
    }
}

impl Store for PostgresStore {
    fn redeem(&self, r: AuditRecord) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(async move {
            let client = self.client().await?;
            answered(async {
                let statement = client.prepare_cached(REDEEM).await?;
                let row = client
                    .query_one(
                        &statement,
                        &[
                            &r.jti, &r.card, &r.wallet, &r.cid, &r.client, &r.outcome, &r.at,
                        ],
                    )
                    .await?;
                Ok(row.get::<_, bool>(0))
            })
            .await
        })
    }

    fn redeemed<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let client = self.client().await?;
            answered(async {
                let statement = client
                    .prepare_cached("SELECT EXISTS (SELECT 1 FROM redeemed_handles WHERE jti = $1)")
                    .await?;
                Ok(client
                    .query_one(&statement, &[&jti])
                    .await?
                    .get::<_, bool>(0))
            })
            .await
        })
    }

    fn record(&self, r: AuditRecord) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let client = self.client().await?;
            answered(async {
                let statement = client.prepare_cached(RECORD).await?;
                client
                    .execute(
                        &statement,
                        &[
                            &r.jti, &r.card, &r.wallet, &r.cid, &r.client, &r.outcome, &r.at,
                        ],
                    )
                    .await?;
                Ok(())
            })
            .await
        })
    }

    fn purge(&self, before: i64) -> BoxFuture<'_, Result<usize, StoreError>> {
        Box::pin(async move {
            let client = self.client().await?;
            let removed = answered(client.execute(
                "DELETE FROM redeemed_handles WHERE redeemed_at < $1",
                &[&before],
            ))
            .await?;
            Ok(usize::try_from(removed).unwrap_or(usize::MAX))
        })
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let client = self.client().await?;
            answered(client.simple_query("SELECT 1")).await?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert!(check_url("postgres://walletpush@127.0.0.1:5432/walletpush").is_ok());
        assert!(check_url("host=db.internal user=walletpush dbname=walletpush").is_ok());
        assert!(
            check_url("postgres://walletpush@db/walletpush?sslmode=require")
                .unwrap_err()
                .contains("sslmode")
        );
        assert!(check_url("mysql://nope").is_err());
        assert!(check_url("user=walletpush").is_err());
    }

    #[test]
    fn migrations_are_plain_sql_without_transaction_control() {
        // They run inside the migration's transaction, under its advisory lock.
        for migration in MIGRATIONS {
            let upper = migration.to_ascii_uppercase();
            assert!(!upper.contains("COMMIT") && !upper.contains("BEGIN"));
        }
    }
}

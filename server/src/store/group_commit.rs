//! Group commit: one writer thread takes every request waiting at that moment and commits them
//! all in one transaction, so that they share one WAL sync (`synchronous = FULL` syncs at each
//! commit) instead of queueing for one sync each.
//!
//! - A request is answered only once the commit that holds it has returned: what a client is
//!   told is on disk.
//! - Each request's work runs in its own savepoint, in the order the requests arrived: a later
//!   request sees what an earlier one of the same batch wrote (a `jti` redeemed twice in one
//!   batch is redeemed once), and a request whose work fails is undone alone.
//! - When the transaction itself fails (the commit, a savepoint), every request of the batch gets
//!   an error and none of them is recorded.

use std::panic::{self, AssertUnwindSafe};
use std::sync::{mpsc, Arc};
use std::thread;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::db::Db;
use super::StoreError;

/// The most requests one transaction takes; more wait for the next one.
pub const MAX_BATCH: usize = 512;

/// What one request does inside the batch's transaction. Domain outcomes ("already redeemed")
/// belong in `Out`: an `Err` undoes this request's writes and answers it with the error.
pub type Work<Req, Out> = fn(&Connection, &Req) -> Result<Out, StoreError>;

/// A request and where its answer goes.
struct Waiting<Req, Out> {
    request: Req,
    reply: oneshot::Sender<Result<Out, StoreError>>,
}

/// The queue into one writer thread that runs `Work` for each request, batched.
///
/// Dropping it closes the queue and waits for the writer to finish the batch it holds.
pub struct GroupCommit<Req, Out> {
    queue: Option<mpsc::Sender<Waiting<Req, Out>>>,
    writer: Option<thread::JoinHandle<()>>,
}

impl<Req, Out> core::fmt::Debug for GroupCommit<Req, Out> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

impl<Req: Send + 'static, Out: Send + 'static> GroupCommit<Req, Out> {
    /// Starts the writer thread `name` on `db`.
    pub fn start(db: Arc<Db>, name: &str, work: Work<Req, Out>) -> std::io::Result<Self> {
        let (queue, waiting) = mpsc::channel();
        let writer = thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || write_batches(&db, work, &waiting))?;
        Ok(GroupCommit {
            queue: Some(queue),
            writer: Some(writer),
        })
    }

    /// Queues `request` and waits for the commit of the batch that takes it.
    pub async fn submit(&self, request: Req) -> Result<Out, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .as_ref()
            .ok_or(StoreError::WriterStopped)?
            .send(Waiting { request, reply })
            .map_err(|_| StoreError::WriterStopped)?;
        // A reply dropped unsent: the writer panicked on this batch, which answers nothing.
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }
}

impl<Req, Out> Drop for GroupCommit<Req, Out> {
    fn drop(&mut self) {
        drop(self.queue.take());
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// The writer thread: waits for a request, takes it with every other one already queued, runs
/// them in one transaction, answers them; until the queue is closed.
fn write_batches<Req, Out>(
    db: &Db,
    work: Work<Req, Out>,
    waiting: &mpsc::Receiver<Waiting<Req, Out>>,
) {
    while let Ok(first) = waiting.recv() {
        let mut batch = Vec::with_capacity(64);
        batch.push(first);
        batch.extend(waiting.try_iter().take(MAX_BATCH - 1));
        // `work` has no panic path; should one happen anyway, the batch's replies are dropped
        // (their requests get `WriterStopped`, the transaction is rolled back) and the writer
        // goes on with the next batch.
        let _ = panic::catch_unwind(AssertUnwindSafe(|| commit(db, work, batch)));
    }
}

/// Runs one batch in one transaction and answers each request.
fn commit<Req, Out>(db: &Db, work: Work<Req, Out>, batch: Vec<Waiting<Req, Out>>) {
    let outcomes = db.write(|tx| {
        batch
            .iter()
            .map(|w| in_savepoint(tx, work, &w.request))
            .collect::<Result<Vec<_>, StoreError>>()
    });
    match outcomes {
        Ok(outcomes) => {
            for (w, outcome) in batch.into_iter().zip(outcomes) {
                // The client may have gone: nothing to tell it.
                let _ = w.reply.send(outcome);
            }
        }
        Err(e) => {
            let e = Arc::new(e);
            for w in batch {
                let _ = w.reply.send(Err(StoreError::Batch(Arc::clone(&e))));
            }
        }
    }
}

/// Runs `work` in a savepoint. The outer `Err` fails the whole batch (the savepoint could not be
/// made, undone or released); the inner one is this request's own failure, already undone.
fn in_savepoint<Req, Out>(
    tx: &Connection,
    work: Work<Req, Out>,
    request: &Req,
) -> Result<Result<Out, StoreError>, StoreError> {
    tx.prepare_cached("SAVEPOINT request")?.execute([])?;
    let outcome = work(tx, request);
    if outcome.is_err() {
        tx.prepare_cached("ROLLBACK TO request")?.execute([])?;
    }
    tx.prepare_cached("RELEASE request")?.execute([])?;
    if tx.is_autocommit() {
        // SQLite ended the transaction itself (some I/O errors do): what follows would not be
        // in it.
        return Err(StoreError::RolledBack);
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::db::test_support::temp_db;

    /// Inserts `sid` into `used_sids`: `false` when it was there. `"fail"` writes, then fails.
    fn mark(conn: &Connection, sid: &&'static str) -> Result<bool, StoreError> {
        let inserted = conn.execute("INSERT OR IGNORE INTO used_sids VALUES (?1, 1)", [sid])?;
        if *sid == "fail" {
            return Err(StoreError::Corrupt("test"));
        }
        Ok(inserted == 1)
    }

    fn count(db: &Db, sql: &str) -> i64 {
        db.read(|c| Ok(c.query_row(sql, [], |r| r.get(0))?))
            .unwrap()
    }

    type Answer = oneshot::Receiver<Result<bool, StoreError>>;

    fn waiting(sids: &[&'static str]) -> (Vec<Waiting<&'static str, bool>>, Vec<Answer>) {
        sids.iter()
            .map(|&request| {
                let (reply, answer) = oneshot::channel();
                (Waiting { request, reply }, answer)
            })
            .unzip()
    }

    fn answers(receivers: Vec<Answer>) -> Vec<String> {
        receivers
            .into_iter()
            .map(|mut r| match r.try_recv().unwrap() {
                Ok(fresh) => fresh.to_string(),
                Err(StoreError::Batch(_)) => "batch failed".to_owned(),
                Err(e) => format!("failed: {e}"),
            })
            .collect()
    }

    #[test]
    fn a_batch_answers_each_request_in_order() {
        let (_dir, db) = temp_db();
        let (batch, receivers) = waiting(&["a", "b", "a", "fail", "c"]);
        commit(&db, mark, batch);
        assert_eq!(
            answers(receivers),
            [
                "true",
                "true",
                "false",
                "failed: store: test does not parse",
                "true"
            ]
        );
        // The failed request's insert was undone alone.
        assert_eq!(count(&db, "SELECT COUNT(*) FROM used_sids"), 3);
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM used_sids WHERE sid = 'fail'"),
            0
        );
    }

    #[test]
    fn a_failed_commit_fails_every_request_and_records_none() {
        let (_dir, db) = temp_db();
        // A deferred foreign key is checked at COMMIT: this one can never hold.
        db.write(|tx| {
            tx.execute_batch(
                "CREATE TABLE parent (id TEXT PRIMARY KEY);
                 CREATE TABLE child (id TEXT REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);",
            )?;
            Ok(())
        })
        .unwrap();
        fn mark_or_orphan(conn: &Connection, sid: &&'static str) -> Result<bool, StoreError> {
            if *sid == "orphan" {
                conn.execute("INSERT INTO child VALUES ('nobody')", [])?;
            }
            mark(conn, sid)
        }
        let (batch, receivers) = waiting(&["a", "orphan", "b"]);
        commit(&db, mark_or_orphan, batch);
        assert_eq!(answers(receivers), ["batch failed"; 3]);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM used_sids"), 0);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM child"), 0);

        // The connection is usable again.
        let (batch, receivers) = waiting(&["a"]);
        commit(&db, mark, batch);
        assert_eq!(answers(receivers), ["true"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_requests_for_one_key_get_exactly_one_success() {
        let (_dir, db) = temp_db();
        let db = Arc::new(db);
        let writer = Arc::new(GroupCommit::start(Arc::clone(&db), "test-writer", mark).unwrap());
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..200 {
            let writer = Arc::clone(&writer);
            let sid = if i % 2 == 0 { "same" } else { "other" };
            tasks.spawn(async move { (sid, writer.submit(sid).await.unwrap()) });
        }
        let mut fresh = std::collections::HashMap::new();
        while let Some(joined) = tasks.join_next().await {
            let (sid, was_fresh) = joined.unwrap();
            *fresh.entry(sid).or_insert(0) += usize::from(was_fresh);
        }
        assert_eq!(fresh["same"], 1);
        assert_eq!(fresh["other"], 1);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM used_sids"), 2);
    }

    #[tokio::test]
    async fn a_stopped_writer_answers_an_error() {
        let (_dir, db) = temp_db();
        let mut writer = GroupCommit::start(Arc::new(db), "test-writer", mark).unwrap();
        assert!(writer.submit("a").await.unwrap());
        drop(writer.queue.take());
        assert!(matches!(
            writer.submit("b").await,
            Err(StoreError::WriterStopped)
        ));
    }
}

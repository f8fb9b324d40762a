//! walletpush-server on PostgreSQL, several instances on one database (docs/design.md §9), with
//! a real PostgreSQL cluster made for each test (tests/support/postgres.rs):
//! - the store: migrations that instances starting at once run once, single use, purge, an
//!   outage that fails fast and heals without reopening;
//! - one handle presented to two instances at once, 1,000 times: one success each;
//! - one instance SIGKILLed during load: no handle redeemed twice, every success answered has its
//!   audit record;
//! - PostgreSQL stopped for 5 s during load: `/readyz` says so, requests fail fast with the
//!   retryable `NETWORK`, and the same processes recover.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)]
mod support;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::instances::{self, Answer, Client, Instance, Minter};
use support::postgres::Cluster;
use walletpush_server::store::postgres::{PostgresConfig, PostgresStore};
use walletpush_server::store::{AuditRecord, Store, StoreError};

const BIN: &str = env!("CARGO_BIN_EXE_walletpush-server");

/// The tests start clusters and servers: one at a time, so that their timings hold on a
/// small machine.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// What "fails fast" means here: well under the listener's request timeout (15 s), which is
/// where a request waiting on a database that is gone would end; with margin for a small
/// machine busy with other work (the exchange's signatures run in debug builds here).
const FAST: Duration = Duration::from_secs(3);

async fn cluster() -> Cluster {
    tokio::task::spawn_blocking(Cluster::start).await.unwrap()
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_migrates_once_redeems_once_and_heals_after_an_outage() {
    let _serial = SERIAL.lock().await;
    let cluster = cluster().await;
    let config = PostgresConfig {
        url: cluster.url(),
        pool_size: 4,
    };

    // Four instances starting at once: the advisory lock has them take turns, one migrates.
    let mut opening = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let config = config.clone();
        opening.spawn(async move { PostgresStore::open(&config).await });
    }
    let mut stores = Vec::new();
    while let Some(opened) = opening.join_next().await {
        stores.push(opened.unwrap().unwrap());
    }
    assert_eq!(cluster.psql("SELECT count(*) FROM schema_version"), "1");
    let store = stores.pop().unwrap();
    assert_eq!(store.migrate().await.unwrap(), 1, "already at version 1");

    store.ping().await.unwrap();
    assert!(store.redeem(redemption("old", 100)).await.unwrap());
    assert!(store.redeem(redemption("new", 200)).await.unwrap());
    // Another instance sees the same spent `jti`.
    assert!(stores[0].redeemed("new").await.unwrap());
    assert!(!stores[0].redeemed("never").await.unwrap());
    assert!(!stores[0].redeem(redemption("new", 210)).await.unwrap());
    let mut unavailable = redemption("other", 220);
    unavailable.outcome = "NETWORK".into();
    store.record(unavailable).await.unwrap();
    assert_eq!(
        cluster.psql("SELECT outcome, at FROM audit WHERE jti = 'new' ORDER BY id"),
        "released|200\nHANDLE_REPLAYED|210"
    );
    assert_eq!(
        cluster.psql("SELECT count(*) FROM redeemed_handles WHERE jti = 'other'"),
        "0"
    );
    assert_eq!(store.purge(150).await.unwrap(), 1);
    assert_eq!(cluster.psql("SELECT count(*) FROM audit"), "4", "kept");
    assert!(!store.redeem(redemption("new", 300)).await.unwrap());

    // A schema from a newer release is refused, not written over.
    cluster.psql("INSERT INTO schema_version (version) VALUES (99)");
    let newer = PostgresStore::open(&config).await.unwrap_err();
    assert!(
        matches!(
            newer,
            StoreError::SchemaTooNew {
                found: 99,
                known: 1
            }
        ),
        "{newer}"
    );
    cluster.psql("DELETE FROM schema_version WHERE version = 99");

    // The database stops: every call fails fast, as retryable; it comes back: the same store
    // answers again.
    let cluster = Arc::new(cluster);
    let stopping = Arc::clone(&cluster);
    tokio::task::spawn_blocking(move || stopping.stop())
        .await
        .unwrap();
    for _ in 0..3 {
        let started = Instant::now();
        let down = store.redeem(redemption("during", 400)).await.unwrap_err();
        assert!(down.is_unavailable(), "{down}");
        let ping = store.ping().await.unwrap_err();
        assert!(ping.is_unavailable(), "{ping}");
        let read = store.redeemed("new").await.unwrap_err();
        assert!(read.is_unavailable(), "{read}");
        assert!(started.elapsed() < FAST, "{:?}", started.elapsed());
    }
    let resuming = Arc::clone(&cluster);
    tokio::task::spawn_blocking(move || resuming.resume())
        .await
        .unwrap();
    store.ping().await.unwrap();
    assert!(store.redeem(redemption("during", 500)).await.unwrap());
    assert_eq!(
        cluster.psql("SELECT count(*) FROM audit WHERE jti = 'during'"),
        "1",
        "the failed attempts wrote nothing"
    );
}

/// A cluster, a card source, a configuration on the cluster, and `count` instances of it.
struct Deployment {
    cluster: Arc<Cluster>,
    dir: tempfile::TempDir,
    minter: Arc<Minter>,
    instances: Vec<Instance>,
}

async fn deployment(count: usize) -> Deployment {
    let cluster = Arc::new(cluster().await);
    let cards = instances::card_source().await;
    let dir = tempfile::tempdir().unwrap();
    let store = format!("postgres_url = \"{}\"\npool_size = 16", cluster.url());
    let (config, keys) = instances::write_config(dir.path(), &store, &cards);
    let minter = Arc::new(Minter::new(&config, &keys));
    // Started at once: they migrate under the advisory lock.
    let starting: Vec<_> = (0..count)
        .map(|i| {
            let config = config.clone();
            let log: PathBuf = dir.path().join(format!("instance-{i}.log"));
            tokio::task::spawn_blocking(move || Instance::start(BIN.as_ref(), &config, &log))
        })
        .collect();
    let mut instances = Vec::new();
    for started in starting {
        instances.push(started.await.unwrap());
    }
    Deployment {
        cluster,
        dir,
        minter,
        instances,
    }
}

impl Deployment {
    fn base(&self, i: usize) -> String {
        self.instances[i].base.clone()
    }

    fn logs(&self) -> String {
        (0..self.instances.len())
            .map(|i| {
                std::fs::read_to_string(self.dir.path().join(format!("instance-{i}.log")))
                    .unwrap_or_default()
            })
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_handle_at_two_instances_at_once_is_redeemed_once_in_a_thousand_tries() {
    let _serial = SERIAL.lock().await;
    let d = deployment(2).await;
    let (a, b) = (d.base(0), d.base(1));
    let handles: Vec<(String, String)> = (0..1000)
        .map(|i| d.minter.mint(&format!("card-{i}")))
        .collect();
    let client = Client::new(d.minter.cookie());
    let in_flight = Arc::new(tokio::sync::Semaphore::new(8));
    let mut tasks = tokio::task::JoinSet::new();
    for (handle, jti) in handles {
        let (client, a, b) = (client.clone(), a.clone(), b.clone());
        let permit = Arc::clone(&in_flight).acquire_owned().await.unwrap();
        tasks.spawn(async move {
            let (at_a, at_b) =
                tokio::join!(client.exchange(&a, &handle), client.exchange(&b, &handle));
            drop(permit);
            (jti, [at_a, at_b])
        });
    }
    let mut outcomes: HashMap<(u16, Option<String>), usize> = HashMap::new();
    let mut done = 0;
    while let Some(joined) = tasks.join_next().await {
        let (jti, answers) = joined.unwrap();
        let successes = answers.iter().filter(|a| a.status == 200).count();
        assert_eq!(successes, 1, "{jti}: {answers:?}");
        for answer in &answers {
            assert!(
                [200, 409].contains(&answer.status),
                "{jti}: {answer:?}\n{}",
                d.logs()
                    .lines()
                    .filter(|l| !l.starts_with("widget "))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        for answer in answers {
            *outcomes.entry((answer.status, answer.code)).or_default() += 1;
        }
        done += 1;
    }
    assert_eq!(done, 1000);
    assert_eq!(
        outcomes,
        HashMap::from([
            ((200, None), 1000),
            ((409, Some("HANDLE_REPLAYED".to_owned())), 1000)
        ]),
        "{}",
        d.logs()
    );
    // The database agrees: a thousand spent, each released once. (A replay refused at the
    // read before the card source leaves no record; one refused at the write does.)
    assert_eq!(
        d.cluster.psql("SELECT count(*) FROM redeemed_handles"),
        "1000"
    );
    assert_eq!(
        d.cluster
            .psql("SELECT count(*), count(DISTINCT jti) FROM audit WHERE outcome = 'released'"),
        "1000|1000"
    );
    assert_eq!(
        d.cluster.psql(
            "SELECT count(*) FROM audit WHERE outcome NOT IN ('released', 'HANDLE_REPLAYED')"
        ),
        "0"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_killed_during_load_redeems_nothing_twice_and_audits_every_success() {
    let _serial = SERIAL.lock().await;
    let mut d = deployment(2).await;
    let bases = [d.base(0), d.base(1)];
    let handles: Arc<Vec<(String, String)>> = Arc::new(
        (0..600)
            .map(|i| d.minter.mint(&format!("card-{i}")))
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let client = Client::new(d.minter.cookie());
    // Every answer, by `jti`, and where it came from.
    let answered: Arc<Mutex<Vec<(String, usize, Answer)>>> = Arc::default();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (handles, next, client, answered, bases) = (
            Arc::clone(&handles),
            Arc::clone(&next),
            client.clone(),
            Arc::clone(&answered),
            bases.clone(),
        );
        workers.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((handle, jti)) = handles.get(i) else {
                    break;
                };
                // A load balancer's choice; every fourth handle also at the other instance at
                // once (a replay racing the original).
                let first = i % 2;
                let mut tries = vec![first];
                if i % 4 == 0 {
                    tries.push(1 - first);
                }
                let answers = futures_of(&client, &bases, handle, &tries).await;
                let mut failed_over = false;
                for (at, answer) in answers {
                    failed_over |= answer.status == 0 && at == first;
                    answered.lock().unwrap().push((jti.clone(), at, answer));
                }
                if failed_over {
                    // The instance is gone: the client tries the other with the same handle,
                    // which may or may not have been spent there before the crash.
                    let answer = client.exchange(&bases[1 - first], handle).await;
                    answered
                        .lock()
                        .unwrap()
                        .push((jti.clone(), 1 - first, answer));
                }
            }
        });
    }
    // Under load for a while, then instance 0 dies mid-request.
    while next.load(Ordering::Relaxed) < 200 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    d.instances[0].kill();
    let killed_at = next.load(Ordering::Relaxed);
    while workers.join_next().await.is_some() {}
    assert!(
        killed_at < handles.len() - 100,
        "the kill came during the load"
    );

    let answered = answered.lock().unwrap();
    let mut successes: HashMap<&str, usize> = HashMap::new();
    let mut by_instance = [HashMap::<u16, usize>::new(), HashMap::new()];
    for (jti, at, answer) in answered.iter() {
        *by_instance[*at].entry(answer.status).or_default() += 1;
        if answer.status == 200 {
            *successes.entry(jti).or_default() += 1;
        }
        // 503 NETWORK: the database did not answer in time on a busy machine; retryable, and the
        // checks below hold for it as for any other answer.
        let retryable = answer.status == 503 && answer.code.as_deref() == Some("NETWORK");
        assert!(
            [0, 200, 409].contains(&answer.status) || retryable,
            "{jti} at {at}: {answer:?}\n{}",
            d.logs()
        );
    }
    assert!(
        by_instance[0][&200] > 50,
        "instance 0 served before: {by_instance:?}"
    );
    assert!(
        by_instance[0].get(&0).copied().unwrap_or(0) > 0,
        "then died: {by_instance:?}"
    );
    assert!(by_instance[1][&200] > 300, "{by_instance:?}");
    let twice: Vec<_> = successes.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "answered twice: {twice:?}");

    // In the database: no handle released twice, every spent handle released once, and every
    // success a client was told of is on record.
    assert_eq!(
        d.cluster.psql(
            "SELECT count(*) FROM (SELECT jti FROM audit WHERE outcome = 'released' GROUP BY jti HAVING count(*) > 1) t"
        ),
        "0"
    );
    assert_eq!(
        d.cluster.psql(
            "SELECT count(*) FROM redeemed_handles r WHERE NOT EXISTS \
             (SELECT 1 FROM audit a WHERE a.jti = r.jti AND a.outcome = 'released')"
        ),
        "0"
    );
    let released: HashSet<String> = d
        .cluster
        .psql("SELECT jti FROM audit WHERE outcome = 'released'")
        .lines()
        .map(str::to_owned)
        .collect();
    let missing: Vec<_> = successes
        .keys()
        .filter(|j| !released.contains(**j))
        .collect();
    assert!(missing.is_empty(), "answered without a record: {missing:?}");
    assert!(released.len() >= successes.len());
}

/// Posts `handle` to each instance of `tries` at once.
async fn futures_of(
    client: &Client,
    bases: &[String; 2],
    handle: &str,
    tries: &[usize],
) -> Vec<(usize, Answer)> {
    let mut set = tokio::task::JoinSet::new();
    for &at in tries {
        let (client, base, handle) = (client.clone(), bases[at].clone(), handle.to_owned());
        set.spawn(async move { (at, client.exchange(&base, &handle).await) });
    }
    let mut out = Vec::new();
    while let Some(joined) = set.join_next().await {
        out.push(joined.unwrap());
    }
    out
}

/// An exchange: when it started and ended (since the test's start), where, and its answer.
type Timed = (Duration, Duration, usize, Answer);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_for_five_seconds_fails_fast_and_the_same_processes_recover() {
    let _serial = SERIAL.lock().await;
    let mut d = deployment(2).await;
    let bases = [d.base(0), d.base(1)];
    let minter = Arc::clone(&d.minter);
    let client = Client::new(d.minter.cookie());
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    // Every exchange: when it started and ended (since `started`), and its answer.
    let log: Arc<Mutex<Vec<Timed>>> = Arc::default();
    let mut workers = tokio::task::JoinSet::new();
    for w in 0..8 {
        let (minter, client, stop, log, bases) = (
            Arc::clone(&minter),
            client.clone(),
            Arc::clone(&stop),
            Arc::clone(&log),
            bases.clone(),
        );
        workers.spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let at = (w + n) % 2;
                n += 1;
                let (handle, _) = minter.mint(&format!("card-{w}-{n}"));
                let from = started.elapsed();
                let answer = client.exchange(&bases[at], &handle).await;
                log.lock()
                    .unwrap()
                    .push((from, started.elapsed(), at, answer));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
    }
    tokio::time::sleep(Duration::from_secs(1)).await;

    let cluster = Arc::clone(&d.cluster);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap();
    let down_from = started.elapsed();
    let mut readiness = Vec::new();
    while started.elapsed() < down_from + Duration::from_secs(5) {
        for base in &bases {
            readiness.push(client.get(base, "/readyz").await);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let down_until = started.elapsed();
    let cluster = Arc::clone(&d.cluster);
    tokio::task::spawn_blocking(move || cluster.resume())
        .await
        .unwrap();
    let up_from = started.elapsed();

    // Recovery: both instances ready and redeeming again, without a restart.
    let deadline = Instant::now() + Duration::from_secs(10);
    for (i, base) in bases.iter().enumerate() {
        loop {
            let ready = client.get(base, "/readyz").await;
            let (handle, _) = minter.mint(&format!("after-{i}"));
            let exchange = client.exchange(base, &handle).await;
            if ready.status == 200 && exchange.status == 200 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{base} did not recover: {ready:?} {exchange:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(d.instances[i].is_running());
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    while workers.join_next().await.is_some() {}

    assert!(!readiness.is_empty());
    for ready in &readiness {
        assert_eq!(ready.status, 503, "{ready:?}");
        assert!(ready.took < FAST, "{ready:?}");
    }
    let log = log.lock().unwrap();
    let before = log
        .iter()
        .filter(|(_, end, _, a)| *end < down_from - Duration::from_millis(200) && a.status == 200);
    assert!(before.count() > 10, "the load ran before the outage");
    let during: Vec<_> = log
        .iter()
        .filter(|(from, end, _, _)| *from >= down_from && *end <= down_until)
        .collect();
    assert!(
        during.len() > 20,
        "the load went on during the outage: {}",
        during.len()
    );
    for (_, _, at, answer) in &during {
        assert_eq!(
            (answer.status, answer.code.as_deref()),
            (503, Some("NETWORK")),
            "instance {at}: {answer:?}"
        );
        assert!(answer.took < FAST, "instance {at}: {answer:?}");
    }
    let after = log
        .iter()
        .filter(|(from, _, _, a)| *from >= up_from && a.status == 200)
        .count();
    assert!(after > 0, "the load succeeded again");
    // The outage's failures spent nothing: every spent handle was released, once.
    assert_eq!(
        d.cluster.psql(
            "SELECT count(*) FROM redeemed_handles r WHERE NOT EXISTS \
             (SELECT 1 FROM audit a WHERE a.jti = r.jti AND a.outcome = 'released')"
        ),
        "0"
    );
    let logs = d.logs();
    assert!(logs.contains("store unavailable"), "the outage is logged");
    assert!(!logs.contains("4111111111111111"), "never card data");
}

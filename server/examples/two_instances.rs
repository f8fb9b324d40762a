//! Benchmark: credential exchanges per second and their p99, two `walletpush-server` instances
//! on one PostgreSQL (a throw-away cluster on loopback, as in the tests) against one instance on
//! SQLite, in the same run with the same load: `--connections` connections spread over the
//! instances, `--duration` seconds each, every request with its own handle (minted before the
//! run), the card source a real HTTP server on loopback. The load generator runs in this
//! process, on the same machine. bench/README.md shows how to run it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[allow(dead_code)]
#[path = "../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::instances::{self, Client, Instance, Minter};
use support::postgres::Cluster;

struct Options {
    duration: Duration,
    connections: usize,
    rate: usize,
}

fn options() -> Options {
    let mut options = Options {
        duration: Duration::from_secs(20),
        connections: 64,
        rate: 4000,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = || {
            pair.get(1)
                .and_then(|v| v.parse::<u64>().ok())
                .expect("a number")
        };
        match pair[0].as_str() {
            "--duration" => options.duration = Duration::from_secs(value()),
            "--connections" => options.connections = usize::try_from(value()).unwrap(),
            "--expected-rate" => options.rate = usize::try_from(value()).unwrap(),
            other => {
                panic!("unknown option {other}: --duration S --connections N --expected-rate R")
            }
        }
    }
    options
}

/// The release binary beside this example (`target/release/examples/..`).
fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let binary = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("walletpush-server");
    assert!(
        binary.is_file(),
        "{} is missing: cargo build --release -p walletpush-server --bins --examples",
        binary.display()
    );
    binary
}

struct Figures {
    exchanges: usize,
    errors: usize,
    per_second: f64,
    p50: Duration,
    p99: Duration,
    ran_out: bool,
}

/// Runs the load against `bases` (connections spread evenly) with handles from `minter`.
async fn load(bases: &[String], minter: &Minter, o: &Options) -> Figures {
    #[allow(clippy::cast_possible_truncation)]
    let count = o.rate * o.duration.as_secs() as usize;
    print!("minting {count} handles... ");
    let handles: Arc<Vec<String>> = Arc::new(
        (0..count)
            .map(|i| minter.mint(&format!("card-{i}")).0)
            .collect(),
    );
    println!("done");
    let client = Client::new(minter.cookie());
    // Warm-up: connections opened, statements prepared.
    for base in bases {
        for i in 0..8 {
            let (handle, _) = minter.mint(&format!("warm-{i}"));
            client.exchange(base, &handle).await;
        }
    }
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..o.connections {
        let (client, next, handles) = (client.clone(), Arc::clone(&next), Arc::clone(&handles));
        let base = bases[c % bases.len()].clone();
        let duration = o.duration;
        tasks.spawn(async move {
            let mut times = Vec::new();
            let mut errors = 0;
            while started.elapsed() < duration {
                let Some(handle) = handles.get(next.fetch_add(1, Ordering::Relaxed)) else {
                    break;
                };
                let answer = client.exchange(&base, handle).await;
                if answer.status == 200 {
                    times.push(answer.took);
                } else {
                    errors += 1;
                }
            }
            (times, errors)
        });
    }
    let mut times = Vec::new();
    let mut errors = 0;
    while let Some(done) = tasks.join_next().await {
        let (t, e) = done.unwrap();
        times.extend(t);
        errors += e;
    }
    let elapsed = started.elapsed();
    let exchanges = times.len();
    #[allow(clippy::cast_precision_loss)]
    let per_second = exchanges as f64 / elapsed.as_secs_f64();
    Figures {
        exchanges,
        errors,
        per_second,
        p50: instances::quantile(&mut times, 0.50),
        p99: instances::quantile(&mut times, 0.99),
        ran_out: next.load(Ordering::Relaxed) >= count,
    }
}

fn report(name: &str, f: &Figures, rate_target: f64, p99_target: Duration) {
    let verdict = if f.per_second >= rate_target && f.p99 <= p99_target && f.errors == 0 {
        "PASS"
    } else {
        "MISS"
    };
    println!(
        "| {name} | {:.0}/s | {:.1} ms | {:.1} ms | {} | {} | ≥ {rate_target:.0}/s, p99 ≤ {} ms, 0 errors: {verdict} |",
        f.per_second,
        f.p50.as_secs_f64() * 1000.0,
        f.p99.as_secs_f64() * 1000.0,
        f.exchanges,
        f.errors,
        p99_target.as_millis()
    );
    if f.ran_out {
        println!("  (ran out of handles: raise --expected-rate)");
    }
}

fn start(binary: &Path, config: &Path, dir: &Path, count: usize) -> Vec<Instance> {
    (0..count)
        .map(|i| Instance::start(binary, config, &dir.join(format!("instance-{i}.log"))))
        .collect()
}

#[tokio::main]
async fn main() {
    let o = options();
    let binary = server_binary();
    let cards = instances::card_source().await;

    // One instance on SQLite.
    let sqlite_dir = tempfile::tempdir().unwrap();
    let (config, keys) =
        instances::write_config(sqlite_dir.path(), "sqlite = \"server.sqlite\"", &cards);
    let minter = Minter::new(&config, &keys);
    let one = start(&binary, &config, sqlite_dir.path(), 1);
    let bases: Vec<String> = one.iter().map(|i| i.base.clone()).collect();
    let sqlite = load(&bases, &minter, &o).await;
    drop(one);

    // Two instances on one PostgreSQL.
    let cluster = tokio::task::spawn_blocking(Cluster::start).await.unwrap();
    let pg_dir = tempfile::tempdir().unwrap();
    let store = format!("postgres_url = \"{}\"\npool_size = 32", cluster.url());
    let (config, keys) = instances::write_config(pg_dir.path(), &store, &cards);
    let minter = Minter::new(&config, &keys);
    let two = start(&binary, &config, pg_dir.path(), 2);
    let bases: Vec<String> = two.iter().map(|i| i.base.clone()).collect();
    let pg = load(&bases, &minter, &o).await;
    let spent = cluster.psql("SELECT count(*) FROM redeemed_handles");
    drop(two);

    println!(
        "\n{} connections, {} s each, load generator and card source in this process\n",
        o.connections,
        o.duration.as_secs()
    );
    println!("| store | exchanges/s | p50 | p99 | exchanges | errors | target |");
    println!("|---|---|---|---|---|---|---|");
    report(
        "SQLite, one instance",
        &sqlite,
        3000.0,
        Duration::from_millis(25),
    );
    report(
        "PostgreSQL, two instances",
        &pg,
        1500.0,
        Duration::from_millis(50),
    );
    println!("\nhandles spent in PostgreSQL: {spent} (warm-up included)");
}

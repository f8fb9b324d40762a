//! A throw-away PostgreSQL cluster for tests and benchmarks: `initdb` in a temporary directory,
//! a server on a free loopback port, trust authentication for one user, stopped and deleted on
//! drop. Debian's `postgresql` package provides the programs (scripts/setup.sh installs it);
//! they are looked up in `PATH`, then in `/usr/lib/postgresql/*/bin`. `initdb` refuses to run as
//! root, so as root the cluster runs as the `postgres` user (`runuser`), in a directory it owns.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The database user of the cluster.
pub const USER: &str = "walletpush";

/// A running cluster; dropping it stops it and deletes its files.
pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    /// Creates and starts a cluster. Panics with what to install when PostgreSQL is missing.
    pub fn start() -> Cluster {
        let bin = bin_dir().unwrap_or_else(|| {
            panic!(
                "PostgreSQL's initdb was not found in PATH nor in /usr/lib/postgresql/*/bin: \
                 run scripts/setup.sh (it installs Debian's postgresql)"
            )
        });
        let as_postgres = is_root();
        let dir = tempfile::Builder::new()
            .prefix("walletpush-pg-")
            .tempdir()
            .expect("a temporary directory");
        if as_postgres {
            let owner = run(Command::new("chown").arg("postgres:").arg(dir.path()));
            assert!(owner.status.success(), "chown: {owner:?}");
        }
        let port = free_port();
        let cluster = Cluster {
            dir,
            bin,
            port,
            as_postgres,
        };
        let data = cluster.data();
        let init = cluster.pg("initdb", |c| {
            c.args([
                "-D",
                &data,
                "-U",
                USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ])
        });
        assert!(init.status.success(), "initdb: {init:?}");
        cluster.resume();
        cluster
    }

    /// The connection URL of the cluster's `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server (again, after [`Cluster::stop`]), waiting until it accepts connections.
    pub fn resume(&self) {
        let data = self.data();
        let log = self.path("server.log");
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c max_connections=200",
            self.port,
            self.dir.path().display()
        );
        let started = self.pg("pg_ctl", |c| {
            c.args([
                "-D", &data, "-l", &log, "-w", "-t", "30", "-o", &options, "start",
            ])
        });
        assert!(
            started.status.success(),
            "pg_ctl start: {started:?}\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "PostgreSQL does not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server (fast shutdown: open connections are closed), keeping its files.
    pub fn stop(&self) {
        let data = self.data();
        let stopped = self.pg("pg_ctl", |c| {
            c.args(["-D", &data, "-m", "fast", "-w", "stop"])
        });
        assert!(stopped.status.success(), "pg_ctl stop: {stopped:?}");
    }

    /// Runs `sql` with `psql` and returns its unaligned output, trimmed.
    pub fn psql(&self, sql: &str) -> String {
        let port = self.port.to_string();
        let out = self.pg("psql", |c| {
            c.args([
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                USER,
                "-d",
                "postgres",
                "-XAtq",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ])
        });
        assert!(out.status.success(), "psql {sql}: {out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    fn data(&self) -> String {
        self.path("data")
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// Runs the cluster's program `name` (as the `postgres` user when root).
    fn pg(&self, name: &str, args: impl FnOnce(&mut Command) -> &mut Command) -> Output {
        let program = self.bin.join(name);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        // Where the user `postgres` may be: not in a directory only root can enter.
        command.current_dir(self.dir.path());
        args(&mut command);
        run(&mut command)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.pg("pg_ctl", |c| {
            c.args(["-D", &data, "-m", "immediate", "-w", "stop"])
        });
    }
}

fn run(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"))
}

fn is_root() -> bool {
    let out = run(Command::new("id").arg("-u"));
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// The directory of `initdb` and `pg_ctl`: from `PATH`, else the newest Debian version.
fn bin_dir() -> Option<PathBuf> {
    let in_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("initdb"))
            .find(|p| p.is_file())
    });
    if let Some(initdb) = in_path {
        let initdb = std::fs::canonicalize(&initdb).unwrap_or(initdb);
        return initdb.parent().map(Path::to_path_buf);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

//! `walletpush-server`: the widget origin an issuer deploys (server/README.md).
//!
//! - `walletpush-server serve --config FILE`: checks the configuration, opens the store,
//!   listens, prints `listening on http://ADDR` on stdout (then, with `[adapter]`, `adapter
//!   origin listening on http://ADDR`), and serves within the configured limits
//!   ([`walletpush_server::serve`]) until SIGINT or SIGTERM, finishing the requests in flight;
//! - `walletpush-server check-config FILE`: checks the configuration (key files included) and
//!   says `ok` or what to fix;
//! - `walletpush-server mint-handle --config FILE --card REF --sub USER ...`: prints a card
//!   handle for the configured widget origin and wallets, signed with `--key` (by default the
//!   current signing key), as the issuer's backend mints them, and on a second line the
//!   `Set-Cookie:` header of the binding cookie it is bound to (a fresh binding secret, or the
//!   one given with `--binding`).
//!
//! A bad configuration exits with status 2 and one line on stderr that names the key.
#![forbid(unsafe_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use walletpush_server::cards::http::HttpCardSource;
use walletpush_server::cards::CardData;
use walletpush_server::config::{self, ConfigError, Settings};
use walletpush_server::signer;
use walletpush_server::state::ServerState;
use walletpush_server::store::sqlite::SqliteStore;
use walletpush_server::store::{self, Store};
use walletpush_server::{clock, mint, serve};

/// The widget origin and issuer API an issuer deploys.
#[derive(Debug, Parser)]
#[command(version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serves the widget origin.
    Serve {
        /// The configuration file (TOML; server/README.md lists every key).
        #[arg(long, env = "WALLETPUSH_CONFIG")]
        config: PathBuf,
    },
    /// Checks a configuration file: exit status 0 when it is good, 2 with what to fix when not.
    CheckConfig {
        /// The configuration file.
        file: PathBuf,
    },
    /// Prints a card handle (docs/design.md §2) for the configured widget origin and wallets.
    MintHandle {
        /// The configuration file.
        #[arg(long, env = "WALLETPUSH_CONFIG")]
        config: PathBuf,
        /// The issuer's card reference (`card`).
        #[arg(long)]
        card: String,
        /// The user (`sub`).
        #[arg(long)]
        sub: String,
        /// The last four digits the button shows.
        #[arg(long)]
        last4: String,
        /// The card network (`visa`, `mastercard`, ...).
        #[arg(long)]
        network: String,
        /// The product name the button shows.
        #[arg(long)]
        product: String,
        /// The card art's URL.
        #[arg(long)]
        art: Option<String>,
        /// The handle-signing key (PKCS#8 PEM or private JWK); the current signing key of the
        /// configuration by default.
        #[arg(long)]
        key: Option<PathBuf>,
        /// The binding cookie's value of an earlier mint (the same session): the handle is
        /// bound to it. By default a fresh binding secret.
        #[arg(long)]
        binding: Option<String>,
        /// The cookie's `Max-Age`: the rest of the user's session at the host, in seconds.
        #[arg(long, default_value_t = 3600)]
        session_secs: u64,
    },
}

/// The exit status of a configuration refused.
const BAD_CONFIG: u8 = 2;

/// How often old redemptions are purged.
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::CheckConfig { file } => match load(&file) {
            Ok(_) => {
                let _ = writeln!(std::io::stdout(), "{}: ok", file.display());
                ExitCode::SUCCESS
            }
            Err(e) => refused(&e),
        },
        Command::Serve { config } => match load(&config) {
            Ok(settings) => serve(settings),
            Err(e) => refused(&e),
        },
        Command::MintHandle {
            config,
            card,
            sub,
            last4,
            network,
            product,
            art,
            key,
            binding,
            session_secs,
        } => {
            let settings = match load(&config) {
                Ok(settings) => settings,
                Err(e) => return refused(&e),
            };
            let data = CardData {
                card_ref: card,
                product,
                network,
                last4,
                art,
            };
            let secret = match binding.as_deref().map(mint::BindingSecret::restore) {
                None => mint::BindingSecret::generate(),
                Some(Some(secret)) => secret,
                Some(None) => {
                    return refused(&ConfigError {
                        key: "--binding".to_owned(),
                        message: "the value of a binding cookie: 43 base64url characters"
                            .to_owned(),
                    })
                }
            };
            let minted = Minted {
                sub: &sub,
                card: &data,
                secret: &secret,
                session_secs,
            };
            mint_handle(&settings, &minted, key.as_deref())
        }
    }
}

fn load(path: &Path) -> Result<Settings, ConfigError> {
    config::load(path, &|name| std::env::var(name).ok())
}

fn refused(e: &ConfigError) -> ExitCode {
    let _ = writeln!(
        std::io::stderr(),
        "walletpush-server: configuration refused: {e}"
    );
    ExitCode::from(BAD_CONFIG)
}

fn failed(e: &dyn std::fmt::Display) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "walletpush-server: {e}");
    ExitCode::FAILURE
}

/// What `mint-handle` mints: a handle for `card` of `sub`, bound to `secret`.
struct Minted<'a> {
    sub: &'a str,
    card: &'a CardData,
    secret: &'a mint::BindingSecret,
    session_secs: u64,
}

fn mint_handle(settings: &Settings, minted: &Minted<'_>, key: Option<&Path>) -> ExitCode {
    let key = match key {
        Some(path) => match signer::load_key(path) {
            Ok(key) => key,
            Err(why) => {
                return refused(&ConfigError {
                    key: "--key".to_owned(),
                    message: why,
                })
            }
        },
        None => settings.signer.current().clone(),
    };
    let deployment = &settings.deployment;
    let claims = mint::claims(
        deployment,
        minted.sub,
        minted.card,
        clock::now(),
        &minted.secret.bnd(),
    );
    match mint::mint(&key, &claims) {
        Ok(handle) => {
            let cookie = mint::set_cookie_header(
                &minted.secret.cookie_value(),
                &mint::cookie_domain(&deployment.widget_origin).unwrap_or_default(),
                deployment.widget_origin.starts_with("https://"),
                minted.session_secs,
            );
            let _ = writeln!(std::io::stdout(), "{handle}\nSet-Cookie: {cookie}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            // The core's message names the claim at fault (an empty `sub`, a bad `last4`...).
            refused(&ConfigError {
                key: "handle".to_owned(),
                message: e.message().to_owned(),
            })
        }
    }
}

fn serve(settings: Settings) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return failed(&e),
    };
    match runtime.block_on(run(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => failed(&e),
    }
}

async fn run(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(dir) = settings.sqlite.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&settings.sqlite)?);
    let cards = HttpCardSource::new(settings.card_source);
    let settings_deployment = settings.deployment.clone();
    let state = ServerState::new(
        settings.deployment,
        Arc::new(settings.signer),
        settings.handle_keys,
        Arc::new(cards),
        Arc::clone(&store),
    )?
    .with_rate_limits(settings.rate_limits);
    tokio::spawn(store::purge_periodically(store, PURGE_EVERY));
    let router = walletpush_server::router(&Arc::new(state), settings.log_format);
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    let mut listeners = vec![(listener, router)];
    if let Some(address) = settings.adapter_listen {
        let adapter = walletpush_server::adapter_router(&settings_deployment, settings.log_format)?;
        listeners.push((tokio::net::TcpListener::bind(address).await?, adapter));
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{}", listeners[0].0.local_addr()?)?;
    if let Some((adapter, _)) = listeners.get(1) {
        writeln!(
            out,
            "adapter origin listening on http://{}",
            adapter.local_addr()?
        )?;
    }
    out.flush()?;
    drop(out);
    serve::serve_all(listeners, settings.limits, serve::shutdown_signal()).await;
    Ok(())
}

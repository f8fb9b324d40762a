//! The configuration file (TOML) of `walletpush-server`, and its checks (docs/design.md §9):
//! `walletpush-server check-config FILE` and start-up both refuse a bad configuration with a
//! [`ConfigError`] that names the key and says what to put there. server/README.md is the
//! reference of every key.
//!
//! Secrets may stay out of the file: `WALLETPUSH_CARD_SOURCE_SECRET` overrides
//! `card_source.secret`, `WALLETPUSH_POSTGRES_URL` overrides `store.postgres_url`.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use walletpush::jwk::KeySet;
use zeroize::Zeroizing;

use crate::adapters::{self, Adapters, Apple, AppleEnvironment, Google, Requestor, TokenConnect};
use crate::cards::http::HttpCardSourceConfig;
use crate::deployment::{Deployment, WalletpushWallet, Wants};
use crate::http::LogFormat;
use crate::limits::{Rate, RateLimits};
use crate::proxies::{Network, TrustedProxies};
use crate::serve::{Limits, Transport};
use crate::signer::{self, KeyRing, Signer};
use crate::store::postgres::{self, PostgresConfig};
use crate::tls::{self, TlsError};
use crate::{ids, site, urls};

/// The environment variable that overrides `card_source.secret`.
pub const CARD_SOURCE_SECRET_ENV: &str = "WALLETPUSH_CARD_SOURCE_SECRET";

/// The environment variable that overrides `store.postgres_url` (it may hold a password).
pub const POSTGRES_URL_ENV: &str = "WALLETPUSH_POSTGRES_URL";

/// The PostgreSQL pool's size when `store.pool_size` is not given.
const DEFAULT_POOL_SIZE: usize = 16;

/// The shortest card source secret accepted: 128 bits as base64url or hex.
const MIN_SECRET_LEN: usize = 22;

/// A configuration that was read and checked: everything `walletpush-server` needs to start.
#[derive(Debug)]
pub struct Settings {
    /// Where the widget origin listens.
    pub listen: SocketAddr,
    /// Where the adapter origin listens (`[adapter]`; `deployment.adapter_origin` is its origin).
    pub adapter_listen: Option<SocketAddr>,
    /// The deployment.
    pub deployment: Deployment,
    /// Where the store is.
    pub store: StoreSettings,
    /// The issuer's backend that gives card data.
    pub card_source: HttpCardSourceConfig,
    /// The activation-signing keys, the first one current.
    pub signer: KeyRing,
    /// The keys whose signatures on handles are accepted.
    pub handle_keys: KeySet,
    /// The listener's limits.
    pub limits: Limits,
    /// The issuer API's rate limits.
    pub rate_limits: RateLimits,
    /// The request log's format.
    pub log_format: LogFormat,
    /// HTTPS or plain HTTP, and the proxies trusted to name the client.
    pub transport: Transport,
}

/// Where the server keeps its state (docs/design.md §9).
#[derive(Clone, Debug)]
pub enum StoreSettings {
    /// One SQLite file: one instance.
    Sqlite(PathBuf),
    /// A PostgreSQL database, shared by every instance.
    Postgres(PostgresConfig),
}

/// A configuration refused: the key at fault and what to put there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The key, as written in the file (`server.widget_origin`, `issuer.host_origins[1]`), or
    /// the file itself.
    pub key: String,
    /// What is wrong and what to put there.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

impl std::error::Error for ConfigError {}

fn refuse(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.into(),
        message: message.into(),
    }
}

/// Reads and checks the configuration file at `path`; `env` gives the environment variables
/// (`std::env::var` in the binary). Relative paths in the file are relative to its directory.
pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        refuse(
            path.display().to_string(),
            format!("cannot read the configuration file ({e}): give the path of a TOML file"),
        )
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse(&text, base, env)
}

/// Checks the configuration `text`, with relative paths resolved against `base`.
pub fn parse(
    text: &str,
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, ConfigError> {
    let file: File = toml::from_str(text).map_err(|e| {
        refuse(
            "configuration",
            format!(
                "{}: fix the TOML (see server/README.md for every key)",
                e.to_string().trim_end()
            ),
        )
    })?;
    file.check(base, env)
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    server: ServerSection,
    issuer: IssuerSection,
    store: StoreSection,
    card_source: CardSourceSection,
    keys: KeysSection,
    #[serde(default)]
    wallets: Vec<WalletSection>,
    #[serde(default)]
    adapters: AdaptersSection,
    adapter: Option<AdapterSection>,
    #[serde(default)]
    limits: LimitsSection,
}

/// `[adapter]`: the adapter origin, where Google's and Apple's scripts run (docs/design.md §1).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdapterSection {
    origin: String,
    listen: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsSection {
    header_timeout_ms: Option<u64>,
    request_timeout_ms: Option<u64>,
    max_connections: Option<usize>,
    client_per_second: Option<u32>,
    client_burst: Option<u32>,
    card_per_minute: Option<u32>,
    card_burst: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerSection {
    listen: String,
    widget_origin: String,
    www_dir: PathBuf,
    log_format: Option<String>,
    #[serde(default)]
    trusted_proxies: Vec<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IssuerSection {
    id: String,
    host_origins: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreSection {
    sqlite: Option<PathBuf>,
    postgres_url: Option<String>,
    pool_size: Option<usize>,
}

impl StoreSection {
    fn check(
        &self,
        base: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<StoreSettings, ConfigError> {
        let url = env(POSTGRES_URL_ENV).or_else(|| self.postgres_url.clone());
        match (&self.sqlite, url) {
            (Some(_), Some(_)) => Err(refuse(
                "store",
                format!(
                    "choose one store: `sqlite` (one instance) or `postgres_url` (several \
                     instances), not both (is {POSTGRES_URL_ENV} set?)"
                ),
            )),
            (None, None) => Err(refuse(
                "store",
                "give `sqlite = \"state/server.sqlite\"` (a file, for one instance) or \
                 `postgres_url = \"postgres://user@host:5432/database\"` (several instances)",
            )),
            (Some(path), None) => {
                if self.pool_size.is_some() {
                    return Err(refuse(
                        "store.pool_size",
                        "only for PostgreSQL: remove it, or set store.postgres_url",
                    ));
                }
                Ok(StoreSettings::Sqlite(base.join(path)))
            }
            (None, Some(url)) => {
                postgres::check_url(&url).map_err(|why| refuse("store.postgres_url", why))?;
                let pool_size = self.pool_size.unwrap_or(DEFAULT_POOL_SIZE);
                if !(1..=1024).contains(&pool_size) {
                    return Err(refuse(
                        "store.pool_size",
                        "the most PostgreSQL connections one instance opens: 1 to 1024 \
                         (16 by default)",
                    ));
                }
                Ok(StoreSettings::Postgres(PostgresConfig { url, pool_size }))
            }
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CardSourceSection {
    url: String,
    secret: Option<String>,
    #[serde(default = "default_timeout_ms")]
    timeout_ms: u64,
}

fn default_timeout_ms() -> u64 {
    2000
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysSection {
    signing: Vec<PathBuf>,
    handle_keys: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WalletSection {
    id: String,
    name: String,
    origin: String,
    #[serde(default)]
    signing_keys: Vec<String>,
    document: Option<PathBuf>,
    #[serde(default)]
    wants: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdaptersSection {
    google: Option<GoogleSection>,
    apple: Option<AppleSection>,
    token_connect: Option<TokenConnectSection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GoogleSection {
    script_url: String,
    integrator_id: Option<String>,
    #[serde(default)]
    test_environment: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppleSection {
    script_url: String,
    partner_id: Option<String>,
    environment: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenConnectSection {
    requestor_url: String,
    token_requestor: Option<String>,
    /// Further eligible requestors, each its own wallet.
    #[serde(default)]
    requestors: Vec<RequestorSection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestorSection {
    wallet: String,
    name: String,
    token_requestor: String,
    requestor_url: String,
    icon: Option<String>,
}

impl ServerSection {
    /// `tls_cert` and `tls_key` (both or neither), and `trusted_proxies`.
    fn transport(&self, base: &Path) -> Result<Transport, ConfigError> {
        let tls = match (&self.tls_cert, &self.tls_key) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some(
                tls::server_config(&base.join(cert), &base.join(key)).map_err(|e| match e {
                    TlsError::Cert(why) => refuse(
                        "server.tls_cert",
                        format!("{why}: the PEM file of the certificate chain, leaf first"),
                    ),
                    TlsError::Key(why) => refuse(
                        "server.tls_key",
                        format!(
                            "{why}: the PEM file of the certificate's private key \
                             (PKCS#8, PKCS#1 or SEC1)"
                        ),
                    ),
                })?,
            ),
            (Some(_), None) => {
                return Err(refuse(
                    "server.tls_key",
                    "the PEM file of the private key of server.tls_cert: HTTPS needs both",
                ))
            }
            (None, Some(_)) => {
                return Err(refuse(
                    "server.tls_cert",
                    "the PEM file of the certificate chain of server.tls_key: HTTPS needs both",
                ))
            }
        };
        let mut networks = Vec::new();
        for (i, text) in self.trusted_proxies.iter().enumerate() {
            let network = Network::parse(text).ok_or_else(|| {
                refuse(
                    format!("server.trusted_proxies[{i}]"),
                    "the address or network (CIDR) of a reverse proxy in front of this server, \
                     such as \"10.0.0.0/8\", \"192.0.2.10\" or \"fd00::/8\", host bits zero",
                )
            })?;
            networks.push(network);
        }
        Ok(Transport {
            tls,
            trusted_proxies: TrustedProxies::new(networks),
        })
    }
}

impl File {
    fn check(
        self,
        base: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let listen = self.server.listen.parse::<SocketAddr>().map_err(|_| {
            refuse(
                "server.listen",
                "an address and port to listen on, such as \"127.0.0.1:8081\" or \"[::]:443\"",
            )
        })?;
        let widget_origin = origin("server.widget_origin", &self.server.widget_origin)?;
        if !ids::is_token_like(&self.issuer.id, 64) {
            return Err(refuse(
                "issuer.id",
                "the issuer id of your handles' `iss`: 1 to 64 letters, digits, '-' or '_'",
            ));
        }
        if self.issuer.host_origins.is_empty() {
            return Err(refuse(
                "issuer.host_origins",
                "the origins of the pages that embed the widget, such as [\"https://bank.example\"]",
            ));
        }
        let mut host_origins = Vec::new();
        for (i, host) in self.issuer.host_origins.iter().enumerate() {
            let key = format!("issuer.host_origins[{i}]");
            let host = origin(&key, host)?;
            if !site::same_site(&widget_origin, &host) {
                return Err(refuse(
                    key,
                    format!(
                        "{host} is not same-site with server.widget_origin {widget_origin}, so the \
                         browser would not send the binding cookie: serve the widget from a host \
                         name under the host page's registrable domain (for https://bank.example, \
                         https://walletpush.bank.example), with the same scheme"
                    ),
                ));
            }
            host_origins.push(host);
        }
        let wallets = self.wallets_checked(base)?;
        let adapters = self.adapters.check()?;
        let adapter = match &self.adapter {
            Some(section) => Some(section.check(listen, &widget_origin, &host_origins)?),
            None => None,
        };
        if adapter.is_none() && (adapters.google.is_some() || adapters.apple.is_some()) {
            return Err(refuse(
                "adapter",
                "Google Wallet and Apple Wallet need the adapter origin, where their scripts run                  (never on the widget origin): add [adapter] with its origin, such as                  \"https://wallets.bank.example\", and an address to listen on",
            ));
        }
        let (adapter_origin, adapter_listen) = adapter.unzip();
        let deployment = Deployment {
            issuer_id: self.issuer.id,
            widget_origin,
            host_origins,
            wallets,
            adapters,
            adapter_origin,
            www_dir: base.join(&self.server.www_dir),
        };
        if deployment.wallet_ids().is_empty() {
            return Err(refuse(
                "wallets",
                "offer at least one wallet: a [[wallets]] entry or an [adapters.*] section",
            ));
        }
        let store = self.store.check(base, env)?;
        let card_source = check_card_source(&self.card_source, env)?;
        let (signer, handle_keys) = check_keys(&self.keys, base)?;
        let limits = self.limits.check(card_source.timeout)?;
        let rate_limits = self.limits.rate_limits()?;
        let log_format = match self.server.log_format.as_deref() {
            None | Some("json") => LogFormat::Json,
            Some("plain") => LogFormat::Plain,
            Some(_) => {
                return Err(refuse(
                    "server.log_format",
                    "\"json\" (one object a line, the default) or \"plain\"",
                ))
            }
        };
        let transport = self.server.transport(base)?;
        Ok(Settings {
            limits,
            rate_limits,
            log_format,
            transport,
            listen,
            adapter_listen,
            deployment,
            store,
            card_source,
            signer,
            handle_keys,
        })
    }

    fn wallets_checked(&self, base: &Path) -> Result<Vec<WalletpushWallet>, ConfigError> {
        let mut wallets: Vec<WalletpushWallet> = Vec::new();
        for (i, wallet) in self.wallets.iter().enumerate() {
            let key = |field: &str| format!("wallets[{i}].{field}");
            let reserved = [adapters::GOOGLE, adapters::APPLE, adapters::TOKEN_CONNECT];
            if !ids::is_token_like(&wallet.id, 64)
                || reserved.contains(&wallet.id.as_str())
                || wallets.iter().any(|w| w.id == wallet.id)
            {
                return Err(refuse(
                    key("id"),
                    "a wallet id of 1 to 64 letters, digits, '-' or '_', used once, and not \
                     google, apple or token-connect (those are [adapters.*])",
                ));
            }
            let printable = !wallet.name.is_empty()
                && wallet.name.len() <= 64
                && wallet.name.chars().all(|c| !c.is_control());
            if !printable {
                return Err(refuse(
                    key("name"),
                    "the wallet's name for the button: 1 to 64 characters",
                ));
            }
            let wallet_origin = origin(&key("origin"), &wallet.origin)?;
            let signing_keys = thumbprints_checked(&key("signing_keys"), &wallet.signing_keys)?;
            let document =
                match &wallet.document {
                    Some(path) => Some(pinned_document(
                        &key("document"),
                        &base.join(path),
                        &wallet_origin,
                        &signing_keys,
                    )?),
                    None if wallet_origin.starts_with("https://") => return Err(refuse(
                        key("document"),
                        "the path of a copy of the wallet's walletpush.json: walletpush-server \
                         fetches discovery documents over plain http only, so an https wallet's \
                         document is pinned",
                    )),
                    None => None,
                };
            let wants = Wants::parse(wallet.wants.iter().map(String::as_str)).map_err(|other| {
                refuse(
                    key("wants"),
                    format!(
                        "{other:?} is not something a wallet may ask for: a list of \"name\" and \
                         \"billing\", or nothing"
                    ),
                )
            })?;
            wallets.push(WalletpushWallet {
                id: wallet.id.clone(),
                name: wallet.name.clone(),
                origin: wallet_origin,
                signing_keys,
                document,
                wants,
            });
        }
        Ok(wallets)
    }
}

impl AdapterSection {
    /// The adapter origin and its listener: an origin of its own (the wallets' scripts must not
    /// share one with the widget or a host page), same-site with the widget origin (the binding
    /// cookie goes with its requests to the issuer API), on another address than the widget's.
    fn check(
        &self,
        widget_listen: SocketAddr,
        widget_origin: &str,
        host_origins: &[String],
    ) -> Result<(String, SocketAddr), ConfigError> {
        let adapter_origin = origin("adapter.origin", &self.origin)?;
        if adapter_origin == widget_origin || host_origins.contains(&adapter_origin) {
            return Err(refuse(
                "adapter.origin",
                "an origin of its own, neither server.widget_origin nor a host origin: the \
                 wallets' scripts run there (such as https://wallets.bank.example)",
            ));
        }
        if !site::same_site(widget_origin, &adapter_origin) {
            return Err(refuse(
                "adapter.origin",
                format!(
                    "{adapter_origin} is not same-site with server.widget_origin {widget_origin}, \
                     so the browser would not send the binding cookie with its requests: use a \
                     host name under the same registrable domain, with the same scheme"
                ),
            ));
        }
        let listen = self.listen.parse::<SocketAddr>().map_err(|_| {
            refuse(
                "adapter.listen",
                "an address and port to listen on, such as \"127.0.0.1:8083\"",
            )
        })?;
        if listen.port() != 0 && listen == widget_listen {
            return Err(refuse(
                "adapter.listen",
                "another address or port than server.listen: the adapter origin is its own listener",
            ));
        }
        Ok((adapter_origin, listen))
    }
}

impl LimitsSection {
    fn check(&self, card_source_timeout: Duration) -> Result<Limits, ConfigError> {
        let defaults = Limits::default();
        let millis = |key: &str,
                      value: Option<u64>,
                      default: Duration,
                      range: std::ops::RangeInclusive<u64>,
                      what: &str| {
            match value {
                None => Ok(default),
                Some(ms) if range.contains(&ms) => Ok(Duration::from_millis(ms)),
                Some(_) => Err(refuse(
                    key,
                    format!(
                        "{what}, in milliseconds: {} to {}",
                        range.start(),
                        range.end()
                    ),
                )),
            }
        };
        let header_timeout = millis(
            "limits.header_timeout_ms",
            self.header_timeout_ms,
            defaults.header_timeout,
            100..=60_000,
            "how long a client may take to send a request's headers",
        )?;
        let request_timeout = millis(
            "limits.request_timeout_ms",
            self.request_timeout_ms,
            defaults.request_timeout,
            100..=120_000,
            "how long a whole request may take",
        )?;
        if request_timeout <= card_source_timeout {
            return Err(refuse(
                "limits.request_timeout_ms",
                "longer than card_source.timeout_ms, so that a slow card source is answered \
                 NETWORK rather than cut off",
            ));
        }
        let max_connections = match self.max_connections {
            None => defaults.max_connections,
            Some(n) if (1..=1_000_000).contains(&n) => n,
            Some(_) => {
                return Err(refuse(
                    "limits.max_connections",
                    "the most connections open at once: 1 to 1000000",
                ))
            }
        };
        Ok(Limits {
            header_timeout,
            request_timeout,
            max_connections,
            ..defaults
        })
    }
}

impl LimitsSection {
    /// `client_per_second`/`client_burst` and `card_per_minute`/`card_burst`; a rate of 0
    /// turns that limit off.
    fn rate_limits(&self) -> Result<RateLimits, ConfigError> {
        let defaults = RateLimits::default();
        let rate = |rate_key: &str,
                    rate: Option<u32>,
                    burst_key: &str,
                    burst: Option<u32>,
                    default: Option<Rate>,
                    make: fn(f64, u32) -> Rate|
         -> Result<Option<Rate>, ConfigError> {
            let (default_rate, default_burst) = match default {
                Some(d) => (d, d.burst),
                None => (make(0.0, 1), 1),
            };
            if rate.is_some_and(|r| r > 1_000_000) {
                return Err(refuse(
                    rate_key,
                    "requests allowed, 0 (no limit) to 1000000",
                ));
            }
            if burst.is_some_and(|b| !(1..=1_000_000).contains(&b)) {
                return Err(refuse(burst_key, "requests allowed at once: 1 to 1000000"));
            }
            let burst = burst.unwrap_or(default_burst);
            Ok(match rate {
                Some(0) => None,
                Some(r) => Some(make(f64::from(r), burst)),
                None if default.is_some() => Some(Rate {
                    burst,
                    ..default_rate
                }),
                None => None,
            })
        };
        Ok(RateLimits {
            client: rate(
                "limits.client_per_second",
                self.client_per_second,
                "limits.client_burst",
                self.client_burst,
                defaults.client,
                Rate::per_second,
            )?,
            card: rate(
                "limits.card_per_minute",
                self.card_per_minute,
                "limits.card_burst",
                self.card_burst,
                defaults.card,
                Rate::per_minute,
            )?,
        })
    }
}

impl AdaptersSection {
    fn check(&self) -> Result<Adapters, ConfigError> {
        let url =
            |key: &str, value: &str| adapters::parse_url(value).map_err(|why| refuse(key, why));
        let id = |key: &str, value: &Option<String>| match value {
            Some(v) => adapters::parse_id(v)
                .map(Some)
                .map_err(|why| refuse(key, why)),
            None => Ok(None),
        };
        Ok(Adapters {
            google: match &self.google {
                Some(g) => Some(Google {
                    script_url: url("adapters.google.script_url", &g.script_url)?,
                    integrator_id: id("adapters.google.integrator_id", &g.integrator_id)?,
                    test_environment: g.test_environment,
                }),
                None => None,
            },
            apple: match &self.apple {
                Some(a) => Some(Apple {
                    script_url: url("adapters.apple.script_url", &a.script_url)?,
                    partner_id: id("adapters.apple.partner_id", &a.partner_id)?,
                    environment: match &a.environment {
                        Some(e) => AppleEnvironment::parse(e)
                            .map_err(|why| refuse("adapters.apple.environment", why))?,
                        None => AppleEnvironment::default(),
                    },
                }),
                None => None,
            },
            token_connect: match &self.token_connect {
                Some(t) => Some(TokenConnect {
                    requestor_url: url("adapters.token_connect.requestor_url", &t.requestor_url)?,
                    token_requestor: id(
                        "adapters.token_connect.token_requestor",
                        &t.token_requestor,
                    )?,
                    more: requestors_checked(&t.requestors)?,
                }),
                None => None,
            },
        })
    }
}

/// `[[adapters.token_connect.requestors]]`: each a wallet id of its own (not one of the
/// reserved ids, used once), a name to show, its TRID and page, and an optional icon as a
/// `data:image/` URL (the frame's `img-src` allows `data:`).
fn requestors_checked(sections: &[RequestorSection]) -> Result<Vec<Requestor>, ConfigError> {
    let mut requestors: Vec<Requestor> = Vec::new();
    for (i, r) in sections.iter().enumerate() {
        let key = |field: &str| format!("adapters.token_connect.requestors[{i}].{field}");
        let reserved = [adapters::GOOGLE, adapters::APPLE, adapters::TOKEN_CONNECT];
        if !ids::is_token_like(&r.wallet, 64)
            || reserved.contains(&r.wallet.as_str())
            || requestors.iter().any(|o| o.wallet == r.wallet)
        {
            return Err(refuse(
                key("wallet"),
                "a wallet id of 1 to 64 letters, digits, '-' or '_', used once, and not google, \
                 apple or token-connect",
            ));
        }
        let printable = |v: &str, max: usize| {
            !v.is_empty() && v.len() <= max && v.chars().all(|c| !c.is_control())
        };
        if !printable(&r.name, 100) {
            return Err(refuse(key("name"), "the name to show, 1 to 100 characters"));
        }
        if let Some(icon) = &r.icon {
            if !printable(icon, 65_536) || !icon.starts_with("data:image/") || icon.contains('"') {
                return Err(refuse(key("icon"), "a data:image/... URL of at most 64 KB"));
            }
        }
        requestors.push(Requestor {
            wallet: r.wallet.clone(),
            name: r.name.clone(),
            token_requestor: adapters::parse_id(&r.token_requestor)
                .map_err(|why| refuse(key("token_requestor"), why))?,
            requestor_url: adapters::parse_url(&r.requestor_url)
                .map_err(|why| refuse(key("requestor_url"), why))?,
            icon: r.icon.clone(),
        });
    }
    Ok(requestors)
}

/// A wallet's pinned signing keys: at least one RFC 7638 thumbprint (SHA-256, 43 base64url
/// characters), each once.
fn thumbprints_checked(key: &str, values: &[String]) -> Result<Vec<String>, ConfigError> {
    let well_formed =
        |t: &String| t.len() == 43 && walletpush::b64::decode_array::<32>(t).is_some();
    let unique = values
        .iter()
        .enumerate()
        .all(|(i, t)| !values[..i].contains(t));
    if values.is_empty() || !values.iter().all(well_formed) || !unique {
        return Err(refuse(
            key,
            "the RFC 7638 thumbprints of the wallet's signing keys, each 43 base64url \
             characters, at least one: [\"<thumbprint>\", ...] (docs/design.md §3a)",
        ));
    }
    Ok(values.to_vec())
}

/// A pinned copy of a wallet's discovery document: a `walletpush/1` document whose URLs are on
/// the wallet's origin and which holds at least one signing key whose thumbprint is pinned.
fn pinned_document(
    key: &str,
    path: &Path,
    wallet_origin: &str,
    thumbprints: &[String],
) -> Result<serde_json::Value, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        refuse(
            key,
            format!(
                "cannot read {} ({e}): the path of a copy of the wallet's walletpush.json",
                path.display()
            ),
        )
    })?;
    crate::wallet_keys::pinned_keys(&text, wallet_origin, thumbprints)
        .map_err(|why| refuse(key, why))?;
    serde_json::from_str(&text).map_err(|e| refuse(key, format!("not JSON ({e})")))
}

/// An `http(s)` origin, as browsers serialise it.
fn origin(key: &str, value: &str) -> Result<String, ConfigError> {
    if urls::is_origin(value) {
        Ok(value.to_owned())
    } else {
        Err(refuse(
            key,
            format!(
                "{value:?} is not an origin: write scheme, host and port only, such as \
                 \"https://walletpush.bank.example\" (no path, no trailing '/')"
            ),
        ))
    }
}

fn check_card_source(
    section: &CardSourceSection,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<HttpCardSourceConfig, ConfigError> {
    let url = section.url.as_str();
    let valid_url = url.starts_with("http://")
        && urls::origin_of(url).is_some()
        && url.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if !valid_url {
        return Err(refuse(
            "card_source.url",
            "the URL the server POSTs card requests to, such as \
             \"http://cards.internal:8090/walletpush/card\" (plain http on your own network; \
             https is not supported yet)",
        ));
    }
    let secret = env(CARD_SOURCE_SECRET_ENV)
        .or_else(|| section.secret.clone())
        .map(Zeroizing::new)
        .ok_or_else(|| {
            refuse(
                "card_source.secret",
                format!(
                    "the bearer secret the server sends to your card source: set \
                     {CARD_SOURCE_SECRET_ENV} (or card_source.secret)"
                ),
            )
        })?;
    let strong = secret.len() >= MIN_SECRET_LEN && ids::is_token_like(&secret, 512);
    if !strong {
        return Err(refuse(
            "card_source.secret",
            format!(
                "at least {MIN_SECRET_LEN} characters of letters, digits, '-' or '_' (for \
                 instance 32 random bytes in base64url)"
            ),
        ));
    }
    if !(100..=30_000).contains(&section.timeout_ms) {
        return Err(refuse(
            "card_source.timeout_ms",
            "how long to wait for the card source, in milliseconds: 100 to 30000",
        ));
    }
    Ok(HttpCardSourceConfig {
        url: url.to_owned(),
        secret,
        timeout: Duration::from_millis(section.timeout_ms),
    })
}

fn check_keys(section: &KeysSection, base: &Path) -> Result<(KeyRing, KeySet), ConfigError> {
    if section.signing.is_empty() {
        return Err(refuse(
            "keys.signing",
            "the activation-signing keys, current first: paths of PKCS#8 PEM or private JWK files",
        ));
    }
    let mut keys = Vec::new();
    for (i, path) in section.signing.iter().enumerate() {
        let key = signer::load_key(&base.join(path))
            .map_err(|why| refuse(format!("keys.signing[{i}]"), why))?;
        keys.push(key);
    }
    let current = keys.remove(0);
    let others = keys.iter().map(|k| k.public().clone()).collect();
    let ring = KeyRing::new(current, others).map_err(|e| {
        refuse(
            "keys.signing",
            format!("{}: give each key its own kid", e.message()),
        )
    })?;
    let handle_keys = match &section.handle_keys {
        Some(path) => {
            signer::load_key_set(&base.join(path)).map_err(|why| refuse("keys.handle_keys", why))?
        }
        None => ring.public_keys().clone(),
    };
    Ok((ring, handle_keys))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use walletpush::jwk::{KeyUse, PrivateJwk};

    use super::*;

    const SECRET: &str = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0";

    /// A directory with one key file, and a valid configuration naming it.
    fn fixture() -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().unwrap();
        let key = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng))
            .with_meta("k-2026", KeyUse::Sig);
        std::fs::write(dir.path().join("signing.jwk"), key.to_json().as_bytes()).unwrap();
        let wallet_key = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng))
            .with_meta("sig-1", KeyUse::Sig);
        let thumbprint = wallet_key.public().thumbprint();
        let document = format!(
            r#"{{"protocol":"walletpush/1","name":"Sandbox Wallet",
                "entry_url":"https://wallet.example/entry",
                "provision_url":"https://wallet.example/provision",
                "jwks":{{"keys":[{}]}}}}"#,
            wallet_key.public().to_json()
        );
        std::fs::write(dir.path().join("wallet.json"), document).unwrap();
        let text = format!(
            r#"
[server]
listen = "127.0.0.1:8081"
widget_origin = "https://walletpush.bank.example"
www_dir = "www"

[issuer]
id = "bank"
host_origins = ["https://bank.example", "https://cards.bank.example"]

[store]
sqlite = "state/server.sqlite"

[card_source]
url = "http://127.0.0.1:8090/walletpush/card"
secret = "{SECRET}"
timeout_ms = 1500

[keys]
signing = ["signing.jwk"]

[[wallets]]
id = "sandbox"
name = "Sandbox Wallet"
origin = "https://wallet.example"
signing_keys = ["{thumbprint}"]
document = "wallet.json"

[adapters.google]
script_url = "https://pay.google.com/gp/p/js/integration.min.js"
integrator_id = "bank_123"

[adapter]
origin = "https://wallets.bank.example"
listen = "127.0.0.1:8083"
"#
        );
        (dir, text)
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn check(text: &str, base: &Path) -> Result<Settings, ConfigError> {
        parse(text, base, &no_env)
    }

    #[test]
    fn a_valid_configuration() {
        let (dir, text) = fixture();
        let settings = check(&text, dir.path()).unwrap();
        assert_eq!(settings.listen.port(), 8081);
        assert_eq!(settings.adapter_listen.map(|a| a.port()), Some(8083));
        assert_eq!(
            settings.deployment.adapter_origin.as_deref(),
            Some("https://wallets.bank.example")
        );
        let d = &settings.deployment;
        assert_eq!(d.widget_origin, "https://walletpush.bank.example");
        assert_eq!(d.host_origins.len(), 2);
        assert_eq!(d.wallet_ids(), ["sandbox", "google"]);
        assert_eq!(d.www_dir, dir.path().join("www"));
        assert!(
            matches!(&settings.store, StoreSettings::Sqlite(path) if *path == dir.path().join("state/server.sqlite"))
        );
        assert_eq!(settings.card_source.timeout, Duration::from_millis(1500));
        assert_eq!(settings.signer.kid(), "k-2026");
        assert_eq!(settings.handle_keys, settings.signer.public_keys().clone());
        assert_eq!(settings.limits, Limits::default());
        assert_eq!(settings.log_format, LogFormat::Json);
        assert!(d
            .frame_policy()
            .contains("frame-ancestors https://bank.example https://cards.bank.example;"));
    }

    #[test]
    fn apple_environment_and_token_connect_requestors() {
        let (dir, text) = fixture();
        let text = format!(
            r#"{text}
[adapters.apple]
script_url = "https://smp-device-content.apple.com/navweb/asset/initAddToAppleWallet.js"
partner_id = "ORG-1"
environment = "production"

[adapters.token_connect]
requestor_url = "https://requestor.example/push"
token_requestor = "50123197928"

[[adapters.token_connect.requestors]]
wallet = "merchant-pay"
name = "Merchant Pay"
token_requestor = "50123197929"
requestor_url = "https://merchant.example/push"
icon = "data:image/png;base64,AAAA"
"#
        );
        let settings = check(&text, dir.path()).unwrap();
        let d = &settings.deployment;
        assert_eq!(
            d.wallet_ids(),
            [
                "sandbox",
                "google",
                "apple",
                "token-connect",
                "merchant-pay"
            ]
        );
        let entries = d.adapters.config_entries();
        assert_eq!(entries["apple"]["environment"], "production");
        assert_eq!(
            entries["merchant-pay"]["icon"],
            "data:image/png;base64,AAAA"
        );
        for (from, to, key) in [
            (
                "environment = \"production\"",
                "environment = \"https://apple-pay.apple.com\"",
                "adapters.apple.environment",
            ),
            (
                "wallet = \"merchant-pay\"",
                "wallet = \"token-connect\"",
                "adapters.token_connect.requestors[0].wallet",
            ),
            (
                "icon = \"data:image/png;base64,AAAA\"",
                "icon = \"https://merchant.example/icon.png\"",
                "adapters.token_connect.requestors[0].icon",
            ),
        ] {
            let error = check(&text.replace(from, to), dir.path()).unwrap_err();
            assert_eq!(error.key, key);
        }
    }

    #[test]
    fn the_environment_gives_the_secret() {
        let (dir, text) = fixture();
        let text = text.replace(&format!("secret = \"{SECRET}\"\n"), "");
        let error = check(&text, dir.path()).unwrap_err();
        assert_eq!(error.key, "card_source.secret");
        assert!(error.message.contains(CARD_SOURCE_SECRET_ENV));
        let env: HashMap<&str, &str> =
            [(CARD_SOURCE_SECRET_ENV, "from-the-environment-1234")].into();
        let settings = parse(&text, dir.path(), &|name| {
            env.get(name).map(|v| (*v).to_owned())
        })
        .unwrap();
        assert_eq!(
            settings.card_source.secret.as_str(),
            "from-the-environment-1234"
        );
    }

    /// Each mistake is refused with its key.
    #[test]
    fn each_mistake_names_its_key() {
        let (dir, text) = fixture();
        let cases = [
            ("127.0.0.1:8081\"", "127.0.0.1\"", "server.listen"),
            (
                "\"https://walletpush.bank.example\"",
                "\"https://walletpush.bank.example/\"",
                "server.widget_origin",
            ),
            (
                "\"https://cards.bank.example\"",
                "\"https://bank.other\"",
                "issuer.host_origins[1]",
            ),
            (
                "\"https://cards.bank.example\"",
                "\"http://cards.bank.example\"",
                "issuer.host_origins[1]",
            ),
            ("id = \"bank\"", "id = \"a bank\"", "issuer.id"),
            ("id = \"sandbox\"", "id = \"google\"", "wallets[0].id"),
            (
                "origin = \"https://wallet.example\"",
                "origin = \"wallet.example\"",
                "wallets[0].origin",
            ),
            (
                "signing_keys = [\"",
                "signing_keys = [\"not-a-thumbprint\", \"",
                "wallets[0].signing_keys",
            ),
            (
                "signing_keys = [",
                "wants = [\"name\", \"cvv\"]\nsigning_keys = [",
                "wallets[0].wants",
            ),
            (
                "document = \"wallet.json\"",
                "document = \"missing.json\"",
                "wallets[0].document",
            ),
            ("document = \"wallet.json\"\n", "", "wallets[0].document"),
            (
                "url = \"http://127.0.0.1:8090/walletpush/card\"",
                "url = \"ftp://x/card\"",
                "card_source.url",
            ),
            (SECRET, "short", "card_source.secret"),
            (
                "timeout_ms = 1500",
                "timeout_ms = 0",
                "card_source.timeout_ms",
            ),
            ("[\"signing.jwk\"]", "[\"missing.pem\"]", "keys.signing[0]"),
            ("[\"signing.jwk\"]", "[]", "keys.signing"),
            (
                "integrator_id = \"bank_123\"",
                "integrator_id = \"bank 123\"",
                "adapters.google.integrator_id",
            ),
            ("[store]", "[stor]", "configuration"),
            ("listen =", "lisen =", "configuration"),
        ];
        for (from, to, key) in cases {
            assert!(text.contains(from), "{from}");
            let error = check(&text.replacen(from, to, 1), dir.path()).unwrap_err();
            assert_eq!(error.key, key, "{from} -> {to}: {error}");
            assert!(error.message.len() > 20, "{error}");
        }
        let error = check(&text.replacen("listen =", "lisen =", 1), dir.path()).unwrap_err();
        assert!(error.message.contains("lisen"), "{error}");
    }

    /// A wallet's pins: thumbprints (at least one), a pinned document on the wallet's origin
    /// holding a pinned key, and what it wants.
    #[test]
    fn pinned_wallets() {
        let (dir, text) = fixture();
        let settings = check(&text, dir.path()).unwrap();
        let wallet = &settings.deployment.wallets[0];
        assert_eq!(wallet.signing_keys.len(), 1);
        assert_eq!(
            wallet.document.as_ref().unwrap()["protocol"],
            "walletpush/1"
        );
        assert_eq!(wallet.wants, Wants::default());
        let config = settings.deployment.widget_configuration();
        assert_eq!(
            config["wallets"]["sandbox"]["signing_keys"][0],
            wallet.signing_keys[0]
        );
        assert!(config["wallets"]["sandbox"].get("discovery").is_none());

        let line = text
            .lines()
            .find(|l| l.starts_with("signing_keys"))
            .unwrap();
        let wanting = text.replace(line, &format!("{line}\nwants = [\"name\", \"billing\"]"));
        let wallet = &check(&wanting, dir.path()).unwrap().deployment.wallets[0];
        assert!(wallet.wants.name && wallet.wants.billing);

        let refusals = [
            (
                text.replace(line, "signing_keys = []"),
                "wallets[0].signing_keys",
            ),
            (text.replace(line, ""), "wallets[0].signing_keys"),
            (
                text.replace(line, &format!("{line}\nwants = [\"cvv\"]")),
                "wallets[0].wants",
            ),
            (
                // Another key pinned: the document holds none of the pinned keys.
                text.replace(
                    line,
                    "signing_keys = [\"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU\"]",
                ),
                "wallets[0].document",
            ),
        ];
        for (text, key) in refusals {
            assert_eq!(check(&text, dir.path()).unwrap_err().key, key);
        }
        // A document whose URLs are on another origin.
        let document = std::fs::read_to_string(dir.path().join("wallet.json")).unwrap();
        std::fs::write(
            dir.path().join("elsewhere.json"),
            document.replace("https://wallet.example/entry", "https://evil.example/entry"),
        )
        .unwrap();
        let elsewhere = text.replace("\"wallet.json\"", "\"elsewhere.json\"");
        let error = check(&elsewhere, dir.path()).unwrap_err();
        assert_eq!(error.key, "wallets[0].document", "{error}");
    }

    #[test]
    fn rate_limits_have_defaults_and_can_be_set_or_turned_off() {
        let (dir, text) = fixture();
        let settings = check(&text, dir.path()).unwrap();
        assert_eq!(settings.rate_limits, RateLimits::default());
        let text = format!(
            "{text}\n[limits]\nclient_per_second = 0\ncard_per_minute = 30\ncard_burst = 40\n"
        );
        let limits = check(&text, dir.path()).unwrap().rate_limits;
        assert_eq!(limits.client, None);
        assert_eq!(limits.card, Some(Rate::per_minute(30.0, 40)));
        let error = check(
            &text.replace("card_burst = 40", "card_burst = 0"),
            dir.path(),
        )
        .unwrap_err();
        assert_eq!(error.key, "limits.card_burst");
    }

    #[test]
    fn trusted_proxies_are_networks() {
        let (dir, text) = fixture();
        assert!(check(&text, dir.path())
            .unwrap()
            .transport
            .trusted_proxies
            .is_empty());
        let with = |list: &str| {
            text.replace(
                "www_dir = \"www\"\n",
                &format!("www_dir = \"www\"\ntrusted_proxies = {list}\n"),
            )
        };
        let settings = check(
            &with(r#"["10.0.0.0/8", "192.0.2.10", "fd00::/8"]"#),
            dir.path(),
        );
        let proxies = settings.unwrap().transport.trusted_proxies;
        let headers = {
            let mut h = axum::http::HeaderMap::new();
            h.insert("x-forwarded-for", "203.0.113.5".parse().unwrap());
            h
        };
        let peer: SocketAddr = "10.1.1.1:9000".parse().unwrap();
        assert_eq!(
            proxies.client(peer, &headers).ip().to_string(),
            "203.0.113.5"
        );
        for bad in [
            r#"["10.0.0.0/8", "10.0.0.1/8"]"#,
            r#"["10.0.0.0/8", "proxy.internal"]"#,
        ] {
            let error = check(&with(bad), dir.path()).unwrap_err();
            assert_eq!(error.key, "server.trusted_proxies[1]", "{error}");
        }
    }

    #[test]
    fn tls_needs_a_certificate_and_its_key() {
        let (dir, text) = fixture();
        assert!(check(&text, dir.path()).unwrap().transport.tls.is_none());
        let certified =
            rcgen::generate_simple_self_signed(vec!["walletpush.bank.example".into()]).unwrap();
        std::fs::write(dir.path().join("cert.pem"), certified.cert.pem()).unwrap();
        std::fs::write(
            dir.path().join("key.pem"),
            certified.signing_key.serialize_pem(),
        )
        .unwrap();
        let other = rcgen::generate_simple_self_signed(vec!["x.example".into()]).unwrap();
        std::fs::write(
            dir.path().join("other.pem"),
            other.signing_key.serialize_pem(),
        )
        .unwrap();
        let with = |lines: &str| {
            text.replace(
                "www_dir = \"www\"\n",
                &format!("www_dir = \"www\"\n{lines}\n"),
            )
        };
        let settings = check(
            &with("tls_cert = \"cert.pem\"\ntls_key = \"key.pem\""),
            dir.path(),
        );
        assert!(settings.unwrap().transport.tls.is_some());
        let refusals = [
            ("tls_cert = \"cert.pem\"", "server.tls_key"),
            ("tls_key = \"key.pem\"", "server.tls_cert"),
            (
                "tls_cert = \"none.pem\"\ntls_key = \"key.pem\"",
                "server.tls_cert",
            ),
            (
                "tls_cert = \"cert.pem\"\ntls_key = \"other.pem\"",
                "server.tls_key",
            ),
        ];
        for (lines, key) in refusals {
            let error = check(&with(lines), dir.path()).unwrap_err();
            assert_eq!(error.key, key, "{lines}: {error}");
        }
    }

    #[test]
    fn the_adapter_origin_is_its_own_same_site_origin() {
        let (dir, text) = fixture();
        let cases = [
            (
                "\"https://wallets.bank.example\"",
                "\"https://wallets.other.example\"",
                "adapter.origin",
                "not same-site",
            ),
            (
                "\"https://wallets.bank.example\"",
                "\"http://wallets.bank.example\"",
                "adapter.origin",
                "not same-site",
            ),
            (
                "\"https://wallets.bank.example\"",
                "\"https://walletpush.bank.example\"",
                "adapter.origin",
                "of its own",
            ),
            (
                "\"https://wallets.bank.example\"",
                "\"https://bank.example\"",
                "adapter.origin",
                "of its own",
            ),
            (
                "\"https://wallets.bank.example\"",
                "\"https://wallets.bank.example/\"",
                "adapter.origin",
                "not an origin",
            ),
            (
                "\"127.0.0.1:8083\"",
                "\"127.0.0.1:8081\"",
                "adapter.listen",
                "another address",
            ),
            (
                "\"127.0.0.1:8083\"",
                "\"wallets\"",
                "adapter.listen",
                "listen on",
            ),
        ];
        for (from, to, key, says) in cases {
            let error = check(&text.replace(from, to), dir.path()).unwrap_err();
            assert_eq!(error.key, key, "{to}: {error}");
            assert!(error.message.contains(says), "{to}: {error}");
        }
        // Google's script needs the adapter origin; without Google and Apple, none is needed.
        let without = text.replace(
            "\n[adapter]\norigin = \"https://wallets.bank.example\"\nlisten = \"127.0.0.1:8083\"\n",
            "",
        );
        assert_eq!(check(&without, dir.path()).unwrap_err().key, "adapter");
        let plain = without.replace(
            "[adapters.google]\nscript_url = \"https://pay.google.com/gp/p/js/integration.min.js\"\nintegrator_id = \"bank_123\"\n",
            "",
        );
        let settings = check(&plain, dir.path()).unwrap();
        assert_eq!(settings.adapter_listen, None);
        assert_eq!(settings.deployment.adapter_origin, None);
    }

    #[test]
    fn postgres_in_place_of_sqlite() {
        let (dir, text) = fixture();
        let sqlite = "sqlite = \"state/server.sqlite\"";
        let pg =
            "postgres_url = \"postgres://walletpush@db.internal:5432/walletpush\"\npool_size = 8";
        let settings = check(&text.replace(sqlite, pg), dir.path()).unwrap();
        let StoreSettings::Postgres(config) = &settings.store else {
            panic!("{:?}", settings.store)
        };
        assert_eq!(
            (config.url.as_str(), config.pool_size),
            ("postgres://walletpush@db.internal:5432/walletpush", 8)
        );

        // The environment overrides the URL (it may hold a password) and selects PostgreSQL.
        let secret_url = "postgres://walletpush:pw@db.internal/walletpush";
        let env = |name: &str| (name == POSTGRES_URL_ENV).then(|| secret_url.to_owned());
        let only_pg = text.replace(sqlite, "pool_size = 4");
        let settings = parse(&only_pg, dir.path(), &env).unwrap();
        assert!(
            matches!(&settings.store, StoreSettings::Postgres(c) if c.url == secret_url && c.pool_size == 4)
        );

        let cases = [
            (text.replace(sqlite, ""), "store"),
            (text.replace(sqlite, &format!("{sqlite}\n{pg}")), "store"),
            (
                text.replace(sqlite, &format!("{sqlite}\npool_size = 4")),
                "store.pool_size",
            ),
            (
                text.replace(sqlite, "postgres_url = \"mysql://x\""),
                "store.postgres_url",
            ),
            (
                text.replace(
                    sqlite,
                    "postgres_url = \"postgres://u@db/w?sslmode=require\"",
                ),
                "store.postgres_url",
            ),
            (
                text.replace(sqlite, &pg.replace("= 8", "= 0")),
                "store.pool_size",
            ),
        ];
        for (bad, key) in cases {
            let error = check(&bad, dir.path()).unwrap_err();
            assert_eq!(error.key, key, "{error}");
        }
        // With the file on SQLite, the variable is a conflict, not a silent switch.
        assert_eq!(parse(&text, dir.path(), &env).unwrap_err().key, "store");
    }

    #[test]
    fn the_same_site_error_says_why_and_what_to_do() {
        let (dir, text) = fixture();
        let error = check(
            &text.replace(
                "\"https://cards.bank.example\"",
                "\"https://bank.example.net\"",
            ),
            dir.path(),
        )
        .unwrap_err();
        assert!(error.message.contains("not same-site"), "{error}");
        assert!(error.message.contains("binding cookie"), "{error}");
    }

    #[test]
    fn a_missing_file_names_itself() {
        let error = load(Path::new("/nonexistent/walletpush.toml"), &no_env).unwrap_err();
        assert_eq!(error.key, "/nonexistent/walletpush.toml");
    }
}

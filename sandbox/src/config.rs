//! Command-line flags (each with an environment variable) and the three origins built from them.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Parser;
use walletpush::jwk::{KeySet, KeyUse, PublicJwk};
use walletpush_server::adapters::{
    parse_id, parse_url, Adapters, Apple, AppleEnvironment, Google, Requestor, TokenConnect, APPLE,
    GOOGLE, TOKEN_CONNECT,
};
use walletpush_server::limits::{Rate, RateLimits};

/// The walletpush sandbox: the demo host pages (gift card portal, expense dashboard), the widget's
/// files with the issuer API, and a `walletpush/1` sandbox wallet, on three ports of one address.
///
/// On start it prints the host, widget and wallet URLs, one a line with its label
/// (`host http://bank.localhost:8080`), then `ready`.
#[derive(Clone, Debug, Parser)]
#[command(version, about, long_about)]
pub struct Config {
    /// Port of the host demo pages (0 picks a free port; the printed URL shows it).
    #[arg(long, env = "WALLETPUSH_HOST_PORT", default_value_t = 8080)]
    pub host_port: u16,

    /// Port of the widget origin: the widget's files and the issuer API.
    #[arg(long, env = "WALLETPUSH_WIDGET_PORT", default_value_t = 8081)]
    pub widget_port: u16,

    /// Port of the sandbox wallet.
    #[arg(long, env = "WALLETPUSH_WALLET_PORT", default_value_t = 8082)]
    pub wallet_port: u16,

    /// Port of the adapter origin, where Google's and Apple's scripts run (docs/design.md §1).
    #[arg(long, env = "WALLETPUSH_ADAPTER_PORT", default_value_t = 8083)]
    pub adapter_port: u16,

    /// Address the three listeners bind to. Loopback: the sandbox is not a production server.
    #[arg(long, env = "WALLETPUSH_BIND", default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// Directory of the SQLite state (created on first start; survives restarts).
    #[arg(long, env = "WALLETPUSH_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Directory of the widget's built files (walletpush.js, frame.html, frame.js, frame.css,
    /// adapters/, pkg/): `npm run build` makes them into www/dist.
    #[arg(long, env = "WALLETPUSH_WWW_DIR", default_value = "./www/dist")]
    pub www_dir: PathBuf,

    /// Host name of the host demo pages. With the widget's, it must share a site: the binding
    /// cookie is scoped to the domain both end in (docs/design.md §2).
    #[arg(long, env = "WALLETPUSH_HOST_NAME", default_value = "bank.localhost", value_parser = parse_host_name)]
    pub host_name: String,

    /// Host name of the widget origin and issuer API: a subdomain of the host pages' site.
    #[arg(long, env = "WALLETPUSH_WIDGET_NAME", default_value = "walletpush.bank.localhost", value_parser = parse_host_name)]
    pub widget_name: String,

    /// A further host page origin allowed to embed the widget (`frame-ancestors`) and to be
    /// returned to by the wallet, e.g. a developer's own page: `http://dev.bank.localhost:3000`
    /// (repeatable). It must be same-site with the widget origin, or the binding cookie could
    /// not go along: the sandbox refuses to start otherwise. `/__sandbox/embed` (with
    /// `--test-hooks`) sets the cookie for the whole site.
    #[arg(long = "host-origin", env = "WALLETPUSH_HOST_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    pub host_origins: Vec<String>,

    /// Host name of the sandbox wallet: another site than the host's.
    #[arg(long, env = "WALLETPUSH_WALLET_NAME", default_value = "wallet.localhost", value_parser = parse_host_name)]
    pub wallet_name: String,

    /// Host name of the adapter origin (Google's and Apple's scripts): a subdomain of the host
    /// pages' site, as the widget's, for its requests carry the binding cookie.
    #[arg(long, env = "WALLETPUSH_ADAPTERS_NAME", default_value = "wallets.bank.localhost", value_parser = parse_host_name)]
    pub adapters_name: String,

    /// Pin the sandbox wallet's whole document (as published at start-up) in the widget
    /// configuration, instead of its discovery URL: the frame and the issuer API then fetch
    /// nothing. Either way the wallet's signing key is pinned by its RFC 7638 thumbprint.
    #[arg(long, env = "WALLETPUSH_PIN_WALLET_DOCUMENT")]
    pub pin_wallet_document: bool,

    /// Limit the issuer API's requests per client address: `RATE:BURST`, RATE a second (e.g.
    /// `50:200`, walletpush-server's default). Off by default: the sandbox serves one machine.
    #[arg(long, env = "WALLETPUSH_CLIENT_RATE", value_parser = parse_rate)]
    pub client_rate: Option<(f64, u32)>,

    /// Limit the issuer API's redemptions per card: `RATE:BURST`, RATE a minute (e.g. `5:10`,
    /// walletpush-server's default). Off by default: the tests redeem one demo card many times
    /// a minute.
    #[arg(long, env = "WALLETPUSH_CARD_RATE", value_parser = parse_rate)]
    pub card_rate: Option<(f64, u32)>,

    /// Enable the test hooks under /__sandbox/ (handle minting, blank embed page, fault
    /// injection). Off by default: never enable outside tests.
    #[arg(long, env = "WALLETPUSH_TEST_HOOKS")]
    pub test_hooks: bool,

    /// Offer Google Wallet, loading Google's `integration.min.js` from this URL into the frame.
    #[arg(long, env = "WALLETPUSH_GOOGLE_SCRIPT_URL", value_parser = parse_url)]
    pub google_script_url: Option<String>,

    /// Google's integrator id for this issuer (without it, Google Wallet is `unavailable`).
    #[arg(long, env = "WALLETPUSH_GOOGLE_INTEGRATOR_ID", value_parser = parse_id)]
    pub google_integrator_id: Option<String>,

    /// Offer Apple Wallet, loading Apple's `initAddToAppleWallet.js` from this URL into the frame.
    #[arg(long, env = "WALLETPUSH_APPLE_SCRIPT_URL", value_parser = parse_url)]
    pub apple_script_url: Option<String>,

    /// Apple's partner id for this issuer (without it, Apple Wallet is `unavailable`).
    #[arg(long, env = "WALLETPUSH_APPLE_PARTNER_ID", value_parser = parse_id)]
    pub apple_partner_id: Option<String>,

    /// Apple's environment, `certification` or `production`: the frame passes its origin to
    /// Apple's script as `domain`.
    #[arg(long, env = "WALLETPUSH_APPLE_ENVIRONMENT", value_parser = AppleEnvironment::parse, default_value = "certification")]
    pub apple_environment: AppleEnvironment,

    /// Offer Mastercard Token Connect, sending the user to this token requestor page.
    #[arg(long, env = "WALLETPUSH_TOKEN_CONNECT_URL", value_parser = parse_url)]
    pub token_connect_url: Option<String>,

    /// The token requestor id (TRID) to push to (without it, Token Connect is `unavailable`).
    #[arg(long, env = "WALLETPUSH_TOKEN_CONNECT_REQUESTOR", value_parser = parse_id)]
    pub token_connect_requestor: Option<String>,

    /// A further eligible token requestor, offered as its own wallet on the same page:
    /// `WALLET-ID:TRID:NAME` (repeatable).
    #[arg(long = "token-connect-also", value_parser = parse_requestor)]
    pub token_connect_also: Vec<(String, String, String)>,

    /// A JWKS file of your own backend's handle-signing public keys (ES256, `use: "sig"`, each
    /// with a `kid`): handles they sign are redeemed beside the sandbox's own, so a handle
    /// minted by your code can be tried against the sandbox (README: "Try it on your own page").
    #[arg(long, env = "WALLETPUSH_ISSUER_JWKS")]
    pub issuer_jwks: Option<PathBuf>,
}

impl Config {
    /// The keys of `--issuer-jwks`, checked: none without the flag.
    pub fn developer_keys(&self) -> Result<Vec<PublicJwk>, String> {
        let Some(path) = &self.issuer_jwks else {
            return Ok(Vec::new());
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--issuer-jwks {}: {e}", path.display()))?;
        let set = KeySet::from_json(&text).map_err(|e| {
            format!(
                "--issuer-jwks {}: not a JWKS of P-256 public keys: {}",
                path.display(),
                e.describe()
            )
        })?;
        let keys = set.keys().to_vec();
        for key in &keys {
            if key.kid().is_none() || key.key_use() != Some(KeyUse::Sig) {
                return Err(format!(
                    "--issuer-jwks {}: each key needs a \"kid\" and \"use\": \"sig\" (handles name their key by kid)",
                    path.display()
                ));
            }
        }
        if keys.is_empty() {
            return Err(format!("--issuer-jwks {}: no keys", path.display()));
        }
        Ok(keys)
    }
}

/// An `http(s)` origin as browsers write it.
fn parse_origin(value: &str) -> Result<String, String> {
    let value = value.to_ascii_lowercase();
    if walletpush_server::urls::is_origin(&value) {
        Ok(value)
    } else {
        Err("an origin: http(s)://name[:port], no path".to_owned())
    }
}

/// `RATE:BURST` of `--client-rate` and `--card-rate`: a positive rate and a burst of at least 1.
fn parse_rate(value: &str) -> Result<(f64, u32), String> {
    let usage = || "RATE:BURST, a positive number and a whole number of at least 1".to_owned();
    let (rate, burst) = value.split_once(':').ok_or_else(usage)?;
    let rate: f64 = rate.parse().map_err(|_| usage())?;
    let burst: u32 = burst.parse().map_err(|_| usage())?;
    if rate.is_finite() && rate > 0.0 && burst >= 1 {
        Ok((rate, burst))
    } else {
        Err(usage())
    }
}

/// `WALLET-ID:TRID:NAME` of `--token-connect-also`.
fn parse_requestor(value: &str) -> Result<(String, String, String), String> {
    let mut parts = value.splitn(3, ':');
    let (Some(wallet), Some(trid), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("WALLET-ID:TRID:NAME".to_owned());
    };
    let wallet_ok = !wallet.is_empty()
        && wallet.len() <= 64
        && wallet
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let name_ok = !name.is_empty() && name.len() <= 100 && !name.chars().any(char::is_control);
    if !wallet_ok || !name_ok || [GOOGLE, APPLE, TOKEN_CONNECT].contains(&wallet) {
        return Err("WALLET-ID:TRID:NAME, a wallet id of letters, digits, '-' or '_'".to_owned());
    }
    Ok((wallet.to_owned(), parse_id(trid)?, name.to_owned()))
}

impl Config {
    /// The issuer API's rate limits the flags set (none by default).
    pub fn rate_limits(&self) -> RateLimits {
        RateLimits {
            client: self
                .client_rate
                .map(|(rate, burst)| Rate::per_second(rate, burst)),
            card: self
                .card_rate
                .map(|(rate, burst)| Rate::per_minute(rate, burst)),
        }
    }

    /// The three host names.
    pub fn names(&self) -> Names<'_> {
        Names {
            host: &self.host_name,
            widget: &self.widget_name,
            wallet: &self.wallet_name,
        }
    }

    /// The adapter wallets the flags turn on.
    pub fn adapters(&self) -> Adapters {
        Adapters {
            google: self.google_script_url.clone().map(|script_url| Google {
                script_url,
                integrator_id: self.google_integrator_id.clone(),
                // The sandbox never talks to Google's production environment.
                test_environment: true,
            }),
            apple: self.apple_script_url.clone().map(|script_url| Apple {
                script_url,
                partner_id: self.apple_partner_id.clone(),
                environment: self.apple_environment,
            }),
            token_connect: self
                .token_connect_url
                .clone()
                .map(|requestor_url| TokenConnect {
                    more: self
                        .token_connect_also
                        .iter()
                        .map(|(wallet, token_requestor, name)| Requestor {
                            wallet: wallet.clone(),
                            name: name.clone(),
                            token_requestor: token_requestor.clone(),
                            requestor_url: requestor_url.clone(),
                            icon: None,
                        })
                        .collect(),
                    requestor_url,
                    token_requestor: self.token_connect_requestor.clone(),
                }),
        }
    }
}

/// The three origins, as browsers spell them (`http://name:port`), and the cookie domain the
/// host pages and the widget origin share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origins {
    /// The host demo pages: the issuer's portal.
    pub host: String,
    /// The widget (shim, frame, Wasm) and the issuer API.
    pub widget: String,
    /// The sandbox wallet.
    pub wallet: String,
    /// The `Domain` of the binding cookie: the host name itself when the widget's is a
    /// subdomain of it (`bank.localhost`), `None` (a host-only cookie) when both names are
    /// equal (cookies do not separate ports).
    pub cookie_domain: Option<String>,
    /// Further host page origins (`--host-origin`), same-site with the widget.
    pub extra_hosts: Vec<String>,
    /// The adapter origin, where Google's and Apple's scripts run in the frame the widget
    /// nests ([`Origins::with_adapters`]; the binary always has one).
    pub adapters: Option<String>,
}

/// The host names of the three origins.
#[derive(Clone, Copy, Debug)]
pub struct Names<'a> {
    /// The host pages' name.
    pub host: &'a str,
    /// The widget origin's name.
    pub widget: &'a str,
    /// The wallet's name.
    pub wallet: &'a str,
}

#[cfg(test)]
impl Names<'_> {
    /// The sandbox's defaults (docs/wire.md, "Origins"), as the flags' defaults spell them.
    pub const DEFAULT: Names<'static> = Names {
        host: "bank.localhost",
        widget: "walletpush.bank.localhost",
        wallet: "wallet.localhost",
    };
}

impl Origins {
    /// The origins for `names` and the ports actually bound (which differ from the flags when
    /// a flag asked for port 0). Fails when the widget's name is neither the host's nor a
    /// subdomain of it: the binding cookie could not reach the issuer API.
    pub fn new(
        names: Names<'_>,
        host_port: u16,
        widget_port: u16,
        wallet_port: u16,
    ) -> Result<Origins, String> {
        let cookie_domain = cookie_domain(names.host, names.widget)?;
        Ok(Origins {
            host: format!("http://{}:{host_port}", names.host),
            widget: format!("http://{}:{widget_port}", names.widget),
            wallet: format!("http://{}:{wallet_port}", names.wallet),
            cookie_domain,
            extra_hosts: Vec::new(),
            adapters: None,
        })
    }

    /// With the adapter origin on `name` and the port bound. Fails when `name` is neither the
    /// host's name nor a subdomain of it: its requests to the issuer API need the binding
    /// cookie, so it must be same-site with the widget origin.
    pub fn with_adapters(
        mut self,
        names: Names<'_>,
        name: &str,
        port: u16,
    ) -> Result<Origins, String> {
        cookie_domain(names.host, name).map_err(|_| {
            format!(
                "the adapter origin's name {name} must be the host name {} or a subdomain of \
                 it: its requests carry the binding cookie (docs/design.md §1)",
                names.host
            )
        })?;
        self.adapters = Some(format!("http://{name}:{port}"));
        Ok(self)
    }

    /// These origins with further host page origins, each of which must be on the binding
    /// cookie's domain (or, with a host-only cookie, on the host's name).
    pub fn with_extra_hosts(mut self, extra: &[String]) -> Result<Origins, String> {
        let host_name = name_of(&self.host).to_owned();
        for origin in extra {
            let name = name_of(origin);
            let same_site = match &self.cookie_domain {
                Some(domain) => {
                    name == domain
                        || name
                            .strip_suffix(domain.as_str())
                            .is_some_and(|p| p.ends_with('.'))
                }
                None => name == host_name,
            };
            if !same_site {
                return Err(format!(
                    "the host origin {origin} is not same-site with the widget origin {}: \
                     the binding cookie would not reach the issuer API from its pages \
                     (docs/design.md §2)",
                    self.widget
                ));
            }
        }
        self.extra_hosts = extra.to_vec();
        Ok(self)
    }

    /// Every host page origin: the portals' and the extras.
    pub fn all_hosts(&self) -> Vec<String> {
        let mut all = vec![self.host.clone()];
        all.extend(self.extra_hosts.iter().cloned());
        all
    }
}

/// The host name of an origin (`http://name:port` → `name`).
fn name_of(origin: &str) -> &str {
    let rest = origin.split_once("://").map_or(origin, |(_, r)| r);
    rest.split_once(':').map_or(rest, |(name, _)| name)
}

/// The binding cookie's `Domain` for the host pages on `host` and the issuer API on `widget`.
fn cookie_domain(host: &str, widget: &str) -> Result<Option<String>, String> {
    if host == widget {
        return Ok(None);
    }
    let is_subdomain = widget
        .strip_suffix(host)
        .is_some_and(|prefix| prefix.ends_with('.'));
    // A one-label domain (`localhost`) is a public suffix to browsers: no cookie for it.
    if is_subdomain && host.contains('.') && !host.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    {
        Ok(Some(host.to_owned()))
    } else {
        Err(format!(
            "the widget name {widget} must be the host name {host} or a subdomain of it: \
             the binding cookie is scoped to the host's domain (docs/design.md §2)"
        ))
    }
}

/// A host name goes into HTTP headers (CSP, Set-Cookie) and HTML, so only host-name
/// characters pass.
fn parse_host_name(value: &str) -> Result<String, String> {
    let valid = !value.is_empty()
        && value.len() <= 253
        && !value.starts_with('.')
        && !value.ends_with('.')
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    if valid {
        Ok(value.to_ascii_lowercase())
    } else {
        Err("a host name or IPv4 address (letters, digits, '.', '-')".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_wire_reference() {
        let config = Config::try_parse_from(["walletpush-sandbox"]).unwrap();
        assert_eq!(
            (
                config.host_port,
                config.widget_port,
                config.wallet_port,
                config.adapter_port
            ),
            (8080, 8081, 8082, 8083)
        );
        assert!(!config.test_hooks);
        let names = config.names();
        let origins = Origins::new(names, 8080, 8081, 8082)
            .unwrap()
            .with_adapters(names, &config.adapters_name, 8083)
            .unwrap();
        assert_eq!(
            origins.adapters.as_deref(),
            Some("http://wallets.bank.localhost:8083")
        );
        assert!(origins
            .clone()
            .with_adapters(names, "wallets.other.localhost", 8083)
            .is_err());
        assert_eq!(origins.host, "http://bank.localhost:8080");
        assert_eq!(origins.widget, "http://walletpush.bank.localhost:8081");
        assert_eq!(origins.wallet, "http://wallet.localhost:8082");
        assert_eq!(origins.cookie_domain.as_deref(), Some("bank.localhost"));
    }

    #[test]
    fn the_widget_must_share_the_hosts_site() {
        let names = |host, widget| Names {
            host,
            widget,
            wallet: "wallet.localhost",
        };
        let same = Origins::new(names("127.0.0.1", "127.0.0.1"), 1, 2, 3).unwrap();
        assert_eq!(same.cookie_domain, None);
        for (host, widget) in [
            ("bank.localhost", "walletpush.other.localhost"),
            ("bank.localhost", "xbank.localhost"),
            ("localhost", "walletpush.localhost"),
            ("0.0.1", "127.0.0.1"),
        ] {
            assert!(
                Origins::new(names(host, widget), 1, 2, 3).is_err(),
                "{host} {widget}"
            );
        }
    }

    #[test]
    fn further_host_origins_must_share_the_widgets_site() {
        let origins = || Origins::new(Names::DEFAULT, 8080, 8081, 8082).unwrap();
        let config = Config::try_parse_from([
            "walletpush-sandbox",
            "--host-origin",
            "http://Dev.bank.localhost:3000",
            "--host-origin",
            "http://bank.localhost:3001",
        ])
        .unwrap();
        let extra = origins().with_extra_hosts(&config.host_origins).unwrap();
        assert_eq!(
            extra.all_hosts(),
            [
                "http://bank.localhost:8080",
                "http://dev.bank.localhost:3000",
                "http://bank.localhost:3001"
            ]
        );
        for foreign in [
            "http://localhost:3000",
            "http://evilbank.localhost:3000",
            "http://wallet.localhost:3000",
            "http://127.0.0.1:3000",
        ] {
            assert!(
                origins().with_extra_hosts(&[foreign.to_owned()]).is_err(),
                "{foreign}"
            );
        }
        for bad in ["http://a/b", "ftp://a", "http://a b"] {
            assert!(
                Config::try_parse_from(["walletpush-sandbox", "--host-origin", bad]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn rate_flags_set_the_issuer_apis_limits() {
        let config = Config::try_parse_from(["walletpush-sandbox"]).unwrap();
        assert_eq!(config.rate_limits(), RateLimits::NONE);
        let config = Config::try_parse_from([
            "walletpush-sandbox",
            "--client-rate",
            "50:200",
            "--card-rate",
            "6:10",
        ])
        .unwrap();
        let limits = config.rate_limits();
        assert_eq!(limits.client, Some(Rate::per_second(50.0, 200)));
        assert_eq!(limits.card, Some(Rate::per_minute(6.0, 10)));
        for bad in ["5", "0:1", "5:0", "-1:3", "x:1", "NaN:2", "inf:2"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn adapter_flags_turn_the_adapters_on() {
        let config = Config::try_parse_from(["walletpush-sandbox"]).unwrap();
        assert_eq!(config.adapters(), Adapters::default());
        let config = Config::try_parse_from([
            "walletpush-sandbox",
            "--google-script-url",
            "http://127.0.0.1:9000/google/integration.min.js",
            "--google-integrator-id",
            "bank_123",
            "--token-connect-url",
            "http://127.0.0.1:9001/requestor",
        ])
        .unwrap();
        let adapters = config.adapters();
        let google = adapters.google.unwrap();
        assert_eq!(google.integrator_id.as_deref(), Some("bank_123"));
        assert!(google.test_environment);
        assert!(adapters.apple.is_none());
        assert_eq!(
            adapters.token_connect.unwrap().requestor_url,
            "http://127.0.0.1:9001/requestor"
        );
        assert!(Config::try_parse_from([
            "walletpush-sandbox",
            "--google-script-url",
            "javascript:x"
        ])
        .is_err());
    }

    #[test]
    fn host_names_refuse_header_and_html_metacharacters() {
        assert_eq!(parse_host_name("Bank.localhost").unwrap(), "bank.localhost");
        for bad in ["", "a b", "a;b", "a\"b", "a/b", "a\r\nb", ".a", "a."] {
            assert!(parse_host_name(bad).is_err(), "{bad:?}");
        }
    }
}

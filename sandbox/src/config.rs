//! Command-line flags (each with an environment variable) and the three origins built from them.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Parser;
use walletpush_server::adapters::{
    parse_id, parse_url, Adapters, Apple, AppleEnvironment, Google, Requestor, TokenConnect, APPLE,
    GOOGLE, TOKEN_CONNECT,
};

/// The walletpush sandbox: the demo host pages (gift card portal, expense dashboard), the widget's
/// files with the issuer API, and a `walletpush/1` sandbox wallet, on three ports of one address.
///
/// On start it prints the host, widget and wallet URLs, one a line, then `ready`.
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

    /// Host name used to build the three origins (CSP, handle audience, wallet URLs).
    #[arg(long, env = "WALLETPUSH_PUBLIC_HOST", default_value = "127.0.0.1", value_parser = parse_public_host)]
    pub public_host: String,

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

/// The three origins, as browsers spell them (`http://host:port`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origins {
    /// The host demo pages: the issuer's portal.
    pub host: String,
    /// The widget (shim, frame, Wasm) and the issuer API.
    pub widget: String,
    /// The sandbox wallet.
    pub wallet: String,
    /// The adapter origin: Google's and Apple's scripts, in the frame the widget nests.
    pub adapters: String,
}

impl Origins {
    /// The origins for `public_host` and the ports actually bound (which differ from the flags
    /// when a flag asked for port 0).
    pub fn new(
        public_host: &str,
        host_port: u16,
        widget_port: u16,
        wallet_port: u16,
        adapter_port: u16,
    ) -> Origins {
        let origin = |port: u16| format!("http://{public_host}:{port}");
        Origins {
            host: origin(host_port),
            widget: origin(widget_port),
            wallet: origin(wallet_port),
            adapters: origin(adapter_port),
        }
    }
}

/// The public host goes into HTTP headers (CSP) and HTML, so only host-name characters pass.
fn parse_public_host(value: &str) -> Result<String, String> {
    let valid = !value.is_empty()
        && value.len() <= 253
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    if valid {
        Ok(value.to_owned())
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
        let origins = Origins::new(&config.public_host, 8080, 8081, 8082, 8083);
        assert_eq!(origins.widget, "http://127.0.0.1:8081");
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
    fn public_host_refuses_header_and_html_metacharacters() {
        assert!(parse_public_host("localhost").is_ok());
        for bad in ["", "a b", "a;b", "a\"b", "a/b", "a\r\nb"] {
            assert!(parse_public_host(bad).is_err(), "{bad:?}");
        }
    }
}

//! `walletpush-server` processes on one store, for tests and benchmarks: a configuration file,
//! a card source on loopback, instances started from the binary, handles minted in-process, and
//! a client that posts credential exchanges and times them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::routing::post;
use axum::{Json, Router};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use walletpush::binding::COOKIE_NAME;
use walletpush::jwk::{KeyUse, PrivateJwk};
use walletpush_server::cards::CardData;
use walletpush_server::deployment::Deployment;
use walletpush_server::mint::BindingSecret;

/// The card source's secret.
pub const SECRET: &str = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0";
/// The widget origin of the configuration.
pub const WIDGET: &str = "http://walletpush.bank.localhost:8081";
/// The pinned wallet's origin.
pub const WALLET: &str = "http://wallet.localhost:8082";

/// A card source on loopback that answers every card as active; returns its URL.
pub async fn card_source() -> String {
    let app = Router::new().route(
        "/card",
        post(|Json(_): Json<Value>| async move {
            Json(json!({
                "status": "active", "product": "Gift card", "network": "visa",
                "pan": "4111111111111111", "exp_month": 12, "exp_year": 2030,
                "name": "A. Holder",
                "billing": {"line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"}
            }))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/card", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// The keys of a configuration: the issuer's (handles, activations) and the pinned wallet's.
pub struct Keys {
    /// The issuer's signing key.
    pub issuer: PrivateJwk,
    /// The wallet's signing key (its sessions).
    pub wallet: PrivateJwk,
}

fn generate(kid: &str) -> PrivateJwk {
    PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng)).with_meta(kid, KeyUse::Sig)
}

/// A configuration in `dir` with `store` as its `[store]` section's body and a wallet pinned by
/// its document; returns its path and keys. The rate limit per client address is off: all the
/// load comes from one address.
pub fn write_config(dir: &Path, store: &str, card_source: &str) -> (PathBuf, Keys) {
    let key = generate("k1");
    std::fs::write(dir.join("signing.jwk"), key.to_json().as_bytes()).unwrap();
    let wallet_key = generate("sig-1");
    let document = json!({
        "protocol": "walletpush/1", "name": "Sandbox Wallet",
        "entry_url": format!("{WALLET}/entry"), "provision_url": format!("{WALLET}/provision"),
        "jwks": {"keys": [serde_json::from_str::<Value>(&wallet_key.public().to_json()).unwrap()]}
    });
    std::fs::write(dir.join("wallet.json"), document.to_string()).unwrap();
    let thumbprint = wallet_key.public().thumbprint();
    std::fs::create_dir_all(dir.join("www")).unwrap();
    std::fs::write(dir.join("www/frame.html"), "<head><title>f</title></head>").unwrap();
    let text = format!(
        r#"
[server]
listen = "127.0.0.1:0"
widget_origin = "{WIDGET}"
www_dir = "www"
log_format = "plain"

[issuer]
id = "bank"
host_origins = ["http://bank.localhost:8080"]

[store]
{store}

[card_source]
url = "{card_source}"
timeout_ms = 5000

[keys]
signing = ["signing.jwk"]

[limits]
client_per_second = 0

[[wallets]]
id = "sandbox"
name = "Sandbox Wallet"
origin = "{WALLET}"
signing_keys = ["{thumbprint}"]
document = "wallet.json"
"#
    );
    let path = dir.join("walletpush.toml");
    std::fs::write(&path, text).unwrap();
    (
        path,
        Keys {
            issuer: key,
            wallet: wallet_key,
        },
    )
}

/// One browser of one user: mints handles as the issuer's backend does for the configuration's
/// deployment, bound to one binding cookie, and asks for them with one wallet session.
pub struct Minter {
    key: PrivateJwk,
    deployment: Deployment,
    binding: BindingSecret,
    session: String,
}

impl Minter {
    /// The minter of the configuration at `config`.
    pub fn new(config: &Path, keys: &Keys) -> Minter {
        let env = |name: &str| {
            (name == walletpush_server::config::CARD_SOURCE_SECRET_ENV).then(|| SECRET.to_owned())
        };
        let settings = walletpush_server::config::load(config, &env).unwrap();
        let epk = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng))
            .with_meta("sk-1", KeyUse::Enc);
        let session = walletpush::session::issue(
            &keys.wallet,
            &walletpush::session::SessionClaims {
                sid: "sid-1".into(),
                epk: epk.public().to_value(),
                aud: WIDGET.into(),
                exp: walletpush_server::clock::now() + 3600,
            },
        )
        .unwrap();
        Minter {
            key: keys.issuer.clone(),
            deployment: settings.deployment,
            binding: BindingSecret::generate(),
            session,
        }
    }

    /// The `Cookie` header of this browser.
    pub fn cookie(&self) -> String {
        format!("{COOKIE_NAME}={}", self.binding.cookie_value())
    }

    /// A fresh handle for card `card`: the body of its credential exchange (popup mode, the
    /// wallet's session), and its `jti`.
    pub fn mint(&self, card: &str) -> (String, String) {
        let data = CardData {
            card_ref: card.to_owned(),
            product: "Gift card".to_owned(),
            network: "visa".to_owned(),
            last4: "1111".to_owned(),
            art: None,
        };
        let claims = walletpush_server::mint::claims(
            &self.deployment,
            "user-1",
            &data,
            walletpush_server::clock::now(),
            &self.binding.bnd(),
        );
        let handle = walletpush_server::mint::mint(&self.key, &claims).unwrap();
        let body = json!({"handle": handle, "wallet": "sandbox", "session": self.session});
        (body.to_string(), claims.jti)
    }
}

/// One `walletpush-server serve` process; killed on drop.
pub struct Instance {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Instance {
    /// Starts `binary serve --config config`, its log in `log`, and waits for its address.
    pub fn start(binary: &Path, config: &Path, log: &Path) -> Instance {
        let log = std::fs::File::create(log).unwrap();
        let mut child = Command::new(binary)
            .args(["serve", "--config"])
            .arg(config)
            .env("WALLETPUSH_CARD_SOURCE_SECRET", SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the server did not start: {line:?}"))
            .to_owned();
        // Nothing more comes on stdout; keep the pipe drained all the same.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Instance { child, base }
    }

    /// Kills the process with SIGKILL, as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether the process still runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What one request got: its status (0 when there was no answer), the error body's `code`,
/// and how long it took.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The HTTP status, or 0 when the connection failed.
    pub status: u16,
    /// `code` of an error body.
    pub code: Option<String>,
    /// The time to the whole answer.
    pub took: Duration,
    /// Why there was no answer.
    pub failure: Option<String>,
}

/// An HTTP client with a connection pool, sending one browser's binding cookie.
#[derive(Clone)]
pub struct Client {
    http: HyperClient<HttpConnector, Full<Bytes>>,
    cookie: String,
}

impl Client {
    /// A client keeping up to 256 idle connections per instance, each for less time than the
    /// server's header timeout lets an idle connection live (5 s): a request is never written
    /// into a connection the server is closing.
    pub fn new(cookie: String) -> Client {
        Client {
            http: HyperClient::builder(TokioExecutor::new())
                .pool_max_idle_per_host(256)
                .pool_idle_timeout(Duration::from_secs(2))
                .pool_timer(hyper_util::rt::TokioTimer::new())
                .build_http(),
            cookie,
        }
    }

    /// Posts a credential exchange (`body`, from [`Minter::mint`]) to `base`.
    pub async fn exchange(&self, base: &str, body: &str) -> Answer {
        self.send(
            "POST",
            &format!("{base}/walletpush/v1/credentials"),
            Some(body.to_owned()),
        )
        .await
    }

    /// `GET base + path`.
    pub async fn get(&self, base: &str, path: &str) -> Answer {
        self.send("GET", &format!("{base}{path}"), None).await
    }

    async fn send(&self, method: &str, url: &str, body: Option<String>) -> Answer {
        let started = Instant::now();
        let mut builder = hyper::Request::builder()
            .method(method)
            .uri(url)
            .header("origin", WIDGET)
            .header("cookie", &self.cookie);
        if body.is_some() {
            builder = builder.header("content-type", "application/json");
        }
        let payload = body.map_or_else(Vec::new, String::into_bytes);
        let request = builder.body(Full::new(Bytes::from(payload))).unwrap();
        let response = match self.http.request(request).await {
            Ok(response) => response,
            Err(e) => {
                return Answer {
                    status: 0,
                    code: None,
                    took: started.elapsed(),
                    failure: Some(format!("{e:?}")),
                }
            }
        };
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let code = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v["code"].as_str().map(str::to_owned));
        Answer {
            status,
            code,
            took: started.elapsed(),
            failure: None,
        }
    }
}

/// The `q` quantile of `samples` (sorted in place).
pub fn quantile(samples: &mut [Duration], q: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    samples.sort_unstable();
    let last = samples.len() - 1;
    // Rounded up: p99 of 100 samples is the 99th.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((last as f64) * q).ceil() as usize;
    samples[i.min(last)]
}

//! The `walletpush-server` binary as a process: `check-config` and `serve` refuse a bad
//! configuration with status 2 and the key at fault; `mint-handle` prints a handle; `serve`
//! redeems it once, asking a card source over HTTP.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use axum::routing::post;
use axum::{Json, Router};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use walletpush::handle;
use walletpush::jwk::{KeySet, KeyUse, PrivateJwk};

const BIN: &str = env!("CARGO_BIN_EXE_walletpush-server");
const SECRET: &str = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0";
const WIDGET: &str = "http://walletpush.bank.localhost:8081";

const WALLET: &str = "http://wallet.localhost:8082";

/// A configuration in `dir` whose card source is `card_source`, with a fresh signing key, and
/// a wallet pinned by its document: the issuer's key and the wallet's.
fn write_config(dir: &Path, card_source: &str, host: &str) -> (PrivateJwk, PrivateJwk) {
    let key = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng))
        .with_meta("k1", KeyUse::Sig);
    std::fs::write(dir.join("signing.jwk"), key.to_json().as_bytes()).unwrap();
    let wallet_key = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng))
        .with_meta("sig-1", KeyUse::Sig);
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

[issuer]
id = "bank"
host_origins = ["{host}"]

[store]
sqlite = "server.sqlite"

[card_source]
url = "{card_source}"
timeout_ms = 1000

[keys]
signing = ["signing.jwk"]

[[wallets]]
id = "sandbox"
name = "Sandbox Wallet"
origin = "{WALLET}"
signing_keys = ["{thumbprint}"]
document = "wallet.json"
"#
    );
    std::fs::write(dir.join("walletpush.toml"), text).unwrap();
    (key, wallet_key)
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("WALLETPUSH_CARD_SOURCE_SECRET", SECRET)
        .output()
        .unwrap()
}

#[test]
fn check_config_accepts_a_good_file_and_names_the_key_of_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        "http://127.0.0.1:9/card",
        "http://bank.localhost:8080",
    );
    let file = dir.path().join("walletpush.toml");
    let good = run(&["check-config", file.to_str().unwrap()]);
    assert_eq!(good.status.code(), Some(0), "{good:?}");
    assert!(String::from_utf8_lossy(&good.stdout).ends_with(": ok\n"));

    write_config(
        dir.path(),
        "http://127.0.0.1:9/card",
        "http://wallet.localhost:8080",
    );
    for args in [
        vec!["check-config", file.to_str().unwrap()],
        vec!["serve", "--config", file.to_str().unwrap()],
    ] {
        let bad = run(&args);
        assert_eq!(bad.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&bad.stderr);
        assert!(stderr.contains("issuer.host_origins[0]"), "{stderr}");
        assert!(stderr.contains("not same-site"), "{stderr}");
    }

    let missing = run(&["check-config", "/nonexistent/walletpush.toml"]);
    assert_eq!(missing.status.code(), Some(2));
}

/// A card source answering one card, `gift-1` of `user-1`.
async fn card_source() -> String {
    let app = Router::new().route(
        "/card",
        post(|Json(body): Json<Value>| async move {
            if body["card"] == "gift-1" && body["sub"] == "user-1" {
                Json(json!({
                    "status": "active", "product": "Gift card", "network": "visa",
                    "pan": "4111111111111111", "exp_month": 12, "exp_year": 2030,
                    "name": "A. Holder",
                    "billing": {"line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"}
                }))
            } else {
                Json(json!({"status": "inactive"}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/card", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn request(
    method: &str,
    url: &str,
    body: Option<Value>,
    cookie: Option<&str>,
) -> (u16, hyper::HeaderMap, Value) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(url)
        .header("origin", WIDGET);
    if let Some(cookie) = cookie {
        builder = builder.header("cookie", cookie);
    }
    if body.is_some() {
        builder = builder.header("content-type", "application/json");
    }
    let payload = body.map_or_else(Vec::new, |b| b.to_string().into_bytes());
    let response = client
        .request(builder.body(Full::new(Bytes::from(payload))).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn serve_redeems_a_minted_handle_once() {
    let dir = tempfile::tempdir().unwrap();
    let cards = card_source().await;
    let (key, wallet_key) = write_config(dir.path(), &cards, "http://bank.localhost:8080");
    let file = dir.path().join("walletpush.toml");
    let file = file.to_str().unwrap();

    let minted = run(&[
        "mint-handle",
        "--config",
        file,
        "--card",
        "gift-1",
        "--sub",
        "user-1",
        "--last4",
        "1111",
        "--network",
        "visa",
        "--product",
        "Gift card",
    ]);
    assert_eq!(minted.status.code(), Some(0), "{minted:?}");
    let stdout = String::from_utf8(minted.stdout).unwrap();
    let (token, cookie) = stdout.trim_end().split_once('\n').unwrap();
    let token = token.to_owned();
    let cookie = cookie
        .strip_prefix("Set-Cookie: walletpush_binding=")
        .unwrap();
    let (value, attributes) = cookie.split_once(';').unwrap();
    assert_eq!(
        attributes,
        " Domain=bank.localhost; Path=/walletpush/; HttpOnly; SameSite=Strict; Max-Age=3600"
    );
    let keys = KeySet::new(vec![key.public().clone()]);
    let claims = handle::verify(&keys, &token, WIDGET, walletpush_server::clock::now()).unwrap();
    assert_eq!(
        (claims.card.as_str(), claims.sub.as_str()),
        ("gift-1", "user-1")
    );
    assert_eq!(claims.wallets, ["sandbox"]);
    assert!(walletpush::binding::cookie_matches(value, &claims.bnd));

    let mut child = Command::new(BIN)
        .args(["serve", "--config", file])
        .env("WALLETPUSH_CARD_SOURCE_SECRET", SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let server = Server(child);
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    });
    let line = tokio::time::timeout(Duration::from_secs(20), line)
        .await
        .unwrap()
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();

    let epk = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng))
        .with_meta("sk-1", KeyUse::Enc);
    let session = walletpush::session::issue(
        &wallet_key,
        &walletpush::session::SessionClaims {
            sid: "sid-1".into(),
            epk: epk.public().to_value(),
            aud: WIDGET.into(),
            exp: walletpush_server::clock::now() + 300,
        },
    )
    .unwrap();
    let body = json!({"handle": token, "wallet": "sandbox", "session": session});
    let url = format!("{base}/walletpush/v1/credentials");
    // Without the binding cookie the handle is worth nothing, and stays unspent.
    let (status, _, unbound) = request("POST", &url, Some(body.clone()), None).await;
    assert_eq!(
        (status, unbound["code"].as_str()),
        (401, Some("HANDLE_UNBOUND"))
    );
    let cookie = format!("walletpush_binding={value}");
    let (status, _, first) = request("POST", &url, Some(body.clone()), Some(&cookie)).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["last4"], "1111");
    assert!(first["activation"].is_string());
    let (status, _, again) = request("POST", &url, Some(body), Some(&cookie)).await;
    assert_eq!(
        (status, again["code"].as_str()),
        (409, Some("HANDLE_REPLAYED"))
    );

    // The release is audited, with the client's address, before the answer.
    let db = rusqlite::Connection::open(dir.path().join("server.sqlite")).unwrap();
    let (outcome, client): (String, String) = db
        .query_row("SELECT outcome, client FROM audit", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(outcome, "released");
    assert!(client.starts_with("127.0.0.1:"), "{client}");

    for path in ["/healthz", "/readyz", "/metrics"] {
        let (status, _, _) = request("GET", &format!("{base}{path}"), None, None).await;
        assert_eq!(status, 200, "{path}");
    }
    let (status, _, jwks) = request("GET", &format!("{base}/walletpush/v1/jwks"), None, None).await;
    assert_eq!(status, 200);
    assert_eq!(jwks["keys"][0]["kid"], "k1");
    let (status, headers, _) = request("GET", &format!("{base}/frame.html"), None, None).await;
    assert_eq!(status, 200);
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors http://bank.localhost:8080;"),
        "{csp}"
    );
    assert!(
        csp.contains("connect-src 'self' http://wallet.localhost:8082;"),
        "{csp}"
    );
    drop(server);

    // The request log: one JSON object a line, the route pattern, never the handle or card data.
    let mut log = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut log).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines
        .iter()
        .any(|l| l["route"] == "/walletpush/v1/credentials"
            && l["status"] == 200
            && l["listener"] == "widget"));
    assert!(!log.contains(&token[..40]) && !log.contains("4111111111111111"));
}

//! Whole flows through the three routers, in process: the issuer API, then the wallet in popup
//! and redirect modes, with credentials encrypted by the core's `jwe::encrypt` as the widget's
//! frame does. The HTTP-level suite (tests/sandbox/) covers the same from outside.

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use getrandom::SysRng;
use rand_core::UnwrapErr;
use serde_json::{json, Value};
use tower::ServiceExt;
use walletpush::jwe::{self, JweParams};
use walletpush::jwk::{KeySet, PublicJwk};
use walletpush::session::{self, WalletSession};
use walletpush::{b64, ErrorCode};

use crate::app::{App, SharedApp};
use crate::config::Origins;
use crate::db;
use crate::listeners;
use walletpush_server::{clock, ids};

const WIDGET: &str = "http://127.0.0.1:8081";
const RETURN_URL: &str = "http://127.0.0.1:8080/gift";

struct Sandbox {
    _dir: tempfile::TempDir,
    host: Router,
    widget: Router,
    wallet: Router,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let db = db::open(&dir.path().join(db::FILE_NAME)).unwrap();
        let origins = Origins::new("127.0.0.1", 8080, 8081, 8082, 8083);
        let www = dir.path().join("www");
        let app: SharedApp =
            Arc::new(App::new(db, origins, www, true, Default::default()).unwrap());
        Sandbox {
            host: listeners::host(&app),
            widget: listeners::widget(&app),
            wallet: listeners::wallet(&app),
            _dir: dir,
        }
    }

    async fn send(router: &Router, request: Request<Body>) -> Reply {
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap()
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    async fn post_json(router: &Router, path: &str, body: &Value) -> Reply {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ORIGIN, WIDGET)
            .body(Body::from(body.to_string()))
            .unwrap();
        Sandbox::send(router, request).await
    }

    async fn post_form(router: &Router, path: &str, body: String) -> Reply {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        Sandbox::send(router, request).await
    }

    async fn get(router: &Router, path: &str) -> Reply {
        Sandbox::send(router, Request::get(path).body(Body::empty()).unwrap()).await
    }

    async fn handle(&self, body: Value) -> String {
        let reply = Sandbox::post_json(&self.host, "/__sandbox/handle", &body).await;
        assert_eq!(reply.status, StatusCode::OK);
        reply.json()["handle"].as_str().unwrap().to_owned()
    }

    async fn payload(&self, sid: &str) -> Value {
        let handle = self.handle(json!({})).await;
        let body = json!({"handle": handle, "wallet": "sandbox", "sid": sid});
        let reply = Sandbox::post_json(&self.widget, "/walletpush/v1/credentials", &body).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        reply.json()
    }

    async fn wallet_keys(&self) -> KeySet {
        let doc = Sandbox::get(&self.wallet, "/.well-known/walletpush.json").await;
        KeySet::from_json(&doc.json()["jwks"].to_string()).unwrap()
    }

    async fn session(&self) -> Reply {
        Sandbox::post_json(
            &self.wallet,
            "/api/session",
            &json!({"client_origin": WIDGET}),
        )
        .await
    }

    async fn verified_session(&self) -> WalletSession {
        let token = self.session().await.json()["session"]
            .as_str()
            .unwrap()
            .to_owned();
        session::verify(&self.wallet_keys().await, &token, WIDGET, clock::now()).unwrap()
    }

    async fn fault(&self, target: &str, mode: &str) {
        let body = json!({"target": target, "mode": mode});
        let reply = Sandbox::post_json(&self.wallet, "/__sandbox/fault", &body).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
}

/// The frame's side of step 5: the payload plus `iat`, `nonce`, `cid` (and `exp`), encrypted.
fn encrypt(key: &PublicJwk, kid: &str, sid: &str, mut plaintext: Value, nonce: &str) -> String {
    let now = clock::now();
    plaintext["iat"] = json!(now);
    plaintext["nonce"] = json!(nonce);
    plaintext["cid"] = json!("cid-flow-test");
    if sid.starts_with("r-") {
        plaintext["exp"] = json!(now + 300);
    }
    let params = JweParams {
        kid: Some(kid),
        apu: Some(WIDGET.as_bytes()),
        apv: Some(sid.as_bytes()),
    };
    jwe::encrypt(
        key,
        plaintext.to_string().as_bytes(),
        &params,
        &mut UnwrapErr(SysRng),
    )
    .unwrap()
}

fn nonce() -> String {
    ids::random("")
}

#[tokio::test]
async fn popup_flow_provisions_once_and_refuses_replays() {
    let sandbox = Sandbox::new();
    let session = sandbox.verified_session().await;
    let payload = sandbox.payload(&session.sid).await;
    let jwe = encrypt(&session.key, &session.kid, &session.sid, payload, &nonce());
    let body = json!({"sid": session.sid, "jwe": jwe});

    let display = Sandbox::post_json(&sandbox.wallet, "/api/credential", &body).await;
    assert_eq!(display.status, StatusCode::OK);
    assert_eq!(display.json()["last4"], "1111");
    assert!(!display.text().contains("4111111111111111"));

    let again = Sandbox::post_json(&sandbox.wallet, "/api/credential", &body).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json()["code"], "WALLET_REJECTED");

    let confirm = json!({"sid": session.sid});
    let first = Sandbox::post_json(&sandbox.wallet, "/api/confirm", &confirm).await;
    let second = Sandbox::post_json(&sandbox.wallet, "/api/confirm", &confirm).await;
    assert_eq!(first.json()["status"], "success");
    assert_eq!(first.json()["cid"], "cid-flow-test");
    assert_eq!(first.json()["token"], second.json()["token"]);
    let tokens = Sandbox::get(&sandbox.wallet, "/api/tokens").await.json();
    assert_eq!(tokens[0]["ref"], first.json()["token"]["ref"]);
    let page = Sandbox::get(&sandbox.wallet, "/cards").await.text();
    assert!(page.contains("1111") && !page.contains("4111111111111111"));
}

#[tokio::test]
async fn popup_refuses_a_reused_nonce_and_a_foreign_binding() {
    let sandbox = Sandbox::new();
    let reused = nonce();
    let first = sandbox.verified_session().await;
    let jwe = encrypt(
        &first.key,
        &first.kid,
        &first.sid,
        sandbox.payload(&first.sid).await,
        &reused,
    );
    let reply = Sandbox::post_json(
        &sandbox.wallet,
        "/api/credential",
        &json!({"sid": first.sid, "jwe": jwe}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);

    let second = sandbox.verified_session().await;
    let payload = sandbox.payload(&second.sid).await;
    let jwe = encrypt(
        &second.key,
        &second.kid,
        &second.sid,
        payload.clone(),
        &reused,
    );
    let reply = Sandbox::post_json(
        &sandbox.wallet,
        "/api/credential",
        &json!({"sid": second.sid, "jwe": jwe}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "nonce replay");

    // Bound to another session id: refused, and the session key is gone afterwards.
    let third = sandbox.verified_session().await;
    let jwe = encrypt(&third.key, &third.kid, &second.sid, payload, &nonce());
    let body = json!({"sid": third.sid, "jwe": jwe});
    let reply = Sandbox::post_json(&sandbox.wallet, "/api/credential", &body).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["code"], "WALLET_REJECTED");
}

#[tokio::test]
async fn redirect_flow_returns_the_result_in_the_fragment() {
    let sandbox = Sandbox::new();
    let keys = sandbox.wallet_keys().await;
    let enc = keys
        .keys()
        .iter()
        .find(|k| k.kid().is_some_and(|kid| kid.starts_with("enc-")))
        .unwrap();
    let sid = ids::random("r-");
    let jwe = encrypt(
        enc,
        enc.kid().unwrap(),
        &sid,
        sandbox.payload(&sid).await,
        &nonce(),
    );
    let form = format!("jwe={jwe}&return_url={RETURN_URL}");

    let page = Sandbox::post_form(&sandbox.wallet, "/provision", form.clone()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .text()
        .contains(&format!(r#"name="sid" value="{sid}""#)));
    assert!(page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .contains("form-action 'self' http://127.0.0.1:8080"));

    let done = Sandbox::post_form(
        &sandbox.wallet,
        "/provision/confirm",
        format!("sid={sid}&decision=confirm"),
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let location = done.headers[header::LOCATION].to_str().unwrap();
    let fragment = location
        .strip_prefix(&format!("{RETURN_URL}#walletpush="))
        .unwrap();
    let result: Value = serde_json::from_slice(&b64::decode(fragment).unwrap()).unwrap();
    assert_eq!(result["status"], "success");
    assert_eq!(result["token"]["last4"], "1111");
    assert_eq!(result["cid"], "cid-flow-test");

    // The same JWE again: a page that leads back with an error result.
    let replay = Sandbox::post_form(&sandbox.wallet, "/provision", form).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    assert!(replay
        .text()
        .contains(&format!(r#"href="{RETURN_URL}#walletpush="#)));

    // A return URL of an unknown site: no way back is offered.
    let foreign = format!("jwe={jwe}&return_url=http://evil.example/");
    let refused = Sandbox::post_form(&sandbox.wallet, "/provision", foreign).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(!refused.text().contains("evil.example"));
}

#[tokio::test]
async fn session_faults_break_what_they_name() {
    let sandbox = Sandbox::new();
    let keys = sandbox.wallet_keys().await;
    let verify = |token: &str| session::verify(&keys, token, WIDGET, clock::now());
    let cases = [
        ("bad-signature", ErrorCode::WalletSessionInvalid),
        ("wrong-aud", ErrorCode::WalletSessionInvalid),
        ("off-curve-key", ErrorCode::WalletKeyInvalid),
    ];
    for (mode, code) in cases {
        sandbox.fault("session", mode).await;
        let reply = sandbox.session().await.json();
        let error = verify(reply["session"].as_str().unwrap()).unwrap_err();
        assert_eq!(error.code(), code, "{mode}");
    }
    sandbox.fault("session", "silent").await;
    assert_eq!(sandbox.session().await.json()["post_ready"], false);
    let reset = Sandbox::post_json(&sandbox.widget, "/__sandbox/reset-faults", &json!({})).await;
    assert_eq!(reset.status, StatusCode::OK);
    let reply = sandbox.session().await.json();
    assert_eq!(reply["post_ready"], true);
    assert!(verify(reply["session"].as_str().unwrap()).is_ok());
}

#[tokio::test]
async fn credentials_fault_answers_internal() {
    let sandbox = Sandbox::new();
    let body = json!({"target": "credentials", "mode": "500"});
    Sandbox::post_json(&sandbox.widget, "/__sandbox/fault", &body).await;
    let handle = sandbox.handle(json!({})).await;
    let request = json!({"handle": handle, "wallet": "sandbox", "sid": "s-1"});
    let reply = Sandbox::post_json(&sandbox.widget, "/walletpush/v1/credentials", &request).await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.json()["code"], "INTERNAL");
    let bad = json!({"target": "credentials", "mode": "404"});
    let refused = Sandbox::post_json(&sandbox.widget, "/__sandbox/fault", &bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_redemptions_of_one_handle_give_exactly_one_payload() {
    let sandbox = Arc::new(Sandbox::new());
    let handles = [
        sandbox.handle(json!({})).await,
        sandbox.handle(json!({})).await,
    ];
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..64 {
        let sandbox = Arc::clone(&sandbox);
        let handle = handles[i % 2].clone();
        tasks.spawn(async move {
            let body = json!({"handle": handle, "wallet": "sandbox", "sid": format!("s-{i}")});
            let reply =
                Sandbox::post_json(&sandbox.widget, "/walletpush/v1/credentials", &body).await;
            (i % 2, reply.status, reply.json()["code"].clone())
        });
    }
    let mut payloads = [0; 2];
    while let Some(joined) = tasks.join_next().await {
        let (handle, status, code) = joined.unwrap();
        if status == StatusCode::OK {
            payloads[handle] += 1;
        } else {
            assert_eq!(status, StatusCode::CONFLICT);
            assert_eq!(code, ErrorCode::HandleReplayed.as_str());
        }
    }
    assert_eq!(payloads, [1, 1]);
}

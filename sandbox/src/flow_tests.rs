//! Whole flows through the three routers, in process: the issuer API (with the binding cookie),
//! then the wallet in popup and redirect modes, with credentials encrypted by the core's
//! `jwe::encrypt` as the widget's frame does, and the wallet's signed results verified with the
//! wallet's published key. The HTTP-level suite (tests/sandbox/) covers the same from outside.

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
use walletpush::{jws, ErrorCode};

use crate::app::{App, SharedApp};
use crate::config::Origins;
use crate::db;
use crate::listeners;
use walletpush_server::limits::RateLimits;
use walletpush_server::{clock, ids};

const WIDGET: &str = "http://walletpush.bank.localhost:8081";
const RETURN_URL: &str = "http://bank.localhost:8080/gift";

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
        Sandbox::with_app().0
    }

    fn with_app() -> (Sandbox, SharedApp) {
        let dir = tempfile::tempdir().unwrap();
        let db = db::open(&dir.path().join(db::FILE_NAME)).unwrap();
        let origins = Origins::new(crate::config::Names::DEFAULT, 8080, 8081, 8082).unwrap();
        let www = dir.path().join("www");
        let app: SharedApp = Arc::new(
            App::new(
                db,
                origins,
                www,
                true,
                Default::default(),
                // In process, no wallet listens: the issuer API takes the pinned document.
                true,
                RateLimits::NONE,
            )
            .unwrap(),
        );
        let sandbox = Sandbox {
            host: listeners::host(&app),
            widget: listeners::widget(&app),
            wallet: listeners::wallet(&app),
            _dir: dir,
        };
        (sandbox, app)
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

    /// A handle from the test hook and the binding cookie value it is bound to.
    async fn handle(&self, body: Value) -> (String, String) {
        let reply = Sandbox::post_json(&self.host, "/__sandbox/handle", &body).await;
        assert_eq!(reply.status, StatusCode::OK);
        let json = reply.json();
        (
            json["handle"].as_str().unwrap().to_owned(),
            json["binding"].as_str().unwrap().to_owned(),
        )
    }

    /// `POST /walletpush/v1/credentials` as the widget frame sends it: its Origin, the binding
    /// cookie.
    async fn redeem(&self, body: &Value, binding: &str) -> Reply {
        let request = Request::post("/walletpush/v1/credentials")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ORIGIN, WIDGET)
            .header(header::COOKIE, format!("walletpush_binding={binding}"))
            .body(Body::from(body.to_string()))
            .unwrap();
        Sandbox::send(&self.widget, request).await
    }

    /// The payload for a popup session (`session`: its token) or a redirect attempt
    /// (`state`).
    async fn payload(&self, attempt: (&str, &str)) -> Value {
        let (handle, binding) = self.handle(json!({})).await;
        let mut body = json!({"handle": handle, "wallet": "sandbox"});
        body[attempt.0] = json!(attempt.1);
        let reply = self.redeem(&body, &binding).await;
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

    /// A session: verified, and its token as the issuer API takes it.
    async fn verified_session(&self) -> (WalletSession, String) {
        let token = self.session().await.json()["session"]
            .as_str()
            .unwrap()
            .to_owned();
        let session =
            session::verify(&self.wallet_keys().await, &token, WIDGET, clock::now()).unwrap();
        (session, token)
    }

    /// The claims of a result JWS, verified with the wallet's published signing key.
    async fn result_claims(&self, result: &str) -> Value {
        let verified = jws::verify(&self.wallet_keys().await, result, clock::now()).unwrap();
        assert_eq!(
            verified.header.get("typ").and_then(|t| t.as_str()),
            Some("walletpush-result+jwt")
        );
        serde_json::from_slice(&verified.payload).unwrap()
    }

    /// Signs in to the wallet's demo user; the `Cookie` header value.
    async fn wallet_sign_in(&self) -> String {
        // From another site (here the widget origin): refused.
        let foreign = Sandbox::post_json(&self.wallet, "/api/signin", &json!({})).await;
        assert_eq!(foreign.status, StatusCode::FORBIDDEN);
        assert!(foreign.headers.get(header::SET_COOKIE).is_none());
        let request = Request::post("/api/signin")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ORIGIN, "http://wallet.localhost:8082")
            .body(Body::from("{}"))
            .unwrap();
        let reply = Sandbox::send(&self.wallet, request).await;
        assert_eq!(reply.status, StatusCode::OK);
        reply.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    }

    async fn wallet_get(&self, path: &str, cookie: &str) -> Reply {
        let request = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        Sandbox::send(&self.wallet, request).await
    }

    async fn fault(&self, target: &str, mode: &str) {
        let body = json!({"target": target, "mode": mode});
        let reply = Sandbox::post_json(&self.wallet, "/__sandbox/fault", &body).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
}

/// The frame's side of step 5: the payload plus `iat`, `nonce`, `cid` (and `exp` for a
/// redirect `state`, which [`state`] makes), encrypted.
fn encrypt(key: &PublicJwk, kid: &str, sid: &str, mut plaintext: Value, nonce: &str) -> String {
    let now = clock::now();
    plaintext["iat"] = json!(now);
    plaintext["nonce"] = json!(nonce);
    plaintext["cid"] = json!("cid-flow-test");
    if sid.starts_with('R') {
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

/// A redirect attempt's `state` as the frame makes it: 22 base64url characters (here always
/// starting with `R`, which tells [`encrypt`] to add `exp`).
fn state() -> String {
    let mut state = ids::random("");
    state.replace_range(0..1, "R");
    state
}

#[tokio::test]
async fn popup_flow_provisions_once_and_refuses_replays() {
    let sandbox = Sandbox::new();
    let (session, token) = sandbox.verified_session().await;
    let payload = sandbox.payload(("session", &token)).await;
    let jwe = encrypt(&session.key, &session.kid, &session.sid, payload, &nonce());
    let body = json!({"sid": session.sid, "jwe": jwe});

    let display = Sandbox::post_json(&sandbox.wallet, "/api/credential", &body).await;
    assert_eq!(display.status, StatusCode::OK);
    assert_eq!(display.json()["last4"], "1111");
    assert!(!display.text().contains("4111111111111111"));

    let again = Sandbox::post_json(&sandbox.wallet, "/api/credential", &body).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json()["code"], "WALLET_REJECTED");
    let refused = sandbox
        .result_claims(again.json()["result"].as_str().unwrap())
        .await;
    assert_eq!(refused["status"], "error");
    assert_eq!(refused["code"], "WALLET_REJECTED");
    assert_eq!(refused["sid"], json!(session.sid));

    let confirm = json!({"sid": session.sid});
    let first = Sandbox::post_json(&sandbox.wallet, "/api/confirm", &confirm).await;
    let second = Sandbox::post_json(&sandbox.wallet, "/api/confirm", &confirm).await;
    let result = sandbox
        .result_claims(first.json()["result"].as_str().unwrap())
        .await;
    let again = sandbox
        .result_claims(second.json()["result"].as_str().unwrap())
        .await;
    assert_eq!(result["status"], "success");
    assert_eq!(result["sid"], json!(session.sid));
    assert_eq!(result["cid"], "cid-flow-test");
    assert_eq!(result["last4"], "1111");
    assert!(result.get("state").is_none());
    assert_eq!(result["token_ref"], again["token_ref"]);

    // The listings need the wallet user's sign-in.
    let anonymous = Sandbox::get(&sandbox.wallet, "/api/tokens").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert!(!anonymous.text().contains("tok_"));
    let anonymous = Sandbox::get(&sandbox.wallet, "/cards").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert!(!anonymous.text().contains("tok_"));
    let cookie = sandbox.wallet_sign_in().await;
    let tokens = sandbox.wallet_get("/api/tokens", &cookie).await.json();
    assert_eq!(tokens[0]["ref"], result["token_ref"]);
    let page = sandbox.wallet_get("/cards", &cookie).await.text();
    assert!(page.contains("1111") && !page.contains("4111111111111111"));
    let forged = sandbox
        .wallet_get("/api/tokens", "wp_wallet_user=AAAAAAAAAAAAAAAAAAAAAA")
        .await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn cancelling_gives_a_signed_cancellation() {
    let sandbox = Sandbox::new();
    let reply = sandbox.session().await.json();
    let presigned = sandbox
        .result_claims(reply["cancel"].as_str().unwrap())
        .await;
    assert_eq!(presigned["status"], "cancelled");
    assert_eq!(presigned["sid"], reply["sid"]);
    let body = json!({"sid": reply["sid"], "cid": "cid-1"});
    let cancel = Sandbox::post_json(&sandbox.wallet, "/api/cancel", &body).await;
    let claims = sandbox
        .result_claims(cancel.json()["result"].as_str().unwrap())
        .await;
    assert_eq!(claims["status"], "cancelled");
    assert_eq!(claims["sid"], reply["sid"]);
    assert_eq!(claims["cid"], "cid-1");
}

#[tokio::test]
async fn a_failure_the_page_saw_gets_a_signed_error() {
    let sandbox = Sandbox::new();
    let sid = sandbox.session().await.json()["sid"].clone();
    for (sent, signed) in [
        ("WALLET_UNAVAILABLE", "WALLET_UNAVAILABLE"),
        ("NETWORK", "NETWORK"),
        ("HANDLE_INVALID", "WALLET_REJECTED"),
        ("<script>", "WALLET_REJECTED"),
    ] {
        let body = json!({"sid": sid, "code": sent, "cid": "cid-2"});
        let reply = Sandbox::post_json(&sandbox.wallet, "/api/error", &body).await;
        assert_eq!(reply.status, StatusCode::OK);
        let claims = sandbox
            .result_claims(reply.json()["result"].as_str().unwrap())
            .await;
        assert_eq!(claims["status"], "error");
        assert_eq!(claims["code"], signed, "{sent}");
        assert_eq!(claims["sid"], sid);
        assert_eq!(claims["cid"], "cid-2");
    }
    let bad = Sandbox::post_json(
        &sandbox.wallet,
        "/api/error",
        &json!({"sid": "a b", "code": "NETWORK"}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_wallet_serves_registered_client_origins_only() {
    let sandbox = Sandbox::new();
    let foreign = "http://evil.localhost:8081";
    let entry = Sandbox::get(
        &sandbox.wallet,
        &format!("/entry?client_origin={foreign}&locale=en"),
    )
    .await;
    assert_eq!(entry.status, StatusCode::FORBIDDEN);
    assert!(!entry.text().contains("data-client-origin"));
    assert!(!entry.text().contains(foreign));
    let own = Sandbox::get(&sandbox.wallet, &format!("/entry?client_origin={WIDGET}")).await;
    assert_eq!(own.status, StatusCode::OK);

    let session = Sandbox::post_json(
        &sandbox.wallet,
        "/api/session",
        &json!({"client_origin": foreign}),
    )
    .await;
    assert_eq!(session.status, StatusCode::FORBIDDEN);
    assert!(session.json().get("session").is_none());

    // A redirect credential encrypted by another widget origin (apu): refused before
    // decryption, and the state stays unspent.
    let keys = sandbox.wallet_keys().await;
    let enc = keys
        .keys()
        .iter()
        .find(|k| k.kid().is_some_and(|kid| kid.starts_with("enc-")))
        .unwrap();
    let state = state();
    let plaintext = sandbox.payload(("state", &state)).await;
    let params = JweParams {
        kid: enc.kid(),
        apu: Some(foreign.as_bytes()),
        apv: Some(state.as_bytes()),
    };
    let mut full = plaintext.clone();
    full["iat"] = json!(clock::now());
    full["exp"] = json!(clock::now() + 300);
    full["nonce"] = json!(nonce());
    let jwe = jwe::encrypt(
        enc,
        full.to_string().as_bytes(),
        &params,
        &mut UnwrapErr(SysRng),
    )
    .unwrap();
    let form = format!("jwe={jwe}&return_url={RETURN_URL}");
    let refused = Sandbox::post_form(&sandbox.wallet, "/provision", form).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(!refused.text().contains("#walletpush="));
    assert!(!refused.text().contains(r#"name="sid""#));
    // The same attempt from the registered origin still goes through.
    let jwe = encrypt(enc, enc.kid().unwrap(), &state, plaintext, &nonce());
    let form = format!("jwe={jwe}&return_url={RETURN_URL}");
    let accepted = Sandbox::post_form(&sandbox.wallet, "/provision", form).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text());
}

#[tokio::test]
async fn an_activation_for_another_card_is_refused() {
    let sandbox = Sandbox::new();
    let (session, token) = sandbox.verified_session().await;
    let mut payload = sandbox.payload(("session", &token)).await;
    // The activation approves 4111 1111 1111 1111; present another card with it.
    payload["pan"] = json!("5555555555554444");
    payload["last4"] = json!("4444");
    let jwe = encrypt(&session.key, &session.kid, &session.sid, payload, &nonce());
    let body = json!({"sid": session.sid, "jwe": jwe});
    let reply = Sandbox::post_json(&sandbox.wallet, "/api/credential", &body).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["code"], "WALLET_REJECTED");
    assert!(!reply.text().contains("5555555555554444"));
    let claims = sandbox
        .result_claims(reply.json()["result"].as_str().unwrap())
        .await;
    assert_eq!(claims["status"], "error");
    assert_eq!(claims["sid"], json!(session.sid));
    let confirm = json!({"sid": session.sid});
    let nothing = Sandbox::post_json(&sandbox.wallet, "/api/confirm", &confirm).await;
    assert_eq!(nothing.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn popup_refuses_a_reused_nonce_and_a_foreign_binding() {
    let sandbox = Sandbox::new();
    let reused = nonce();
    let (first, token) = sandbox.verified_session().await;
    let jwe = encrypt(
        &first.key,
        &first.kid,
        &first.sid,
        sandbox.payload(("session", &token)).await,
        &reused,
    );
    let reply = Sandbox::post_json(
        &sandbox.wallet,
        "/api/credential",
        &json!({"sid": first.sid, "jwe": jwe}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);

    let (second, token) = sandbox.verified_session().await;
    let payload = sandbox.payload(("session", &token)).await;
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
    let (third, _) = sandbox.verified_session().await;
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
    let sid = state();
    let jwe = encrypt(
        enc,
        enc.kid().unwrap(),
        &sid,
        sandbox.payload(("state", &sid)).await,
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
        .contains("form-action 'self' http://bank.localhost:8080"));

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
    let result = sandbox.result_claims(fragment).await;
    assert_eq!(result["status"], "success");
    assert_eq!(result["last4"], "1111");
    assert_eq!(result["state"], json!(sid));
    assert!(result.get("sid").is_none());
    assert_eq!(result["cid"], "cid-flow-test");

    // The same JWE again: a page that leads back with a signed error result.
    let replay = Sandbox::post_form(&sandbox.wallet, "/provision", form).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);
    let text = replay.text();
    let start = text
        .find(&format!(r#"href="{RETURN_URL}#walletpush="#))
        .unwrap();
    let fragment = text[start..]
        .split('"')
        .nth(1)
        .unwrap()
        .split_once("#walletpush=")
        .unwrap()
        .1;
    let error = sandbox.result_claims(fragment).await;
    assert_eq!(error["status"], "error");
    assert_eq!(error["state"], json!(sid));

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
    let (handle, binding) = sandbox.handle(json!({})).await;
    let request = json!({"handle": handle, "wallet": "sandbox", "state": ids::random("")});
    let reply = sandbox.redeem(&request, &binding).await;
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
    // Eight: within the issuer API's per-card burst, so that only the replay check answers.
    for i in 0..8 {
        let sandbox = Arc::clone(&sandbox);
        let (handle, binding) = handles[i % 2].clone();
        tasks.spawn(async move {
            let state = ids::random("");
            let body = json!({"handle": handle, "wallet": "sandbox", "state": state});
            let reply = sandbox.redeem(&body, &binding).await;
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

#[tokio::test]
async fn the_widget_pins_the_sandbox_wallet() {
    let app = |pin_document: bool| {
        let dir = tempfile::tempdir().unwrap();
        let db = db::open(&dir.path().join(db::FILE_NAME)).unwrap();
        let origins = Origins::new(crate::config::Names::DEFAULT, 8080, 8081, 8082).unwrap();
        let www = dir.path().join("www");
        let app = App::new(
            db,
            origins,
            www,
            false,
            Default::default(),
            pin_document,
            RateLimits::NONE,
        )
        .unwrap();
        (dir, app)
    };
    let (_dir, pinned) = app(true);
    let wallet = &pinned.server.deployment.wallets[0];
    assert_eq!(
        wallet.signing_keys,
        vec![pinned.keys.wallet_sig.public().thumbprint()]
    );
    let document = wallet.document.as_ref().unwrap();
    assert_eq!(document["entry_url"], "http://wallet.localhost:8082/entry");
    let sig: Vec<_> = document["jwks"]["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["use"] == "sig")
        .collect();
    assert_eq!(sig.len(), 1);
    assert_eq!(pinned.wallet_clients, vec![WIDGET.to_owned()]);
    let (_dir, discovered) = app(false);
    let wallet = &discovered.server.deployment.wallets[0];
    assert!(wallet.document.is_none());
    assert_eq!(wallet.signing_keys.len(), 1);
}

#[tokio::test]
async fn the_card_rate_flag_limits_redemptions_per_card() {
    let dir = tempfile::tempdir().unwrap();
    let db = db::open(&dir.path().join(db::FILE_NAME)).unwrap();
    let origins = Origins::new(crate::config::Names::DEFAULT, 8080, 8081, 8082).unwrap();
    let limits = RateLimits {
        client: None,
        card: Some(walletpush_server::limits::Rate::per_minute(1.0, 1)),
    };
    let app: SharedApp = Arc::new(
        App::new(
            db,
            origins,
            dir.path().join("www"),
            true,
            Default::default(),
            true,
            limits,
        )
        .unwrap(),
    );
    let sandbox = Sandbox {
        host: listeners::host(&app),
        widget: listeners::widget(&app),
        wallet: listeners::wallet(&app),
        _dir: dir,
    };
    let mut replies = Vec::new();
    for _ in 0..2 {
        let (handle, binding) = sandbox.handle(json!({})).await;
        let body = json!({"handle": handle, "wallet": "sandbox", "state": ids::random("")});
        replies.push(sandbox.redeem(&body, &binding).await);
    }
    assert_eq!(replies[0].status, StatusCode::OK);
    assert_eq!(replies[1].status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(replies[1].json()["code"], "RATE_LIMITED");
    assert!(replies[1].headers.contains_key(header::RETRY_AFTER));
}

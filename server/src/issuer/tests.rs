//! The issuer API's exchange, attacked check by check: each refusal spends nothing, and the
//! user's own request succeeds afterwards.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::http::Request;
use serde_json::{json, Value};
use tower::ServiceExt;
use walletpush::jwk::{KeySet, KeyUse, PrivateJwk};
use walletpush::session::{self, SessionClaims};

use super::*;
use crate::adapters::{Adapters, Google};
use crate::cards::{CardData, CardSecrets, CardSource};
use crate::deployment::{Deployment, WalletpushWallet, Wants};
use crate::limits::{Rate, RateLimits};
use crate::mint::{self, BindingSecret};
use crate::signer::{KeyRing, Signer};
use crate::store::sqlite::SqliteStore;
use crate::store::{BoxFuture, Store};

const WIDGET: &str = "https://walletpush.bank.example";
const HOST: &str = "https://bank.example";
const ADAPTER: &str = "https://wallets.bank.example";
const WALLET: &str = "https://wallet.example";
const PAN: &str = "4111111111111111";

/// Answers by card reference; `flaky` fails its first call as unavailable.
#[derive(Debug, Default)]
struct Cards {
    calls: AtomicUsize,
}

impl CardSource for Cards {
    fn card<'a>(&'a self, r: CardRequest<'a>) -> BoxFuture<'a, Result<Card, CardError>> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        let answer = match r.card {
            "flaky" if call == 0 => Err(CardError::Unavailable("test".into())),
            "broken" => Err(CardError::Failed("test".into())),
            "closed" => Err(CardError::Inactive),
            "gone" => Err(CardError::Unknown),
            card => Ok(Card {
                data: CardData {
                    card_ref: card.to_owned(),
                    product: "Gift card".into(),
                    network: "visa".into(),
                    last4: "1111".into(),
                    art: None,
                },
                secrets: CardSecrets {
                    pan: PAN.into(),
                    exp_month: 12,
                    exp_year: 2030,
                    name: "A. Holder".into(),
                    billing: Billing {
                        line1: "1 Main St".into(),
                        city: "Springfield".into(),
                        postal_code: "12345".into(),
                        country: "US".into(),
                    },
                },
            }),
        };
        Box::pin(async move { answer })
    }
}

fn key(kid: &str) -> PrivateJwk {
    PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng)).with_meta(kid, KeyUse::Sig)
}

/// A wallet's discovery document with `keys` (signing keys) and one encryption key.
fn document(origin: &str, keys: &[&PrivateJwk]) -> Value {
    let enc = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng))
        .with_meta("enc-1", KeyUse::Enc);
    let mut jwks: Vec<Value> = keys
        .iter()
        .map(|k| serde_json::from_str(&k.public().to_json()).unwrap())
        .collect();
    jwks.push(serde_json::from_str(&enc.public().to_json()).unwrap());
    json!({
        "protocol": "walletpush/1", "name": "Sandbox Wallet",
        "entry_url": format!("{origin}/entry"), "provision_url": format!("{origin}/provision"),
        "jwks": {"keys": jwks}
    })
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Arc<SqliteStore>,
    state: Arc<ServerState>,
    router: Router,
    key: PrivateJwk,
    deployment: Deployment,
    /// The wallet's pinned signing key.
    wallet_key: PrivateJwk,
    /// The binding secret of the user's session at the host.
    secret: BindingSecret,
}

fn fixture() -> Fixture {
    fixture_with(RateLimits::NONE, None)
}

/// A deployment with two pinned `walletpush/1` wallets (`sandbox`; `named`, which wants
/// name and billing), Google on the adapter origin, and `remote`, a wallet whose document
/// is fetched from `remote` when given.
fn fixture_with(limits: RateLimits, remote: Option<(&str, &PrivateJwk)>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let key = key("k1");
    let ring = Arc::new(KeyRing::new(key.clone(), vec![]).unwrap());
    let handle_keys = ring.public_keys().clone();
    let wallet_key = self::key("sig-1");
    let pinned = |id: &str, wants| WalletpushWallet {
        id: id.into(),
        name: "Sandbox Wallet".into(),
        origin: WALLET.into(),
        signing_keys: vec![wallet_key.public().thumbprint()],
        document: Some(document(WALLET, &[&wallet_key])),
        wants,
    };
    let mut wallets = vec![
        pinned("sandbox", Wants::default()),
        pinned(
            "named",
            Wants {
                name: true,
                billing: true,
            },
        ),
    ];
    if let Some((origin, remote_key)) = remote {
        wallets.push(WalletpushWallet {
            id: "remote".into(),
            name: "Remote Wallet".into(),
            origin: origin.into(),
            signing_keys: vec![remote_key.public().thumbprint()],
            document: None,
            wants: Wants::default(),
        });
    }
    let deployment = Deployment {
        issuer_id: "bank".into(),
        widget_origin: WIDGET.into(),
        host_origins: vec![HOST.into()],
        wallets,
        adapters: Adapters {
            google: Some(Google {
                script_url: "https://pay.google.com/gp/p/js/integration.min.js".into(),
                integrator_id: Some("bank_123".into()),
                test_environment: true,
            }),
            ..Adapters::default()
        },
        adapter_origin: Some(ADAPTER.into()),
        www_dir: PathBuf::from("www"),
    };
    let store = Arc::new(SqliteStore::open(&dir.path().join("s.sqlite")).unwrap());
    let state = ServerState::new(
        deployment.clone(),
        ring,
        handle_keys,
        Arc::new(Cards::default()),
        Arc::clone(&store) as _,
    )
    .unwrap()
    .with_rate_limits(limits);
    let state = Arc::new(state);
    Fixture {
        _dir: dir,
        store,
        router: crate::router(&state, crate::http::LogFormat::Plain),
        state,
        key,
        deployment,
        wallet_key,
        secret: BindingSecret::generate(),
    }
}

/// A request: its body and headers, as the widget frame sends it unless changed.
struct Call {
    body: Value,
    headers: Vec<(String, String)>,
}

impl Call {
    fn header(mut self, name: &str, value: &str) -> Call {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn without(mut self, name: &str) -> Call {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    fn replace(self, name: &str, value: &str) -> Call {
        self.without(name).header(name, value)
    }

    fn body(mut self, edit: impl FnOnce(&mut Value)) -> Call {
        edit(&mut self.body);
        self
    }
}

/// An answer: status, headers, JSON body.
struct Answer {
    status: u16,
    headers: axum::http::HeaderMap,
    body: Value,
}

impl Answer {
    fn code(&self) -> (u16, Option<&str>) {
        (self.status, self.body["code"].as_str())
    }
}

impl Fixture {
    /// The audit's (card, outcome) pairs, oldest first.
    fn audit(&self) -> Vec<(String, String)> {
        self.store
            .db()
            .read(|c| {
                let mut stmt = c.prepare("SELECT card, outcome FROM audit ORDER BY id")?;
                let rows = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .unwrap()
    }

    fn outcomes(&self) -> Vec<String> {
        self.audit().into_iter().map(|(_, o)| o).collect()
    }

    /// A handle for `card`, bound to the fixture's binding secret.
    fn handle(&self, card: &str) -> String {
        self.handle_bound(card, &self.secret)
    }

    fn handle_bound(&self, card: &str, secret: &BindingSecret) -> String {
        let data = CardData {
            card_ref: card.into(),
            product: "Gift card".into(),
            network: "visa".into(),
            last4: "1111".into(),
            art: None,
        };
        let claims = mint::claims(
            &self.deployment,
            "user-1",
            &data,
            clock::now(),
            &secret.bnd(),
        );
        mint::mint(&self.key, &claims).unwrap()
    }

    /// A session token of the wallet, signed with `key`, for `aud`, expiring at `exp`.
    fn session_by(&self, key: &PrivateJwk, sid: &str, aud: &str, exp: i64) -> String {
        let epk = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng))
            .with_meta("sk-1", KeyUse::Enc);
        session::issue(
            key,
            &SessionClaims {
                sid: sid.into(),
                epk: epk.public().to_value(),
                aud: aud.into(),
                exp,
            },
        )
        .unwrap()
    }

    fn session(&self, sid: &str) -> String {
        self.session_by(&self.wallet_key, sid, WIDGET, clock::now() + 300)
    }

    /// The widget frame's popup request for `handle`.
    fn call(&self, handle: &str) -> Call {
        Call {
            body: json!({"handle": handle, "wallet": "sandbox", "session": self.session("sid-1")}),
            headers: vec![
                ("origin".into(), WIDGET.into()),
                ("sec-fetch-site".into(), "same-origin".into()),
                (
                    "cookie".into(),
                    format!(
                        "theme=dark; walletpush_binding={}",
                        self.secret.cookie_value()
                    ),
                ),
            ],
        }
    }

    /// Google's request from the adapter frame for `handle`.
    fn google_call(&self, handle: &str) -> Call {
        self.call(handle)
            .body(|b| {
                *b = json!({
                    "handle": b["handle"], "wallet": "google", "server_session_id": "srv-1",
                    "public_device_id": "dev-1", "public_wallet_id": "wal-1"
                })
            })
            .replace("origin", ADAPTER)
            .replace("sec-fetch-site", "same-site")
    }

    async fn send(&self, call: Call) -> Answer {
        self.send_method("POST", call).await
    }

    async fn send_method(&self, method: &str, call: Call) -> Answer {
        let mut request = Request::builder()
            .method(method)
            .uri("/walletpush/v1/credentials")
            .header(header::CONTENT_TYPE, "application/json");
        for (name, value) in &call.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let mut request = request.body(Body::from(call.body.to_string())).unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 1], 40000))));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        Answer {
            status,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    async fn redeem(&self, handle: &str) -> Answer {
        self.send(self.call(handle)).await
    }

    async fn spent(&self, handle: &str) -> bool {
        let claims = handle::verify(
            &KeySet::new(vec![self.key.public().clone()]),
            handle,
            WIDGET,
            clock::now(),
        )
        .unwrap();
        self.store.redeemed(&claims.jti).await.unwrap()
    }
}

/// The activation's claims, verified with the issuer's keys.
fn activation_of(f: &Fixture, payload: &Value, bound: Bound<'_>, wallet: &str) -> ActivationClaims {
    activation::verify(
        f.state.signer.public_keys(),
        payload["activation"].as_str().unwrap(),
        bound,
        wallet,
        &binding::card_digest(PAN, 12, 2030),
        clock::now(),
    )
    .unwrap()
}

#[tokio::test]
async fn popup_mode_releases_the_card_for_the_verified_session() {
    let f = fixture();
    let answer = f.redeem(&f.handle("gift-1")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let payload = &answer.body;
    assert_eq!(payload["pan"], PAN);
    assert!(payload.get("art").is_none());
    // Name and billing only for a wallet that wants them.
    assert!(payload.get("name").is_none() && payload.get("billing").is_none());
    let activation = activation_of(&f, payload, Bound::Sid("sid-1"), "sandbox");
    assert_eq!(activation.card, "gift-1");
    assert!(answer
        .headers
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .is_none());
    // The handle is spent: a second redemption is refused, before the card source.
    let handle = f.handle("gift-2");
    assert_eq!(f.redeem(&handle).await.status, 200);
    assert_eq!(
        f.redeem(&handle).await.code(),
        (409, Some("HANDLE_REPLAYED"))
    );
    assert_eq!(f.outcomes(), ["released", "released"]);
}

#[tokio::test]
async fn a_wallet_that_wants_them_gets_name_and_billing() {
    let f = fixture();
    let call = f
        .call(&f.handle("gift-1"))
        .body(|b| b["wallet"] = json!("named"));
    let answer = f.send(call).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["name"], "A. Holder");
    assert_eq!(answer.body["billing"]["country"], "US");
    activation_of(&f, &answer.body, Bound::Sid("sid-1"), "named");
}

#[tokio::test]
async fn redirect_mode_names_the_frames_state() {
    let f = fixture();
    let state = "c3RhdGUtc3RhdGUtc3RhdG";
    let call = f.call(&f.handle("gift-1")).body(|b| {
        b.as_object_mut().unwrap().remove("session");
        b["state"] = json!(state);
    });
    let answer = f.send(call).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let activation = activation_of(&f, &answer.body, Bound::State(state), "sandbox");
    assert_eq!(activation.sid, None);
    let payload = jws_payload(answer.body["activation"].as_str().unwrap());
    assert_eq!(payload["card_digest"], binding::card_digest(PAN, 12, 2030));
}

fn jws_payload(token: &str) -> Value {
    serde_json::from_slice(&walletpush::jws::peek(token).unwrap().1).unwrap()
}

/// Each refusal below spends nothing and records nothing: afterwards the user's own
/// request with the same handle succeeds.
async fn refused_then_the_user_succeeds(
    f: &Fixture,
    cases: Vec<(&str, Call, u16, &str)>,
    handle: &str,
) {
    let released_before = f.outcomes().len();
    for (what, call, status, code) in cases {
        let answer = f.send(call).await;
        assert_eq!(
            answer.code(),
            (status, Some(code)),
            "{what}: {}",
            answer.body
        );
        assert!(answer.body.get("pan").is_none(), "{what}");
        assert!(!answer.body.to_string().contains(PAN), "{what}");
        assert!(!f.spent(handle).await, "{what} spent the handle");
        assert_eq!(f.outcomes().len(), released_before, "{what} left a record");
    }
    let answer = f.redeem(handle).await;
    assert_eq!(
        answer.status, 200,
        "the user's own request: {}",
        answer.body
    );
}

#[tokio::test]
async fn origin_and_fetch_metadata_are_the_widget_frames() {
    let f = fixture();
    let handle = f.handle("gift-1");
    let c = || f.call(&handle);
    let no = "ORIGIN_NOT_ALLOWED";
    let cases = vec![
        ("no Origin", c().without("origin"), 403, no),
        ("the host's Origin", c().replace("origin", HOST), 403, no),
        (
            "the adapter origin",
            c().replace("origin", ADAPTER),
            403,
            no,
        ),
        (
            "the wallet's origin",
            c().replace("origin", WALLET),
            403,
            no,
        ),
        ("Origin null", c().replace("origin", "null"), 403, no),
        ("two Origins", c().header("origin", WIDGET), 403, no),
        (
            "cross-site",
            c().replace("sec-fetch-site", "cross-site"),
            403,
            no,
        ),
        (
            "same-site",
            c().replace("sec-fetch-site", "same-site"),
            403,
            no,
        ),
        ("none", c().replace("sec-fetch-site", "none"), 403, no),
        (
            "two Sec-Fetch-Site",
            c().header("sec-fetch-site", "same-origin"),
            403,
            no,
        ),
    ];
    refused_then_the_user_succeeds(&f, cases, &handle).await;
    // Without fetch metadata (an older browser), Origin alone decides.
    let answer = f
        .send(f.call(&f.handle("gift-2")).without("sec-fetch-site"))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test]
async fn the_binding_cookie_must_be_there_once_and_match() {
    let f = fixture();
    let handle = f.handle("gift-1");
    let c = || f.call(&handle);
    let own = f.secret.cookie_value();
    let other = BindingSecret::generate().cookie_value();
    let cases = [
        (
            "no cookie",
            c().without("cookie"),
            "cookies are blocked or the widget origin is not same-site with the host page",
        ),
        (
            "other cookies only",
            c().replace("cookie", "theme=dark; walletpush_binding_x=1"),
            "cookies are blocked or the widget origin is not same-site with the host page",
        ),
        (
            "a cookie of another session",
            c().replace("cookie", &format!("walletpush_binding={other}")),
            "the binding cookie does not match this handle",
        ),
        (
            "the bnd itself",
            c().replace("cookie", &format!("walletpush_binding={}", f.secret.bnd())),
            "the binding cookie does not match this handle",
        ),
        (
            "an empty one",
            c().replace("cookie", "walletpush_binding="),
            "the binding cookie does not match this handle",
        ),
        (
            "two in one header",
            c().replace(
                "cookie",
                &format!("walletpush_binding={other}; walletpush_binding={own}"),
            ),
            "more than one binding cookie",
        ),
        (
            "the same twice",
            c().replace(
                "cookie",
                &format!("walletpush_binding={own}; walletpush_binding={own}"),
            ),
            "more than one binding cookie",
        ),
        (
            "two headers",
            c().header("cookie", &format!("walletpush_binding={other}")),
            "more than one binding cookie",
        ),
    ];
    let mut calls = Vec::new();
    for (what, call, message) in cases {
        let answer = f.send(call).await;
        assert_eq!(answer.code(), (401, Some("HANDLE_UNBOUND")), "{what}");
        assert_eq!(answer.body["message"], message, "{what}");
        calls.push(what);
    }
    // A handle bound to another session, with this browser's cookie: refused too.
    let foreign = f.handle_bound("gift-1", &BindingSecret::generate());
    assert_eq!(
        f.redeem(&foreign).await.code(),
        (401, Some("HANDLE_UNBOUND"))
    );
    refused_then_the_user_succeeds(&f, vec![], &handle).await;
    assert_eq!(f.outcomes(), ["released"], "{calls:?}");
    let metrics = f.state.metrics.render();
    assert!(
        metrics.contains(
            "walletpush_exchanges_total{wallet=\"sandbox\",outcome=\"HANDLE_UNBOUND\"} 9\n"
        ),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_session_must_verify_with_the_pinned_keys() {
    let f = fixture();
    let handle = f.handle("gift-1");
    let now = clock::now();
    // A key the wallet's document does not list, under the pinned key's kid.
    let rogue = key("sig-1");
    let session = |s: String| f.call(&handle).body(move |b| b["session"] = json!(s));
    let invalid = "WALLET_SESSION_INVALID";
    let cases = vec![
        (
            "an unpinned key",
            session(f.session_by(&rogue, "sid-1", WIDGET, now + 300)),
            401,
            invalid,
        ),
        (
            "the issuer's key",
            session(f.session_by(&f.key, "sid-1", WIDGET, now + 300)),
            401,
            invalid,
        ),
        (
            "another audience",
            session(f.session_by(&f.wallet_key, "sid-1", HOST, now + 300)),
            401,
            invalid,
        ),
        (
            "expired",
            session(f.session_by(&f.wallet_key, "sid-1", WIDGET, now - 1)),
            401,
            invalid,
        ),
        (
            "a handle for a session",
            session(handle.clone()),
            401,
            invalid,
        ),
        (
            "a forged signature",
            session({
                let good = f.session("sid-1");
                let (signed, _) = good.rsplit_once('.').unwrap();
                format!("{signed}.{}", walletpush::b64::encode(&[7; 64]))
            }),
            401,
            invalid,
        ),
    ];
    refused_then_the_user_succeeds(&f, cases, &handle).await;
}

#[tokio::test]
async fn malformed_bodies_are_refused_before_anything() {
    let f = fixture();
    let handle = f.handle("gift-1");
    let c = || f.call(&handle);
    let rejected = "ISSUER_REJECTED";
    let cases = vec![
        (
            "a sid in place of the session",
            c().body(|b| {
                b.as_object_mut().unwrap().remove("session");
                b["sid"] = json!("sid-1");
            }),
            400,
            rejected,
        ),
        (
            "session and state",
            c().body(|b| b["state"] = json!("c3RhdGUtc3RhdGUtc3RhdG")),
            400,
            rejected,
        ),
        (
            "a short state",
            c().body(|b| {
                b.as_object_mut().unwrap().remove("session");
                b["state"] = json!("short");
            }),
            400,
            rejected,
        ),
        (
            "a session that is no JWS",
            c().body(|b| b["session"] = json!("not a token")),
            400,
            rejected,
        ),
        (
            "no handle",
            c().body(|b| {
                b.as_object_mut().unwrap().remove("handle");
            }),
            400,
            rejected,
        ),
        (
            "an unknown wallet",
            c().body(|b| b["wallet"] = json!("elsewhere")),
            403,
            rejected,
        ),
    ];
    refused_then_the_user_succeeds(&f, cases, &handle).await;
}

#[tokio::test]
async fn the_handle_is_checked_before_the_cookie() {
    let f = fixture();
    let mut claims =
        HandleClaims::from_json(&walletpush::jws::peek(&f.handle("gift-1")).unwrap().1).unwrap();
    claims.aud = HOST.into();
    let elsewhere = mint::mint(&f.key, &claims).unwrap();
    let answer = f.send(f.call(&elsewhere).without("cookie")).await;
    assert_eq!(answer.code(), (403, Some("ORIGIN_NOT_ALLOWED")));
    let answer = f.send(f.call("x.y.z").without("cookie")).await;
    assert_eq!(answer.code(), (401, Some("HANDLE_INVALID")));
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after_and_spend_nothing() {
    // Per card: the first redemption of gift-1 passes, the second waits.
    let per_card = RateLimits {
        client: None,
        card: Some(Rate::per_minute(1.0, 1)),
    };
    let f = fixture_with(per_card, None);
    assert_eq!(f.redeem(&f.handle("gift-1")).await.status, 200);
    let second = f.handle("gift-1");
    let answer = f.redeem(&second).await;
    assert_eq!(answer.code(), (429, Some("RATE_LIMITED")));
    let retry: u64 = answer.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(!f.spent(&second).await);
    // A stolen handle without the cookie uses none of its card's budget.
    let third = f.handle("gift-3");
    for _ in 0..3 {
        let answer = f.send(f.call(&third).without("cookie")).await;
        assert_eq!(answer.code(), (401, Some("HANDLE_UNBOUND")));
    }
    assert_eq!(f.redeem(&third).await.status, 200);

    // Per client: three requests, then 429 before anything is read.
    let per_client = RateLimits {
        client: Some(Rate::per_minute(1.0, 3)),
        card: None,
    };
    let f = fixture_with(per_client, None);
    let handle = f.handle("gift-3");
    for _ in 0..3 {
        let answer = f.send(f.call(&handle).without("cookie")).await;
        assert_eq!(answer.code(), (401, Some("HANDLE_UNBOUND")));
    }
    let answer = f.redeem(&handle).await;
    assert_eq!(answer.code(), (429, Some("RATE_LIMITED")));
    assert_eq!(answer.headers[header::RETRY_AFTER], "60");
    assert!(!f.spent(&handle).await);
    assert_eq!(f.outcomes(), Vec::<String>::new());
    let metrics = f.state.metrics.render();
    assert!(
        metrics.contains(
            "walletpush_exchanges_total{wallet=\"sandbox\",outcome=\"RATE_LIMITED\"} 1\n"
        ),
        "{metrics}"
    );
}

#[tokio::test]
async fn google_and_apple_answer_the_adapter_origin_only() {
    let f = fixture();
    let handle = f.handle("gift-1");
    // From the widget origin, or with the widget's fetch metadata: refused.
    let from_widget = f.google_call(&handle).replace("origin", WIDGET);
    assert_eq!(
        f.send(from_widget).await.code(),
        (403, Some("ORIGIN_NOT_ALLOWED"))
    );
    let same_origin = f
        .google_call(&handle)
        .replace("sec-fetch-site", "same-origin");
    assert_eq!(
        f.send(same_origin).await.code(),
        (403, Some("ORIGIN_NOT_ALLOWED"))
    );
    // The adapter origin never gets card data: a walletpush/1 request from it is refused.
    let card_data = f
        .call(&handle)
        .replace("origin", ADAPTER)
        .replace("sec-fetch-site", "same-site");
    let answer = f.send(card_data).await;
    assert_eq!(answer.code(), (403, Some("ORIGIN_NOT_ALLOWED")));
    assert_eq!(
        answer.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        ADAPTER,
        "the adapter frame may read the refusal"
    );
    assert!(!f.spent(&handle).await);
    // Google's request from the adapter frame, with the binding cookie.
    let no_cookie = f.google_call(&handle).without("cookie");
    assert_eq!(
        f.send(no_cookie).await.code(),
        (401, Some("HANDLE_UNBOUND"))
    );
    let answer = f.send(f.google_call(&handle)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body["google_opc"].is_string());
    assert!(!answer.body.to_string().contains(PAN));
    assert_eq!(answer.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], ADAPTER);
    assert_eq!(
        answer.headers[header::ACCESS_CONTROL_ALLOW_CREDENTIALS],
        "true"
    );
    assert_eq!(f.outcomes(), ["credential"]);
}

#[tokio::test]
async fn cors_preflight_for_the_adapter_origin_only() {
    let f = fixture();
    let preflight = |origin: &str| Call {
        body: Value::Null,
        headers: vec![
            ("origin".into(), origin.into()),
            ("access-control-request-method".into(), "POST".into()),
            (
                "access-control-request-headers".into(),
                "content-type".into(),
            ),
        ],
    };
    let answer = f.send_method("OPTIONS", preflight(ADAPTER)).await;
    assert_eq!(answer.status, 204);
    let h = &answer.headers;
    assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], ADAPTER);
    assert_eq!(h[header::ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
    assert_eq!(h[header::ACCESS_CONTROL_ALLOW_METHODS], "POST");
    assert_eq!(
        h[header::ACCESS_CONTROL_ALLOW_HEADERS],
        "content-type, x-walletpush-correlation-id"
    );
    assert_eq!(h[header::VARY], "origin");
    for origin in [HOST, WIDGET, WALLET, "null", "https://evil.example"] {
        let answer = f.send_method("OPTIONS", preflight(origin)).await;
        assert_eq!(answer.status, 403, "{origin}");
        assert!(
            !answer
                .headers
                .keys()
                .any(|k| k.as_str().starts_with("access-control-")),
            "{origin}"
        );
        // Nor on the answer itself.
        let post = f
            .send(f.call(&f.handle("gift-1")).replace("origin", origin))
            .await;
        assert!(
            !post
                .headers
                .keys()
                .any(|k| k.as_str().starts_with("access-control-")),
            "{origin}"
        );
    }
}

#[tokio::test]
async fn each_card_source_outcome_has_its_code() {
    let f = fixture();
    let cases = [
        ("closed", 422, "CARD_INACTIVE"),
        ("gone", 403, "ISSUER_REJECTED"),
    ];
    for (card, status, code) in cases {
        let handle = f.handle(card);
        assert_eq!(
            f.redeem(&handle).await.code(),
            (status, Some(code)),
            "{card}"
        );
        // A refusal of the card source's spends the handle, as docs/wire.md orders; the
        // replay is refused before the card source, and not recorded.
        assert_eq!(
            f.redeem(&handle).await.code(),
            (409, Some("HANDLE_REPLAYED"))
        );
    }
    // A card source that answers nonsense spends nothing.
    let broken = f.handle("broken");
    for _ in 0..2 {
        assert_eq!(f.redeem(&broken).await.code(), (500, Some("INTERNAL")));
    }
    assert_eq!(
        f.outcomes(),
        ["CARD_INACTIVE", "ISSUER_REJECTED", "INTERNAL", "INTERNAL"]
    );
}

/// The unspent-jti read does not decide: concurrent redemptions that all read "unspent" still
/// release the card once, by the store's atomic spend.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_redemptions_release_the_card_once() {
    let f = Arc::new(fixture());
    let handle = f.handle("gift-1");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (f, handle) = (Arc::clone(&f), handle.clone());
            tokio::spawn(async move { f.redeem(&handle).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409, 409, 409, 409, 409, 409, 409]);
    assert_eq!(f.outcomes().iter().filter(|o| *o == "released").count(), 1);
}

#[tokio::test]
async fn an_unavailable_card_source_leaves_the_handle_usable() {
    let f = fixture();
    let handle = f.handle("flaky");
    assert_eq!(f.redeem(&handle).await.code(), (503, Some("NETWORK")));
    let answer = f.redeem(&handle).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(f.redeem(&handle).await.status, 409);
    assert_eq!(f.outcomes(), ["NETWORK", "released"]);
    let metrics = f.state.metrics.render();
    for line in [
        "walletpush_exchanges_total{wallet=\"sandbox\",outcome=\"NETWORK\"} 1\n",
        "walletpush_exchanges_total{wallet=\"sandbox\",outcome=\"released\"} 1\n",
        "walletpush_exchanges_total{wallet=\"sandbox\",outcome=\"HANDLE_REPLAYED\"} 1\n",
        "walletpush_card_source_seconds_count 2\n",
        "walletpush_store_seconds_count 1\n",
    ] {
        assert!(metrics.contains(line), "{line}{metrics}");
    }
}

#[tokio::test]
async fn a_discovered_document_gives_only_its_pinned_keys_and_is_fetched_again_for_a_new_kid() {
    use std::sync::Mutex;
    let pinned = key("sig-a");
    let rotated = key("sig-b");
    let unpinned = key("sig-c");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    // Reached on loopback by its localhost name, as the sandbox's wallet is.
    let origin = format!(
        "http://wallet.localhost:{}",
        listener.local_addr().unwrap().port()
    );
    let served = Arc::new(Mutex::new(document(&origin, &[&pinned, &unpinned])));
    let fetches = Arc::new(AtomicUsize::new(0));
    let app = {
        let (served, fetches) = (Arc::clone(&served), Arc::clone(&fetches));
        Router::new().route(
            "/.well-known/walletpush.json",
            get(move || {
                fetches.fetch_add(1, Ordering::SeqCst);
                let document = served.lock().unwrap().clone();
                async move { axum::Json(document) }
            }),
        )
    };
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut f = fixture_with(RateLimits::NONE, Some((origin.as_str(), &pinned)));
    // The deployment pins both sig-a and sig-b (the wallet announced its next key).
    let mut deployment = f.deployment.clone();
    deployment.wallets[2]
        .signing_keys
        .push(rotated.public().thumbprint());
    let mut state = ServerState::new(
        deployment.clone(),
        Arc::clone(&f.state.signer),
        f.state.handle_keys.clone(),
        Arc::new(Cards::default()),
        Arc::clone(&f.store) as _,
    )
    .unwrap();
    state.wallet_keys.set_refetch_after(Duration::ZERO);
    f.state = Arc::new(state);
    f.router = crate::router(&f.state, crate::http::LogFormat::Plain);
    f.deployment = deployment;
    let now = clock::now();
    let remote = |f: &Fixture, key: &PrivateJwk| {
        let session = f.session_by(key, "sid-r", WIDGET, now + 300);
        f.call(&f.handle("gift-1")).body(move |b| {
            b["wallet"] = json!("remote");
            b["session"] = json!(session);
        })
    };
    // A key the document lists but the deployment does not pin: refused.
    let answer = f.send(remote(&f, &unpinned)).await;
    assert_eq!(answer.code(), (401, Some("WALLET_SESSION_INVALID")));
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    let answer = f.send(remote(&f, &pinned)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        1,
        "kept after the first fetch"
    );
    // The wallet rotates to sig-b: a session under the new kid fetches the document again.
    *served.lock().unwrap() = document(&origin, &[&rotated]);
    let answer = f.send(remote(&f, &rotated)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    // The retired key is no longer accepted.
    let answer = f.send(remote(&f, &pinned)).await;
    assert_eq!(answer.code(), (401, Some("WALLET_SESSION_INVALID")));
    // A document that no longer reads leaves the kept keys; nothing is spent.
    *served.lock().unwrap() = json!({"protocol": "other"});
    let handle = f.handle("gift-9");
    let session = f.session_by(&unpinned, "sid-r", WIDGET, now + 300);
    let call = f.call(&handle).body(move |b| {
        b["wallet"] = json!("remote");
        b["session"] = json!(session);
    });
    let answer = f.send(call).await;
    assert_eq!(answer.code(), (401, Some("WALLET_SESSION_INVALID")));
    assert_eq!(fetches.load(Ordering::SeqCst), 4);
    assert!(!f.spent(&handle).await);
}

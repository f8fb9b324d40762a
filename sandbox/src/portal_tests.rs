//! The demo portals as an issuer's backend (docs/design.md §2), in process: CSRF on login and
//! logout, session expiry, the binding cookie's exact attributes, `bnd` in every handle of the
//! session, the cookie replaced at login and cleared at logout, and portal pages that no site
//! may frame.

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::http::{header, Request, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use tower::ServiceExt;
use walletpush::{binding, jws};

use crate::app::{App, SharedApp};
use crate::config::{Names, Origins};
use crate::db;
use crate::host::session::{ABSOLUTE_TIMEOUT, IDLE_TIMEOUT};
use crate::listeners;
use walletpush_server::limits::RateLimits;

const HOST: &str = "http://bank.localhost:8080";
const WIDGET: &str = "http://walletpush.bank.localhost:8081";

struct Portals {
    _dir: tempfile::TempDir,
    app: SharedApp,
    host: Router,
    widget: Router,
}

struct Reply {
    status: StatusCode,
    cookies: Vec<String>,
    body: String,
    csp: String,
}

impl Reply {
    /// The `Set-Cookie` header of cookie `name`.
    fn set_cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .map(String::as_str)
            .find(|c| c.starts_with(&format!("{name}=")))
    }

    /// `name=value` of a set cookie, as a browser sends it back.
    fn pair(&self, name: &str) -> String {
        self.set_cookie(name)
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    }

    /// The value of `name="..."` in the page.
    fn attribute(&self, name: &str) -> Option<String> {
        let start = self.body.find(&format!("{name}=\""))? + name.len() + 2;
        Some(self.body[start..].split('"').next()?.to_owned())
    }

    fn handles(&self) -> Vec<String> {
        self.body
            .split("handle=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap().to_owned())
            .collect()
    }
}

impl Portals {
    fn new() -> Portals {
        let dir = tempfile::tempdir().unwrap();
        let db = db::open(&dir.path().join(db::FILE_NAME)).unwrap();
        let origins = Origins::new(Names::DEFAULT, 8080, 8081, 8082).unwrap();
        let www = dir.path().join("www");
        let app: SharedApp = Arc::new(
            App::new(
                db,
                origins,
                www,
                false,
                Default::default(),
                // In process, no wallet listens: the issuer API takes the pinned document.
                true,
                RateLimits::NONE,
            )
            .unwrap(),
        );
        Portals {
            host: listeners::host(&app),
            widget: listeners::widget(&app),
            app,
            _dir: dir,
        }
    }

    async fn send(router: &Router, request: Request<Body>) -> Reply {
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let cookies = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        let csp = response
            .headers()
            .get(header::CONTENT_SECURITY_POLICY)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        Reply {
            status,
            cookies,
            body: String::from_utf8(body.to_vec()).unwrap(),
            csp,
        }
    }

    async fn get(&self, path: &str, cookie: &str) -> Reply {
        let request = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        Portals::send(&self.host, request).await
    }

    /// A form POST from `origin` (none when `None`) with `cookie`.
    async fn post(&self, path: &str, cookie: &str, origin: Option<&str>, form: &str) -> Reply {
        let mut request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookie);
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        Portals::send(
            &self.host,
            request.body(Body::from(form.to_owned())).unwrap(),
        )
        .await
    }

    /// Opens the gift portal's login form: the anonymous session's cookie and its CSRF token.
    async fn login_form(&self) -> (String, String) {
        let page = self.get("/gift", "").await;
        assert_eq!(page.status, StatusCode::OK);
        (
            page.pair("wp_gift_session"),
            page.attribute("value").unwrap(),
        )
    }

    /// Signs in to `portal` as its own page does; the login reply.
    async fn login(&self, portal: &str, cookies: &str) -> Reply {
        let page = self.get(&format!("/{portal}"), cookies).await;
        let name = format!("wp_{portal}_session");
        let csrf = page.attribute("value").unwrap();
        let cookie = match page.set_cookie(&name) {
            Some(_) => [cookies, &page.pair(&name)].join("; "),
            None => cookies.to_owned(),
        };
        self.post(
            &format!("/{portal}/login"),
            &cookie,
            Some(HOST),
            &format!("csrf={csrf}"),
        )
        .await
    }

    /// Moves session `cookie`'s clock back by `seconds` (idle) or its start (absolute).
    fn age(&self, session_cookie: &str, idle: i64, start: i64) {
        let id = session_cookie.split_once('=').unwrap().1.to_owned();
        self.app
            .db
            .write(|tx| {
                tx.execute(
                    "UPDATE portal_sessions SET seen = seen - ?2, created = created - ?3 WHERE id = ?1",
                    rusqlite::params![id, idle, start],
                )?;
                Ok(())
            })
            .unwrap();
    }

    async fn redeem(&self, handle: &str, cookie: Option<&str>) -> (StatusCode, Value) {
        let mut request = Request::post("/walletpush/v1/credentials")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ORIGIN, WIDGET);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let body =
            json!({"handle": handle, "wallet": "sandbox", "state": "c3RhdGUtc3RhdGUtc3RhdG"});
        let reply = Portals::send(
            &self.widget,
            request.body(Body::from(body.to_string())).unwrap(),
        )
        .await;
        (reply.status, serde_json::from_str(&reply.body).unwrap())
    }
}

fn bnd_claim(handle: &str) -> String {
    let (_, payload) = jws::peek(handle).unwrap();
    let claims: Value = serde_json::from_slice(&payload).unwrap();
    claims["bnd"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn login_needs_the_sessions_csrf_token_and_the_hosts_origin() {
    let portals = Portals::new();
    let (session, csrf) = portals.login_form().await;
    let refusals = [
        ("no token", session.as_str(), Some(HOST), String::new()),
        (
            "wrong token",
            &session,
            Some(HOST),
            "csrf=AAAAAAAAAAAAAAAAAAAAAA".to_owned(),
        ),
        ("no session", "", Some(HOST), format!("csrf={csrf}")),
        ("no Origin", &session, None, format!("csrf={csrf}")),
        (
            "other Origin",
            &session,
            Some("http://evil.localhost:8080"),
            format!("csrf={csrf}"),
        ),
        (
            "widget Origin",
            &session,
            Some(WIDGET),
            format!("csrf={csrf}"),
        ),
    ];
    for (what, cookie, origin, form) in refusals {
        let reply = portals.post("/gift/login", cookie, origin, &form).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{what}");
        assert!(reply.cookies.is_empty(), "{what}: {:?}", reply.cookies);
    }
    // The other portal's token does not sign in here.
    let other = portals.get("/expenses", "").await;
    let other_csrf = other.attribute("value").unwrap();
    let reply = portals
        .post(
            "/gift/login",
            &session,
            Some(HOST),
            &format!("csrf={other_csrf}"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    let reply = portals
        .post("/gift/login", &session, Some(HOST), &format!("csrf={csrf}"))
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    // A fresh session id at login: the anonymous one is gone.
    assert_ne!(reply.pair("wp_gift_session"), session);
    let stale = portals.get("/gift", &session).await;
    assert!(stale.handles().is_empty());
}

#[tokio::test]
async fn the_binding_cookie_has_exactly_the_specified_attributes() {
    let portals = Portals::new();
    let login = portals.login("gift", "").await;
    let set = login.set_cookie(binding::COOKIE_NAME).unwrap();
    let value = login.pair(binding::COOKIE_NAME);
    let value = value.split_once('=').unwrap().1;
    assert_eq!(value.len(), 43);
    assert!(binding::secret_from_cookie(value).is_some());
    assert_eq!(
        set,
        format!(
            "walletpush_binding={value}; Domain=bank.localhost; Path=/walletpush/; HttpOnly; \
             SameSite=Strict; Max-Age={ABSOLUTE_TIMEOUT}"
        )
    );
    let session = login.set_cookie("wp_gift_session").unwrap();
    assert!(session.ends_with(&format!(
        "; Path=/; HttpOnly; SameSite=Lax; Max-Age={ABSOLUTE_TIMEOUT}"
    )));

    // Every handle of the session is bound to that cookie, and redeems only with it.
    let cookie = format!(
        "{}; {}",
        login.pair("wp_gift_session"),
        login.pair(binding::COOKIE_NAME)
    );
    let page = portals.get("/gift", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.set_cookie(binding::COOKIE_NAME).is_none(),
        "set once, at login"
    );
    let handles = page.handles();
    assert!(!handles.is_empty());
    for handle in &handles {
        assert!(binding::cookie_matches(value, &bnd_claim(handle)));
    }
    let (status, body) = portals.redeem(&handles[0], None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("HANDLE_UNBOUND"))
    );
    let (status, body) = portals
        .redeem(&handles[0], Some(&login.pair(binding::COOKIE_NAME)))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["last4"], "1111");
}

#[tokio::test]
async fn login_replaces_the_binding_and_logout_clears_it() {
    let portals = Portals::new();
    let first = portals.login("gift", "").await;
    let first_binding = first.pair(binding::COOKIE_NAME);
    let second = portals.login("gift", &first.pair("wp_gift_session")).await;
    let second_binding = second.pair(binding::COOKIE_NAME);
    assert_ne!(first_binding, second_binding, "replaced at login");

    // Signed in to the other portal too: one binding cookie serves both.
    let gift = second.pair("wp_gift_session");
    let expenses = portals.login("expenses", &gift).await;
    let shared = expenses.pair(binding::COOKIE_NAME);
    let page = portals.get("/gift", &gift).await;
    let value = shared.split_once('=').unwrap().1;
    assert!(binding::cookie_matches(
        value,
        &bnd_claim(&page.handles()[0])
    ));

    // Logout: CSRF and Origin checked, then both cookies cleared.
    let csrf = page.attribute("value").unwrap();
    let refused = portals
        .post("/gift/logout", &gift, Some(HOST), "csrf=nope")
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = portals
        .post(
            "/gift/logout",
            &gift,
            Some("http://evil.localhost:8080"),
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let cookies = format!("{gift}; {}", expenses.pair("wp_expenses_session"));
    let out = portals
        .post(
            "/gift/logout",
            &cookies,
            Some(HOST),
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        out.set_cookie(binding::COOKIE_NAME).unwrap(),
        "walletpush_binding=; Domain=bank.localhost; Path=/walletpush/; HttpOnly; SameSite=Strict; Max-Age=0"
    );
    assert!(out
        .set_cookie("wp_gift_session")
        .unwrap()
        .ends_with("Max-Age=0"));
    assert!(portals.get("/gift", &gift).await.handles().is_empty());
    // The other portal makes a new binding at its next page.
    let again = portals
        .get("/expenses", &expenses.pair("wp_expenses_session"))
        .await;
    let renewed = again.pair(binding::COOKIE_NAME);
    assert_ne!(renewed, shared);
    let value = renewed.split_once('=').unwrap().1;
    assert!(binding::cookie_matches(
        value,
        &bnd_claim(&again.handles()[0])
    ));
}

#[tokio::test]
async fn expired_sessions_are_refused() {
    let portals = Portals::new();
    for (idle, start) in [(IDLE_TIMEOUT, 0), (0, ABSOLUTE_TIMEOUT)] {
        let login = portals.login("gift", "").await;
        let session = login.pair("wp_gift_session");
        let page = portals.get("/gift", &session).await;
        let csrf = page.attribute("value").unwrap();
        assert!(!page.handles().is_empty());
        portals.age(&session, idle, start);
        let page = portals.get("/gift", &session).await;
        assert!(page.handles().is_empty(), "idle {idle}, start {start}");
        assert!(page.body.contains(r#"action="/gift/login""#));
        let out = portals
            .post(
                "/gift/logout",
                &session,
                Some(HOST),
                &format!("csrf={csrf}"),
            )
            .await;
        assert_eq!(out.status, StatusCode::FORBIDDEN);
    }
    // Just before the idle limit, a request keeps the session alive.
    let login = portals.login("gift", "").await;
    let session = login.pair("wp_gift_session");
    portals.age(&session, IDLE_TIMEOUT - 5, 0);
    assert!(!portals.get("/gift", &session).await.handles().is_empty());
    portals.age(&session, IDLE_TIMEOUT - 5, 0);
    assert!(!portals.get("/gift", &session).await.handles().is_empty());
}

#[tokio::test]
async fn portal_pages_cannot_be_framed() {
    let portals = Portals::new();
    for path in ["/", "/gift", "/expenses"] {
        let page = portals.get(path, "").await;
        assert!(
            page.csp.contains("frame-ancestors 'none'"),
            "{path}: {}",
            page.csp
        );
    }
    let login = portals.login("gift", "").await;
    let page = portals.get("/gift", &login.pair("wp_gift_session")).await;
    assert!(!page.handles().is_empty());
    assert!(page.csp.contains("frame-ancestors 'none'"));
}

//! The adapter origin (docs/design.md §1, §4): walletpush-server's second listener, where the
//! wallets' own scripts run (Google's `integration.min.js`, Apple's `initAddToAppleWallet.js`),
//! in `adapter.html`, a frame nested in the widget frame. Those scripts change whenever their
//! owners change them and cannot be pinned by Subresource Integrity, so they never run on the
//! widget origin; and the issuer API answers this origin only those wallets' opaque credentials,
//! never card data.
//!
//! It serves exactly the adapter frame's files from `<www_dir>/adapter/` (scripts/bundle.mjs
//! makes them), cached as the widget's files are (`no-cache`: revalidated, they change with each
//! release): [`FILES`]. Everything else, the widget's files and the issuer API included, is 404
//! here. `adapter.html` is served with its Content-Security-Policy ([`policy`]) and, as a JSON
//! data block, the widget origin, the one parent it talks to ([`adapter_page`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::State;
use axum::http::header::InvalidHeaderValue;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::json;

use crate::deployment::Deployment;
use crate::www;

/// The directory under `www_dir` that holds the adapter origin's files.
pub const DIR: &str = "adapter";

/// The adapter frame's page.
pub const PAGE: &str = "adapter.html";

/// Every path the adapter origin serves, relative to [`DIR`] (and to the origin's root).
pub const FILES: [&str; 5] = [
    PAGE,
    "adapter.js",
    "adapter.css",
    "adapters/google.js",
    "adapters/apple.js",
];

/// The element id of the page's settings data block; www/adapter.js reads it.
pub const SETTINGS_ELEMENT_ID: &str = "walletpush-adapter";

/// What the adapter origin's handlers share, built once from the deployment.
#[derive(Debug)]
struct Site {
    /// `<www_dir>/adapter`.
    root: PathBuf,
    /// The widget origin, written into the page.
    widget_origin: String,
    /// The page's policy.
    policy: HeaderValue,
}

/// The adapter origin's routes, with their state, without the layers ([`crate::finish`] adds
/// them). Fails only if an origin cannot go into a header, which [`crate::config`] rules out.
pub fn routes(deployment: &Deployment) -> Result<Router, InvalidHeaderValue> {
    let site = Site {
        root: deployment.www_dir.join(DIR),
        widget_origin: deployment.widget_origin.clone(),
        policy: HeaderValue::from_str(&policy(deployment))?,
    };
    Ok(Router::new()
        .route("/{file}", get(serve))
        .route("/adapters/{file}", get(serve))
        .with_state(Arc::new(site)))
}

/// `adapter.html`'s Content-Security-Policy: its own scripts and the wallets' (`script-src`, and
/// `connect-src`, `frame-src` for the wallets' own origins), the issuer API on the widget origin
/// (`connect-src`). It may be framed by the widget frame; `frame-ancestors` also names the host
/// pages, because it is checked against every ancestor and the widget frame sits in a host page.
/// www/adapter.js talks only to a parent on the widget origin, so a host page that frames it
/// directly gets an inert page.
pub fn policy(deployment: &Deployment) -> String {
    let list = |origins: &[&str]| -> String { origins.iter().map(|o| format!(" {o}")).collect() };
    let scripts = list(&deployment.adapters.script_origins());
    let frames = if scripts.is_empty() {
        String::new()
    } else {
        format!(" frame-src{scripts};")
    };
    let hosts: Vec<&str> = deployment.host_origins.iter().map(String::as_str).collect();
    format!(
        "default-src 'none'; script-src 'self'{scripts}; connect-src {widget}{scripts};{frames} \
         style-src 'self'; img-src 'self' data:; form-action 'none'; \
         frame-ancestors {widget}{hosts}; base-uri 'none'",
        widget = deployment.widget_origin,
        hosts = list(&hosts),
    )
}

/// `adapter.html` as served: `template` (the built page) with, before `</head>`, the settings
/// data block `{"widget_origin": ...}` (inert JSON; `<`, `>`, `&` escaped).
pub fn adapter_page(template: &str, widget_origin: &str) -> String {
    let settings = json!({ "widget_origin": widget_origin })
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    let block = format!(
        r#"<script type="application/json" id="{SETTINGS_ELEMENT_ID}">{settings}</script>"#
    );
    match template.find("</head>") {
        Some(end) => format!("{}{block}{}", &template[..end], &template[end..]),
        None => template.to_owned(),
    }
}

async fn serve(State(site): State<Arc<Site>>, uri: Uri) -> Response {
    let path = uri.path().strip_prefix('/').unwrap_or_default();
    let Some(relative) = FILES.iter().find(|f| **f == path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(file) = resolve(&site.root, Path::new(relative)).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(body) = tokio::fs::read(&file).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let is_page = *relative == PAGE;
    let body = if is_page {
        adapter_page(&String::from_utf8_lossy(&body), &site.widget_origin).into_bytes()
    } else {
        body
    };
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(www::content_type(&file)),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response();
    if is_page {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, site.policy.clone());
    }
    response
}

/// The canonical path of `relative` under `root` if it is a regular file inside `root` (a
/// symbolic link cannot lead out of it).
async fn resolve(root: &Path, relative: &Path) -> Option<PathBuf> {
    let root = tokio::fs::canonicalize(root).await.ok()?;
    let file = tokio::fs::canonicalize(root.join(relative)).await.ok()?;
    let is_file = tokio::fs::metadata(&file).await.ok()?.is_file();
    (is_file && file.starts_with(&root)).then_some(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::{Adapters, Apple, AppleEnvironment, Google};

    fn deployment() -> Deployment {
        Deployment {
            issuer_id: "bank".into(),
            widget_origin: "https://walletpush.bank.example".into(),
            host_origins: vec!["https://bank.example".into()],
            wallets: Vec::new(),
            adapter_origin: Some("https://wallets.bank.example".into()),
            www_dir: PathBuf::from("www/dist"),
            adapters: Adapters {
                google: Some(Google {
                    script_url: "https://pay.google.com/gp/p/js/integration.min.js".into(),
                    integrator_id: Some("bank".into()),
                    test_environment: false,
                }),
                apple: Some(Apple {
                    script_url:
                        "https://smp-device-content.apple.com/navweb/asset/initAddToAppleWallet.js"
                            .into(),
                    partner_id: None,
                    environment: AppleEnvironment::Production,
                }),
                token_connect: None,
            },
        }
    }

    #[test]
    fn the_policy_allows_the_wallets_scripts_here_and_the_issuer_api() {
        let policy = policy(&deployment());
        let scripts = " https://pay.google.com https://smp-device-content.apple.com";
        assert!(
            policy.contains(&format!("script-src 'self'{scripts};")),
            "{policy}"
        );
        assert!(policy.contains(&format!(
            "connect-src https://walletpush.bank.example{scripts};"
        )));
        assert!(policy.contains(&format!("frame-src{scripts};")));
        assert!(policy
            .contains("frame-ancestors https://walletpush.bank.example https://bank.example;"));
        assert!(policy.contains("form-action 'none';"));
        assert!(!policy.contains("'unsafe-inline'") && !policy.contains("'unsafe-eval'"));
        assert!(!policy.contains("wasm"), "no WebAssembly here");
    }

    #[test]
    fn the_page_names_its_one_parent_as_inert_json() {
        let page = adapter_page(
            "<head><title>t</title></head><body></body>",
            "https://walletpush.bank.example",
        );
        assert_eq!(
            page,
            "<head><title>t</title><script type=\"application/json\" id=\"walletpush-adapter\">\
             {\"widget_origin\":\"https://walletpush.bank.example\"}</script></head><body></body>"
        );
        let hostile = adapter_page("<head></head>", "</script><script>x()</script>");
        assert_eq!(hostile.matches("</script>").count(), 1, "{hostile}");
    }

    #[test]
    fn only_the_adapter_frames_files() {
        for file in FILES {
            assert!(!file.starts_with('/') && !file.contains(".."), "{file}");
        }
        assert!(!FILES.contains(&"frame.html") && !FILES.contains(&"walletpush.js"));
    }

    async fn get(router: &Router, path: &str) -> (u16, axum::http::HeaderMap, String) {
        use tower::ServiceExt;
        let request = axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn serves_its_files_and_nothing_of_the_widget_origin() {
        let www = tempfile::tempdir().unwrap();
        let dir = www.path().join(DIR);
        std::fs::create_dir_all(dir.join("adapters")).unwrap();
        for file in FILES {
            std::fs::write(dir.join(file), format!("<head></head>{file}")).unwrap();
        }
        for file in ["frame.html", "walletpush.js", "frame.js"] {
            std::fs::write(www.path().join(file), "widget").unwrap();
            std::fs::write(dir.join(file), "widget").unwrap();
        }
        let mut d = deployment();
        d.www_dir = www.path().to_owned();
        let router = routes(&d).unwrap();
        let (status, headers, body) = get(&router, "/adapter.html").await;
        assert_eq!(status, 200);
        assert_eq!(
            headers[header::CONTENT_SECURITY_POLICY],
            policy(&d).as_str()
        );
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
        assert!(body.contains(r#"{"widget_origin":"https://walletpush.bank.example"}"#));
        let (status, headers, body) = get(&router, "/adapters/google.js").await;
        assert_eq!(
            (status, body.as_str()),
            (200, "<head></head>adapters/google.js")
        );
        assert_eq!(
            headers[header::CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        assert!(headers.get(header::CONTENT_SECURITY_POLICY).is_none());
        for path in [
            "/",
            "/frame.html",
            "/walletpush.js",
            "/frame.js",
            "/walletpush/v1/config",
            "/walletpush/v1/credentials",
            "/adapters/walletpush.js",
            "/adapters/../adapter.js",
            "/adapter/adapter.js",
        ] {
            assert_eq!(get(&router, path).await.0, 404, "{path}");
        }
    }

    #[tokio::test]
    async fn a_link_out_of_the_directory_is_not_served() {
        let outside = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("adapter.js"), "x").unwrap();
        std::fs::write(root.path().join("adapter.css"), "x").unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("adapter.js"),
            root.path().join("adapter.js"),
        )
        .unwrap();
        assert!(resolve(root.path(), Path::new("adapter.css"))
            .await
            .is_some());
        assert!(resolve(root.path(), Path::new("adapter.js"))
            .await
            .is_none());
    }
}

//! The widget's built files on the widget origin (`scripts/bundle.mjs` makes them into
//! `www/dist/`): `/walletpush.js`, `/frame.html`, `/frame.js`, `/*.css`, the wallet adapters
//! under `/adapters/`, and `/pkg/*`, read from the configured directory (`www_dir`). `frame.html` is served with the
//! deployment's configuration inline and preloads for the wallets its URL names
//! ([`frame_page`]). Everything else is 404: no directory listing,
//! no dot files, no path traversal (each segment is checked, and the resolved file must still be
//! inside the directory, so a symbolic link cannot lead out of it either).

use std::path::{Path, PathBuf};

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use serde::Deserialize;
use serde_json::Value;

use crate::frame::{EARLY_COMPILE, EARLY_HANDSHAKE, WASM_MODULE};
use crate::state::SharedState;

/// The routes of the widget's files.
pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/walletpush.js", get(serve))
        .route("/frame.html", get(serve))
        .route("/{file}", get(serve))
        .route("/pkg/{*path}", get(serve))
        .route("/adapters/{file}", get(serve))
}

/// Maps a request path to a file path relative to the www directory, or `None` when the path
/// is not one of the served shapes.
pub fn relative_path(path: &str) -> Option<PathBuf> {
    let rest = path.strip_prefix('/')?;
    let segments: Vec<&str> = rest.split('/').collect();
    if !segments.iter().all(|s| is_safe_segment(s)) {
        return None;
    }
    let served = match segments[..] {
        ["frame.html"] => true,
        [file] => [".js", ".mjs", ".css"]
            .iter()
            .any(|ext| file.ends_with(ext)),
        ["pkg", _, ..] => true,
        ["adapters", file] => file.ends_with(".js"),
        _ => false,
    };
    served.then(|| segments.iter().collect())
}

/// The `Content-Type` of a served file, by extension.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("ts") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// A segment of letters, digits, `.`, `-`, `_`, not starting with a dot (which also rules out
/// `.` and `..`), and no percent-encoding (so nothing decodes into a separator).
fn is_safe_segment(segment: &str) -> bool {
    !segment.is_empty()
        && !segment.starts_with('.')
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

async fn serve(State(app): State<SharedState>, uri: Uri) -> Response {
    let Some(relative) = relative_path(uri.path()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(file) = resolve(&app.deployment.www_dir, &relative).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let body = match tokio::fs::read(&file).await {
        Ok(body) => body,
        Err(_) => return StatusCode::NOT_FOUND.into_response(),
    };
    let is_frame = relative == Path::new("frame.html");
    let body = if is_frame {
        let named = Query::<FrameQuery>::try_from_uri(&uri)
            .ok()
            .and_then(|q| q.0.wallets)
            .unwrap_or_default();
        frame_page(&String::from_utf8_lossy(&body), &app.widget_config, &named).into_bytes()
    } else {
        body
    };
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(&file)),
            ),
            // Revalidate every time: the files of these unversioned paths change with each
            // release of the widget (and with each build during development).
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response();
    if is_frame {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, app.frame_csp.clone());
    }
    if relative == Path::new(SHIM) {
        // The shim is public; CORS lets a host page pin it with `integrity` and `crossorigin`
        // (docs/design.md §6), which a cross-origin script without it fails.
        response.headers_mut().insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    }
    response
}

/// The shim, the one file a host page loads from the widget origin.
const SHIM: &str = "walletpush.js";

/// The query of `frame.html` that matters here: the wallet ids the shim names (docs/wire.md).
#[derive(Deserialize)]
struct FrameQuery {
    wallets: Option<String>,
}

/// The element id of the configuration's data block; www/frame.js reads it.
pub const CONFIG_ELEMENT_ID: &str = "walletpush-config";

/// `frame.html` as served: `template` (the built page) with, in its head, the deployment's
/// `config` as a JSON data block (a `<script type="application/json">`, which no CSP blocks and
/// nothing runs), so the frame needs no request for it; and preloads of what the wallets of
/// `named` (the `wallets` of the frame's URL, space-separated) need before the button is ready:
/// their adapter modules and, for a walletpush/1 wallet, the Wasm module. Only ids the
/// configuration has count, and nothing of `named` is written into the page.
pub fn frame_page<'a>(template: &str, config: &'a Value, named: &str) -> String {
    let Some(end) = template.find("</head>") else {
        return template.to_owned();
    };
    // Before the head's first stylesheet or script: an inline script after a stylesheet waits
    // for it, and these must run as the page is parsed. The head's <meta>s stay first.
    let at = ["<link", "<script"]
        .iter()
        .filter_map(|tag| template[..end].find(tag))
        .min()
        .unwrap_or(end);
    let mut inserted = format!("<script>{EARLY_HANDSHAKE}</script>");
    // Each file and each wallet document once, in the order the wallets are named.
    let mut files: Vec<&str> = Vec::new();
    let mut discovered: Vec<&str> = Vec::new();
    let add = |list: &mut Vec<&'a str>, item: &'a str| {
        if !list.contains(&item) {
            list.push(item);
        }
    };
    for id in named.split_ascii_whitespace() {
        let Some(wallet) = config["wallets"].get(id) else {
            continue;
        };
        let kind = wallet["kind"].as_str().unwrap_or(WALLETPUSH_1);
        let Some(adapter) = adapter_module(kind) else {
            continue;
        };
        if kind == WALLETPUSH_1 {
            add(&mut files, WASM_MODULE);
            if let Some(discovery) = wallet["discovery"].as_str() {
                add(&mut discovered, discovery);
            }
        }
        add(&mut files, adapter);
    }
    for file in files {
        if file == WASM_MODULE {
            // As www/adapters/walletpush.js fetches it: same URL, CORS mode, so the fetch
            // takes this response; and compiled as its bytes arrive (see EARLY_COMPILE).
            inserted.push_str(&format!(
                r#"<link rel="preload" href="{file}" as="fetch" crossorigin><script>{EARLY_COMPILE}</script>"#
            ));
        } else {
            inserted.push_str(&format!(r#"<link rel="modulepreload" href="{file}">"#));
        }
    }
    // The wallet's document, fetched as www/adapters/walletpush.js does (CORS, no cookies: it
    // is on the wallet's origin), so that fetch takes this response.
    for url in discovered {
        inserted.push_str(&format!(
            r#"<link rel="preload" href="{}" as="fetch" crossorigin>"#,
            attribute(url)
        ));
    }
    inserted.push_str(&format!(
        r#"<script type="application/json" id="{CONFIG_ELEMENT_ID}">{}</script>"#,
        json_in_html(config)
    ));
    format!("{}{inserted}{}", &template[..at], &template[at..])
}

/// The default kind of a configured wallet.
const WALLETPUSH_1: &str = "walletpush/1";

/// The adapter module of a wallet kind (www/frame.js has the same table). Google's and Apple's
/// own adapters run on the adapter origin ([`crate::adapter_frame`]); the frame's end of their
/// nested frame is `adapters/nested.js`.
fn adapter_module(kind: &str) -> Option<&'static str> {
    match kind {
        WALLETPUSH_1 => Some("adapters/walletpush.js"),
        "google" | "apple" => Some("adapters/nested.js"),
        "token-connect" => Some("adapters/token-connect.js"),
        _ => None,
    }
}

/// `value` escaped for a double-quoted attribute.
fn attribute(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// JSON that can stand inside a `<script>` element: `<`, `>` and `&` only occur inside JSON
/// strings, where their `\u` escapes mean the same, so no `</script>` can end the element.
fn json_in_html(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The canonical path of `relative` under `root` if it is a regular file inside `root`.
async fn resolve(root: &Path, relative: &Path) -> Option<PathBuf> {
    let root = tokio::fs::canonicalize(root).await.ok()?;
    let file = tokio::fs::canonicalize(root.join(relative)).await.ok()?;
    let is_file = tokio::fs::metadata(&file).await.ok()?.is_file();
    (is_file && file.starts_with(&root)).then_some(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_only_the_widget_shapes() {
        let ok = [
            ("/walletpush.js", "walletpush.js"),
            ("/frame.html", "frame.html"),
            ("/i18n.js", "i18n.js"),
            ("/widget.css", "widget.css"),
            ("/pkg/walletpush_bg.wasm", "pkg/walletpush_bg.wasm"),
            ("/adapters/walletpush.js", "adapters/walletpush.js"),
            (
                "/pkg/snippets/a-1/inline0.js",
                "pkg/snippets/a-1/inline0.js",
            ),
        ];
        for (path, file) in ok {
            assert_eq!(relative_path(path), Some(PathBuf::from(file)), "{path}");
        }
        let refused = [
            "/",
            "/index.html",
            "/secret.txt",
            "/pkg",
            "/pkg/",
            "/pkg/../secret.css",
            "/pkg/%2e%2e/x.js",
            "/.hidden.css",
            "/a/b.css",
            "/frame/x.css",
            "/frame/errors.js",
            "/adapters/a/b.js",
            "/frame/../secret.js",
            "//etc/passwd",
            "/pkg/a//b.js",
            "/pkg/a\\b.js",
            "walletpush.js",
        ];
        for path in refused {
            assert_eq!(relative_path(path), None, "{path}");
        }
    }

    fn config() -> Value {
        serde_json::json!({
            "issuer_api": "http://127.0.0.1:8081",
            "wallets": {
                "sandbox": {"name": "</script><script>x()</script> & co", "discovery": "http://127.0.0.1:8082/.well-known/walletpush.json"},
                "google": {"kind": "google", "script_url": "http://127.0.0.1:9000/g.js"},
                "odd": {"kind": "unknown"}
            }
        })
    }

    const PAGE: &str = "<head><title>t</title></head><body></body>";

    #[test]
    fn the_start_up_scripts_come_before_the_stylesheet_and_the_module() {
        let page = frame_page(
            r#"<head><meta charset="utf-8"><link rel="stylesheet" href="frame.css"><script type="module" src="frame.js"></script></head>"#,
            &config(),
            "sandbox",
        );
        let handshake = page.find(EARLY_HANDSHAKE).unwrap();
        let compile = page.find(EARLY_COMPILE).unwrap();
        let stylesheet = page.find(r#"<link rel="stylesheet""#).unwrap();
        assert!(page.find("<meta").unwrap() < handshake);
        assert!(handshake < stylesheet && compile < stylesheet);
        assert!(page.find(r#"src="frame.js""#).unwrap() > compile);
        assert!(EARLY_COMPILE.contains(&format!(r#"fetch("{WASM_MODULE}")"#)));
    }

    #[test]
    fn the_frame_page_carries_the_configuration_as_inert_json() {
        let page = frame_page(PAGE, &config(), "");
        let start = page
            .find(r#"<script type="application/json" id="walletpush-config">"#)
            .unwrap();
        let block = &page[start..];
        let json = &block[block.find('>').unwrap() + 1..block.find("</script>").unwrap()];
        assert_eq!(serde_json::from_str::<Value>(json).unwrap(), config());
        assert_eq!(
            block.matches("</script>").count(),
            1,
            "no string ends the element"
        );
        assert_eq!(
            page.matches("<script>").count(),
            1,
            "the handshake script, and no compile script without a walletpush/1 wallet"
        );
        assert!(page.ends_with("</script></head><body></body>"));
        assert!(
            !page.contains("preload"),
            "no wallet named, nothing preloaded"
        );
        assert_eq!(
            frame_page("<p>no head</p>", &config(), "sandbox"),
            "<p>no head</p>"
        );
    }

    #[test]
    fn the_frame_page_preloads_only_what_the_named_configured_wallets_need() {
        let sandbox = frame_page(PAGE, &config(), "sandbox sandbox");
        assert_eq!(sandbox.matches("<link").count(), 3);
        assert!(sandbox.contains(
            r#"<link rel="preload" href="http://127.0.0.1:8082/.well-known/walletpush.json" as="fetch" crossorigin>"#
        ));
        assert!(sandbox.contains(
            r#"<link rel="preload" href="pkg/walletpush_bg.wasm" as="fetch" crossorigin>"#
        ));
        assert!(sandbox.contains(r#"<link rel="modulepreload" href="adapters/walletpush.js">"#));
        let google = frame_page(PAGE, &config(), "google paypal odd");
        assert_eq!(google.matches("<link").count(), 1);
        assert!(google.contains(r#"<link rel="modulepreload" href="adapters/nested.js">"#));
        // Two walletpush/1 wallets named out of order: each file and document once.
        let mut two = config();
        two["wallets"]["other"] =
            serde_json::json!({"discovery": "http://127.0.0.1:9100/.well-known/walletpush.json"});
        let both = frame_page(PAGE, &two, "sandbox other sandbox google other");
        assert_eq!(both.matches("<link").count(), 5);
        // Google and Apple share the frame's end of their nested frames.
        two["wallets"]["apple"] = serde_json::json!({"kind": "apple"});
        let nested = frame_page(PAGE, &two, "google apple");
        assert_eq!(nested.matches("<link").count(), 1);
        assert!(nested.contains(r#"<link rel="modulepreload" href="adapters/nested.js">"#));
        assert_eq!(both.matches(r#"walletpush.json" as="fetch""#).count(), 2);
        assert_eq!(both.matches(EARLY_COMPILE).count(), 1);
        let hostile = frame_page(PAGE, &config(), "\"><script>x()</script> apple toString");
        assert!(!hostile.contains("<link") && !hostile.contains("x()</script><"));
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type(Path::new("pkg/a.wasm")), "application/wasm");
        assert_eq!(
            content_type(Path::new("walletpush.js")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("x.bin")), "application/octet-stream");
    }

    #[tokio::test]
    async fn a_link_out_of_the_root_is_not_served() {
        let outside = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.css"), "x").unwrap();
        std::fs::write(root.path().join("ok.css"), "x").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.css"), root.path().join("a.css"))
            .unwrap();
        std::fs::create_dir(root.path().join("pkg")).unwrap();
        assert!(resolve(root.path(), Path::new("ok.css")).await.is_some());
        assert!(resolve(root.path(), Path::new("a.css")).await.is_none());
        assert!(resolve(root.path(), Path::new("pkg")).await.is_none());
    }
}

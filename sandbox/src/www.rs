//! The widget's built files on the widget origin: `/walletpush.js`, `/frame.html`, `/frame.js`,
//! `/*.css`, the frame's modules under `/frame/` and `/adapters/`, and `/pkg/*`, read from
//! `--www-dir`. Everything else is 404: no directory listing,
//! no dot files, no path traversal (each segment is checked, and the resolved file must still be
//! inside the directory, so a symbolic link cannot lead out of it either).

use std::path::{Path, PathBuf};

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::app::SharedApp;
use crate::faults::FrameCspFault;

/// The routes of the widget's files.
pub fn routes() -> Router<SharedApp> {
    Router::new()
        .route("/walletpush.js", get(serve))
        .route("/frame.html", get(serve))
        .route("/{file}", get(serve))
        .route("/pkg/{*path}", get(serve))
        .route("/frame/{file}", get(serve))
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
        ["frame" | "adapters", file] => file.ends_with(".js"),
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

async fn serve(State(app): State<SharedApp>, uri: Uri) -> Response {
    let Some(relative) = relative_path(uri.path()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(file) = resolve(&app.www_dir, &relative).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let body = match tokio::fs::read(&file).await {
        Ok(body) => body,
        Err(_) => return StatusCode::NOT_FOUND.into_response(),
    };
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(&file)),
            ),
            // Revalidate every time: the widget is rebuilt while the sandbox runs.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response();
    if relative == Path::new("frame.html") {
        let policy = match app.faults.current().frame_csp {
            FrameCspFault::None => &app.csp.frame,
            FrameCspFault::NoWasm => &app.csp.frame_no_wasm,
        };
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy.clone());
    }
    response
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
            ("/frame/errors.js", "frame/errors.js"),
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

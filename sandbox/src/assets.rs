//! The sandbox's own page scripts and styles, compiled into the binary from `sandbox/assets/`
//! and served under `/assets/` by the host and wallet listeners (the CSP allows no inline code).

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// An embedded file: its name under `/assets/`, content type and contents.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

const ASSETS: [Asset; 4] = [
    Asset {
        name: "host.css",
        content_type: CSS,
        body: include_str!("../assets/host.css"),
    },
    Asset {
        name: "host.js",
        content_type: JS,
        body: include_str!("../assets/host.js"),
    },
    Asset {
        name: "wallet.css",
        content_type: CSS,
        body: include_str!("../assets/wallet.css"),
    },
    Asset {
        name: "wallet.js",
        content_type: JS,
        body: include_str!("../assets/wallet.js"),
    },
];

/// `GET /favicon.ico`: no icon, and no 404 in the browser's console either.
pub async fn no_favicon() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// `GET /assets/{name}`.
pub async fn serve(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(asset) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(asset.content_type),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            asset.body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

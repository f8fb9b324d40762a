//! The routers of the three listeners (docs/wire.md, "Origins"), with the layers they share.
//! The test hooks are routed only when enabled: without `--test-hooks` they are plain 404s.

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::get;
use axum::Router;

use crate::app::SharedApp;
use crate::{art, assets, hooks, host, http, issuer, wallet, www};

/// The largest request body any endpoint reads: a JWE or a handle is a few KB.
const BODY_LIMIT: usize = 64 * 1024;

/// The host origin: the demo portals.
pub fn host(app: &SharedApp) -> Router {
    let router = host::routes();
    let router = if app.test_hooks {
        router.merge(hooks::host_routes())
    } else {
        router
    };
    finish(router, "host", app)
}

/// The widget origin: the widget's files, card art and the issuer API.
pub fn widget(app: &SharedApp) -> Router {
    let router = issuer::routes()
        .merge(www::routes())
        .route("/art/{file}", get(art::serve))
        .route("/favicon.ico", get(assets::no_favicon));
    let router = if app.test_hooks {
        router.merge(hooks::fault_routes())
    } else {
        router
    };
    finish(router, "widget", app)
}

/// The wallet origin.
pub fn wallet(app: &SharedApp) -> Router {
    let router = wallet::routes()
        .route("/assets/{name}", get(assets::serve))
        .route("/favicon.ico", get(assets::no_favicon));
    let router = if app.test_hooks {
        router.merge(hooks::fault_routes())
    } else {
        router
    };
    finish(router, "wallet", app)
}

/// The layers every listener shares, outermost first: the request log (which sees the final
/// status), security headers, the body limit.
fn finish(router: Router<SharedApp>, listener: &'static str, app: &SharedApp) -> Router {
    router
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(http::secure_headers))
        .layer(middleware::from_fn_with_state(listener, http::log_requests))
        .with_state(Arc::clone(app))
}

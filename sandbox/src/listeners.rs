//! The routers of the four listeners (docs/wire.md, "Origins"). The widget origin is
//! walletpush-server's router with the demo's card art added. The test hooks and the fault
//! layer are routed only when enabled: without `--test-hooks` they are plain 404s.

use std::sync::Arc;

use axum::http::header::InvalidHeaderValue;
use axum::middleware;
use axum::routing::get;
use axum::Router;
use walletpush_server::http::LogFormat;

use crate::app::SharedApp;
use crate::{art, assets, faults, hooks, host, wallet};

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

/// The widget origin: walletpush-server (the widget's files and the issuer API), and the demo
/// cards' art.
pub fn widget(app: &SharedApp) -> Router {
    let demo = Router::new()
        .route("/art/{file}", get(art::serve))
        .route("/favicon.ico", get(assets::no_favicon));
    let demo = if app.test_hooks {
        demo.merge(hooks::fault_routes())
    } else {
        demo
    };
    let router = walletpush_server::routes(&app.server).merge(demo.with_state(Arc::clone(app)));
    let router = if app.test_hooks {
        router.layer(middleware::from_fn_with_state(
            Arc::clone(&app.faults),
            faults::widget_faults,
        ))
    } else {
        router
    };
    walletpush_server::finish(router, "widget", LogFormat::Plain)
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

/// The adapter origin: walletpush-server's, as it serves it.
pub fn adapters(app: &SharedApp) -> Result<Router, InvalidHeaderValue> {
    walletpush_server::adapter_router(&app.server.deployment, LogFormat::Plain)
}

/// The server's layers (request log, security headers, body limit), on a router of the
/// sandbox's own.
fn finish(router: Router<SharedApp>, listener: &'static str, app: &SharedApp) -> Router {
    walletpush_server::finish(
        router.with_state(Arc::clone(app)),
        listener,
        LogFormat::Plain,
    )
}

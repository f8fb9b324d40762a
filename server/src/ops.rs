//! Operations endpoints (docs/design.md §9): `/healthz` answers while the process serves,
//! `/readyz` only while the store answers too, so a load balancer takes an instance whose store
//! is gone out of rotation; `/metrics` in Prometheus' text format ([`crate::metrics`]).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::http;
use crate::state::SharedState;

/// The operations routes.
pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

async fn metrics(State(app): State<SharedState>) -> Response {
    let content_type = [(
        axum::http::header::CONTENT_TYPE,
        "text/plain; version=0.0.4; charset=utf-8",
    )];
    (http::no_store(), content_type, app.metrics.render()).into_response()
}

async fn healthz() -> Response {
    (http::no_store(), "ok\n").into_response()
}

async fn readyz(State(app): State<SharedState>) -> Response {
    match app.store.ping().await {
        Ok(()) => (http::no_store(), "ready\n").into_response(),
        Err(e) => {
            http::log_error(&e);
            (
                StatusCode::SERVICE_UNAVAILABLE,
                http::no_store(),
                "the store does not answer\n",
            )
                .into_response()
        }
    }
}

//! `walletpush-server`: the widget origin an issuer deploys (docs/design.md §9).
//!
//! It serves the widget's built files and `frame.html` with a Content-Security-Policy built from
//! the deployment ([`www`], [`csp`]), and the issuer API ([`issuer`]): the widget's
//! configuration, the JWKS of the activation-signing keys, and the exchange of a card handle for
//! the card payload. What it needs from the issuer is behind three interfaces:
//!
//! - [`cards::CardSource`]: card data by the handle's `card` reference (the issuer's backend over
//!   HTTP, [`cards::http::HttpCardSource`], or any Rust implementation);
//! - [`store::Store`]: the single use of each handle ([`store::sqlite::SqliteStore`]);
//! - [`signer::Signer`]: the activation-signing keys ([`signer::KeyRing`], from files or memory).
//!
//! [`config`] reads and checks the configuration file; [`state::ServerState`] holds what the
//! handlers share; [`routes`] is the widget origin's HTTP surface, which an embedding program
//! (the sandbox) may merge with routes of its own before [`finish`] adds the layers.
//!
//! Modules depend on each other in one direction only (tests/module_graph.rs checks it): the
//! leaves `clock`, `ids`, `urls`, `frame`, `site`, `metrics`, `limits`; then `store`, `signer`,
//! `csp`, `http`, `cards`; then `adapters`, `activation`, `deployment`, `wallet_keys`, `state`,
//! `serve`, `checks`; then `www`, `adapter_frame` (the adapter origin), `issuer`, `ops`,
//! `config`, `mint`; this file at the top. server/README.md is the operator's reference.
#![forbid(unsafe_code)]

pub mod activation;
pub mod adapter_frame;
pub mod adapters;
pub mod cards;
pub mod checks;
pub mod clock;
pub mod config;
pub mod csp;
pub mod deployment;
pub mod frame;
pub mod http;
pub mod ids;
pub mod issuer;
pub mod limits;
pub mod metrics;
pub mod mint;
pub mod ops;
pub mod serve;
pub mod signer;
pub mod site;
pub mod state;
pub mod store;
pub mod urls;
pub mod wallet_keys;
pub mod www;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::Router;

use crate::http::LogFormat;
use crate::state::ServerState;

/// The largest request body any endpoint reads: a handle and a wallet's session fields are a
/// few KB.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The widget origin's routes (the widget's files and the issuer API) with their state, without
/// the layers: an embedding program merges its own routes first, then calls [`finish`].
pub fn routes(state: &Arc<ServerState>) -> Router {
    issuer::routes()
        .merge(www::routes())
        .merge(ops::routes())
        .with_state(Arc::clone(state))
}

/// The layers every response passes, outermost first: the request log (which sees the final
/// status), security headers, the body limit. `listener` names the listener in the log.
pub fn finish(router: Router, listener: &'static str, log: LogFormat) -> Router {
    router
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(http::secure_headers))
        .layer(middleware::from_fn_with_state(
            (listener, log),
            http::log_requests,
        ))
}

/// The widget origin as `walletpush-server` serves it: [`routes`] with [`finish`]'s layers.
pub fn router(state: &Arc<ServerState>, log: LogFormat) -> Router {
    finish(routes(state), "widget", log)
}

/// The adapter origin ([`adapter_frame`]) with [`finish`]'s layers. Fails only if an origin
/// cannot go into a header, which [`config`] rules out.
pub fn adapter_router(
    deployment: &deployment::Deployment,
    log: LogFormat,
) -> Result<Router, axum::http::header::InvalidHeaderValue> {
    Ok(finish(adapter_frame::routes(deployment)?, "adapter", log))
}

//! What every handler of the widget origin shares.

use std::sync::Arc;

use axum::http::header::InvalidHeaderValue;
use axum::http::HeaderValue;
use serde_json::Value;
use walletpush::jwk::KeySet;

use crate::cards::CardSource;
use crate::deployment::Deployment;
use crate::metrics::Metrics;
use crate::signer::Signer;
use crate::store::Store;

/// The server: the deployment, its keys, where card data and state come from.
#[derive(Debug)]
pub struct ServerState {
    /// The deployment.
    pub deployment: Deployment,
    /// Signs activations and the adapter wallets' credentials.
    pub signer: Arc<dyn Signer>,
    /// The keys that sign card handles (the issuer's backend mints them).
    pub handle_keys: KeySet,
    /// Card data.
    pub cards: Arc<dyn CardSource>,
    /// The single use of handles.
    pub store: Arc<dyn Store>,
    /// The widget configuration, built once.
    pub widget_config: Value,
    /// `frame.html`'s Content-Security-Policy, built once.
    pub frame_csp: HeaderValue,
    /// The Prometheus metrics.
    pub metrics: Metrics,
}

/// How handlers hold the state.
pub type SharedState = Arc<ServerState>;

impl ServerState {
    /// The state of `deployment`. Fails only if an origin cannot go into a header, which
    /// [`crate::config`] rules out.
    pub fn new(
        deployment: Deployment,
        signer: Arc<dyn Signer>,
        handle_keys: KeySet,
        cards: Arc<dyn CardSource>,
        store: Arc<dyn Store>,
    ) -> Result<ServerState, InvalidHeaderValue> {
        Ok(ServerState {
            widget_config: deployment.widget_configuration(),
            frame_csp: HeaderValue::from_str(&deployment.frame_policy())?,
            deployment,
            signer,
            handle_keys,
            cards,
            store,
            metrics: Metrics::default(),
        })
    }
}

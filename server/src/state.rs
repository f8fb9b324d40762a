//! What every handler of the widget origin shares.

use std::sync::Arc;

use axum::http::header::InvalidHeaderValue;
use axum::http::HeaderValue;
use serde_json::Value;
use walletpush::jwk::KeySet;

use crate::cards::CardSource;
use crate::deployment::Deployment;
use crate::limits::{Limiter, RateLimits};
use crate::metrics::Metrics;
use crate::signer::Signer;
use crate::store::Store;
use crate::wallet_keys::WalletKeys;

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
    /// The pinned signing keys of the `walletpush/1` wallets.
    pub wallet_keys: WalletKeys,
    /// The issuer API's rate limits: per client address, per card.
    pub limiters: Limiters,
}

/// The token buckets of [`RateLimits`].
#[derive(Debug, Default)]
pub struct Limiters {
    /// Per client address.
    pub client: Option<Limiter>,
    /// Per card.
    pub card: Option<Limiter>,
}

impl Limiters {
    /// Empty buckets for `limits`.
    pub fn new(limits: RateLimits) -> Limiters {
        Limiters {
            client: limits.client.map(Limiter::new),
            card: limits.card.map(Limiter::new),
        }
    }
}

/// How handlers hold the state.
pub type SharedState = Arc<ServerState>;

impl ServerState {
    /// The state of `deployment`, with no rate limits ([`ServerState::with_rate_limits`] sets
    /// some). Fails only if an origin cannot go into a header, which [`crate::config`] rules
    /// out.
    pub fn new(
        deployment: Deployment,
        signer: Arc<dyn Signer>,
        handle_keys: KeySet,
        cards: Arc<dyn CardSource>,
        store: Arc<dyn Store>,
    ) -> Result<ServerState, InvalidHeaderValue> {
        Ok(ServerState {
            wallet_keys: WalletKeys::new(&deployment.wallets),
            limiters: Limiters::default(),
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

    /// The same state with the rate limits `limits` (fresh buckets).
    pub fn with_rate_limits(mut self, limits: RateLimits) -> ServerState {
        self.limiters = Limiters::new(limits);
        self
    }
}

//! The state every handler of the three listeners shares: the sandbox's own (store, keys,
//! origins, faults) and the composed walletpush-server's ([`ServerState`]).

use std::path::PathBuf;
use std::sync::Arc;

use walletpush::handle::HandleClaims;
use walletpush::jwk::{KeySet, PublicJwk};
use walletpush_server::adapters::Adapters;
use walletpush_server::deployment::{Deployment, WalletpushWallet, Wants};
use walletpush_server::limits::RateLimits;
use walletpush_server::mint;
use walletpush_server::signer::KeyRing;
use walletpush_server::state::ServerState;
use walletpush_server::store::sqlite::SqliteStore;

use crate::config::Origins;
use crate::csp::Policies;
use crate::db::cards::Card as StoredCard;
use crate::db::Db;
use crate::demo_cards::DemoCards;
use crate::faults::Faults;
use crate::keys::{self, Keys};
use crate::seed;
use crate::wallet::document;
use crate::wallet::names::{WALLET_ID, WALLET_NAME};
use walletpush_server::clock;

/// The issuer id (`iss`) of the sandbox's handles and of what its server signs.
pub const ISSUER_ID: &str = "sandbox-bank";

/// The sandbox: one store, one set of keys, three origins, and the server on the widget origin.
#[derive(Debug)]
pub struct App {
    /// The SQLite store (the server's tables are in it too).
    pub db: Arc<Db>,
    /// walletpush-server as the widget origin serves it, with the demo card source.
    pub server: Arc<ServerState>,
    /// The demo cards, as the server's card source and for the host pages.
    pub cards: Arc<DemoCards>,
    /// The signing keys (the wallet's encryption keys are read from the store: they rotate).
    pub keys: Keys,
    /// The three origins.
    pub origins: Origins,
    /// The Content-Security-Policy of the host and wallet pages.
    pub csp: Policies,
    /// Faults injected by tests.
    pub faults: Arc<Faults>,
    /// Whether `/__sandbox/*` answers.
    pub test_hooks: bool,
    /// The widget origins the sandbox wallet serves (docs/design.md §3a).
    pub wallet_clients: Vec<String>,
}

impl App {
    /// Prepares the sandbox on an open store: seeds the demo data and creates the keys on first
    /// start, rotates the wallet's encryption keys if due, builds the policies, and composes
    /// the server: the issuer key signs both handles and activations, the demo cards are its
    /// card source, `adapters` its adapter wallets, `rate_limits` its limits. The sandbox
    /// wallet is pinned by its signing key's thumbprint, and with `pin_document` by its whole
    /// document.
    pub fn new(
        db: Db,
        origins: Origins,
        www_dir: PathBuf,
        test_hooks: bool,
        adapters: Adapters,
        pin_document: bool,
        rate_limits: RateLimits,
    ) -> Result<App, Box<dyn std::error::Error>> {
        let now = clock::now();
        seed::seed_if_empty(&db)?;
        let keys = Keys::load_or_create(&db, now)?;
        let enc = keys::enc_keys(&db, now)?;
        let db = Arc::new(db);
        let cards = Arc::new(DemoCards::load(&db, &origins.widget)?);
        let deployment = Deployment {
            issuer_id: ISSUER_ID.to_owned(),
            widget_origin: origins.widget.clone(),
            host_origins: origins.all_hosts(),
            // Pinned: the wallet's signing key by thumbprint. Its document is discovered (the
            // frame and the issuer API fetch it; a rotated encryption key shows at once), or
            // with `pin_document` pinned as of this start (a restart republishes it).
            wallets: vec![WalletpushWallet {
                id: WALLET_ID.to_owned(),
                name: WALLET_NAME.to_owned(),
                origin: origins.wallet.clone(),
                signing_keys: vec![keys.wallet_sig.public().thumbprint()],
                document: pin_document
                    .then(|| document::document_for(&origins.wallet, &keys.wallet_sig, &enc)),
                wants: Wants::default(),
            }],
            adapters,
            adapter_origin: origins.adapters.clone(),
            www_dir,
        };
        let server = ServerState::new(
            deployment,
            Arc::new(KeyRing::new(keys.issuer.clone(), vec![])?),
            keys.issuer_jwks().clone(),
            Arc::clone(&cards) as _,
            Arc::new(SqliteStore::on(Arc::clone(&db))?),
        )?
        .with_rate_limits(rate_limits);
        Ok(App {
            db,
            server: Arc::new(server),
            cards,
            keys,
            csp: Policies::new(&origins)?,
            wallet_clients: vec![origins.widget.clone()],
            origins,
            faults: Arc::default(),
            test_hooks,
        })
    }
}

impl App {
    /// Also redeems handles signed by `keys` (a developer's own backend, `--issuer-jwks`).
    pub fn with_developer_keys(
        mut self,
        keys: Vec<PublicJwk>,
    ) -> Result<App, Box<dyn std::error::Error>> {
        if keys.is_empty() {
            return Ok(self);
        }
        let server = Arc::get_mut(&mut self.server).ok_or("the server is already in use")?;
        let mut all = server.handle_keys.keys().to_vec();
        all.extend(keys);
        server.handle_keys = KeySet::new(all);
        Ok(self)
    }

    /// The claims of a fresh handle for `card`, for its owner and every wallet offered, bound
    /// to the binding secret whose digest is `bnd`, as the issuer's backend mints them when it
    /// renders a page.
    pub fn handle_claims(&self, card: &StoredCard, now: i64, bnd: &str) -> HandleClaims {
        mint::claims(
            &self.server.deployment,
            &card.user_id,
            &self.cards.data(card),
            now,
            bnd,
        )
    }

    /// The `Set-Cookie` value of the binding cookie `value` for `max_age` seconds, scoped to
    /// the domain host and widget share (docs/design.md §2).
    pub fn binding_cookie(&self, value: &str, max_age: i64) -> String {
        mint::set_cookie_header(
            value,
            self.origins.cookie_domain.as_deref().unwrap_or_default(),
            false,
            u64::try_from(max_age).unwrap_or(0),
        )
    }

    /// The `Set-Cookie` value that removes the binding cookie.
    pub fn clear_binding_cookie(&self) -> String {
        mint::clear_cookie_header(
            self.origins.cookie_domain.as_deref().unwrap_or_default(),
            false,
        )
    }
}

/// How handlers hold the state.
pub type SharedApp = Arc<App>;

//! The state every handler of the three listeners shares: the sandbox's own (store, keys,
//! origins, faults) and the composed walletpush-server's ([`ServerState`]).

use std::path::PathBuf;
use std::sync::Arc;

use walletpush::handle::HandleClaims;
use walletpush_server::adapters::Adapters;
use walletpush_server::deployment::{Deployment, WalletpushWallet, Wants};
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
}

impl App {
    /// Prepares the sandbox on an open store: seeds the demo data and creates the keys on first
    /// start, rotates the wallet's encryption keys if due, builds the policies, and composes
    /// the server: the issuer key signs both handles and activations, the demo cards are its
    /// card source, `adapters` its adapter wallets.
    pub fn new(
        db: Db,
        origins: Origins,
        www_dir: PathBuf,
        test_hooks: bool,
        adapters: Adapters,
    ) -> Result<App, Box<dyn std::error::Error>> {
        let now = clock::now();
        seed::seed_if_empty(&db)?;
        let keys = Keys::load_or_create(&db, now)?;
        keys::enc_keys(&db, now)?;
        let db = Arc::new(db);
        let cards = Arc::new(DemoCards::load(&db, &origins.widget)?);
        let deployment = Deployment {
            issuer_id: ISSUER_ID.to_owned(),
            widget_origin: origins.widget.clone(),
            host_origins: vec![origins.host.clone()],
            wallets: vec![WalletpushWallet {
                id: WALLET_ID.to_owned(),
                name: WALLET_NAME.to_owned(),
                origin: origins.wallet.clone(),
                signing_keys: vec![keys.wallet_sig.public().thumbprint()],
                document: None,
                wants: Wants::default(),
            }],
            adapters,
            adapter_origin: None,
            www_dir,
        };
        let server = ServerState::new(
            deployment,
            Arc::new(KeyRing::new(keys.issuer.clone(), vec![])?),
            keys.issuer_jwks().clone(),
            Arc::clone(&cards) as _,
            Arc::new(SqliteStore::on(Arc::clone(&db))?),
        )?;
        Ok(App {
            db,
            server: Arc::new(server),
            cards,
            keys,
            csp: Policies::new(&origins)?,
            origins,
            faults: Arc::default(),
            test_hooks,
        })
    }
}

impl App {
    /// The claims of a fresh handle for `card`, for its owner and every wallet offered, as the
    /// issuer's backend mints them when it renders a page.
    pub fn handle_claims(&self, card: &StoredCard, now: i64) -> HandleClaims {
        // A fresh binding secret per handle, kept by no one: such a handle does not redeem
        // once the issuer API checks the binding cookie.
        mint::claims(
            &self.server.deployment,
            &card.user_id,
            &self.cards.data(card),
            now,
            &mint::BindingSecret::generate().bnd(),
        )
    }
}

/// How handlers hold the state.
pub type SharedApp = Arc<App>;

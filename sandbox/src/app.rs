//! The state every handler of the three listeners shares.

use std::path::PathBuf;
use std::sync::Arc;

use crate::adapters::Adapters;
use crate::config::Origins;
use crate::csp::Policies;
use crate::db::Db;
use crate::faults::Faults;
use crate::keys::{self, Keys};
use crate::{clock, issuer, seed};

/// The sandbox: one store, one set of keys, three origins.
#[derive(Debug)]
pub struct App {
    /// The SQLite store.
    pub db: Arc<Db>,
    /// The writer of the issuer API's handle redemptions, batched on [`App::db`].
    pub redemptions: issuer::Redemptions,
    /// The signing keys (the wallet's encryption keys are read from the store: they rotate).
    pub keys: Keys,
    /// The three origins.
    pub origins: Origins,
    /// The Content-Security-Policy of each kind of response.
    pub csp: Policies,
    /// Faults injected by tests.
    pub faults: Faults,
    /// Where the widget's built files are.
    pub www_dir: PathBuf,
    /// Whether `/__sandbox/*` answers.
    pub test_hooks: bool,
    /// The wallets reached through adapters (Google, Apple, Token Connect); none by default.
    pub adapters: Adapters,
}

impl App {
    /// Prepares the sandbox on an open store: seeds the demo data and creates the keys on first
    /// start, rotates the wallet's encryption keys if due, and builds the policies.
    pub fn new(
        db: Db,
        origins: Origins,
        www_dir: PathBuf,
        test_hooks: bool,
    ) -> Result<App, Box<dyn std::error::Error>> {
        let now = clock::now();
        seed::seed_if_empty(&db)?;
        let keys = Keys::load_or_create(&db, now)?;
        keys::enc_keys(&db, now)?;
        let db = Arc::new(db);
        Ok(App {
            redemptions: issuer::redemptions(&db)?,
            db,
            keys,
            csp: Policies::new(&origins, &[])?,
            origins,
            faults: Faults::default(),
            www_dir,
            test_hooks,
            adapters: Adapters::default(),
        })
    }

    /// Offers the adapter wallets `adapters`; the frame's policy then allows their scripts.
    pub fn with_adapters(
        mut self,
        adapters: Adapters,
    ) -> Result<App, axum::http::header::InvalidHeaderValue> {
        self.csp = Policies::new(&self.origins, &adapters.script_origins())?;
        self.adapters = adapters;
        Ok(self)
    }
}

/// How handlers hold the state.
pub type SharedApp = Arc<App>;

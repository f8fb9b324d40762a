//! What a deployment of the widget origin is (docs/design.md §9): its origin, the host pages
//! that embed it, the wallets it offers, where the widget's files are. [`crate::config`] builds
//! it from the configuration file; a program that embeds the server builds it in code.

use std::path::PathBuf;

use serde_json::{json, Map, Value};

use crate::adapters::Adapters;
use crate::csp::{self, FrameSources};

/// One deployment of the widget origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// The issuer id: the `iss` of the handles it redeems and of what it signs.
    pub issuer_id: String,
    /// The widget origin, as browsers spell it (`https://walletpush.bank.example`): the `aud`
    /// of every handle and the only `Origin` the issuer API answers.
    pub widget_origin: String,
    /// The issuer's pages that embed the widget (`frame-ancestors`), and where Token Connect
    /// may send the user back to. Each is same-site with the widget origin (docs/design.md §2).
    pub host_origins: Vec<String>,
    /// The `walletpush/1` wallets offered.
    pub wallets: Vec<WalletpushWallet>,
    /// The wallets reached through adapters.
    pub adapters: Adapters,
    /// The adapter origin (docs/design.md §1, §4), where Google's and Apple's scripts run:
    /// same-site with the widget origin, and the only `Origin` the issuer API answers for
    /// those wallets. `None` when no adapter origin is configured.
    pub adapter_origin: Option<String>,
    /// The widget's built files (`npm run build` makes them into `www/dist`).
    pub www_dir: PathBuf,
}

/// A `walletpush/1` wallet (docs/design.md §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletpushWallet {
    /// Its id in handles and requests (`wallets`, `wallet`).
    pub id: String,
    /// The name the button shows.
    pub name: String,
    /// Its origin: the frame fetches its document and sessions there and submits redirect
    /// mode's form to it.
    pub origin: String,
    /// The RFC 7638 thumbprints of its signing keys (docs/design.md §3a): sessions and results
    /// verify only against these. At least one.
    pub signing_keys: Vec<String>,
    /// A pinned copy of its discovery document, used instead of fetching it.
    pub document: Option<Value>,
    /// What the wallet gets beyond the card payload's required members.
    pub wants: Wants,
}

/// The optional members of the card payload a wallet asks for (`wants = ["name", "billing"]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wants {
    /// The cardholder's name.
    pub name: bool,
    /// The billing address.
    pub billing: bool,
}

impl Wants {
    /// The names of what is wanted, as the configuration writes them.
    pub const NAMES: [&'static str; 2] = ["name", "billing"];

    /// Reads `["name", "billing"]`-style names; `Err` with the first unknown one.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Wants, &'a str> {
        let mut wants = Wants::default();
        for name in names {
            match name {
                "name" => wants.name = true,
                "billing" => wants.billing = true,
                other => return Err(other),
            }
        }
        Ok(wants)
    }
}

impl WalletpushWallet {
    /// The wallet's discovery document.
    pub fn discovery(&self) -> String {
        format!("{}/.well-known/walletpush.json", self.origin)
    }

    /// The wallet's entry in the widget configuration: `kind`, `name`, `origin`,
    /// `signing_keys`, and `document` when pinned, else `discovery`.
    pub fn config_entry(&self) -> Value {
        let mut entry = json!({
            "kind": "walletpush/1",
            "name": self.name,
            "origin": self.origin,
            "signing_keys": self.signing_keys,
        });
        match &self.document {
            Some(document) => entry["document"] = document.clone(),
            None => entry["discovery"] = Value::from(self.discovery()),
        }
        entry
    }
}

impl Deployment {
    /// The ids of every wallet offered: the `walletpush/1` wallets, then the adapters'.
    pub fn wallet_ids(&self) -> Vec<&str> {
        self.wallets
            .iter()
            .map(|w| w.id.as_str())
            .chain(self.adapters.ids())
            .collect()
    }

    /// The `walletpush/1` wallet `id`.
    pub fn walletpush_wallet(&self, id: &str) -> Option<&WalletpushWallet> {
        self.wallets.iter().find(|w| w.id == id)
    }

    /// What the widget's frame needs to know (`GET /walletpush/v1/config`, and inline in
    /// `frame.html`): where the issuer API is and which wallets it offers: each `walletpush/1`
    /// wallet by its pins ([`WalletpushWallet::config_entry`]), the adapter wallets by `kind`
    /// and settings, and the adapter origin when there is one.
    pub fn widget_configuration(&self) -> Value {
        let mut wallets = Map::new();
        for wallet in &self.wallets {
            wallets.insert(wallet.id.clone(), wallet.config_entry());
        }
        wallets.extend(self.adapters.config_entries());
        let mut config = json!({ "issuer_api": self.widget_origin, "wallets": wallets });
        if let Some(adapter_origin) = &self.adapter_origin {
            config["adapter_origin"] = Value::from(adapter_origin.clone());
        }
        config
    }

    /// `frame.html`'s Content-Security-Policy: no wallet script runs in the frame; Google's and
    /// Apple's run in the adapter origin's frame it nests ([`crate::adapter_frame`]).
    pub fn frame_policy(&self) -> String {
        let wallets: Vec<String> = self.wallets.iter().map(|w| w.origin.clone()).collect();
        csp::frame(FrameSources {
            hosts: &self.host_origins,
            wallets: &wallets,
            // Only where a wallet needs it: Google's and Apple's buttons are in its frame.
            adapter: self
                .adapter_origin
                .as_deref()
                .filter(|_| self.adapters.google.is_some() || self.adapters.apple.is_some()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Deployment {
        Deployment {
            issuer_id: "bank".into(),
            widget_origin: "http://127.0.0.1:8081".into(),
            host_origins: vec!["http://127.0.0.1:8080".into()],
            wallets: vec![WalletpushWallet {
                id: "sandbox".into(),
                name: "Sandbox Wallet".into(),
                origin: "http://127.0.0.1:8082".into(),
                signing_keys: vec!["tp-1".into()],
                document: None,
                wants: Wants::default(),
            }],
            adapters: Adapters::default(),
            adapter_origin: None,
            www_dir: PathBuf::from("www/dist"),
        }
    }

    #[test]
    fn the_widget_configuration_lists_each_wallet() {
        let config = sample().widget_configuration();
        assert_eq!(config["issuer_api"], "http://127.0.0.1:8081");
        assert_eq!(
            config["wallets"]["sandbox"],
            json!({
                "kind": "walletpush/1",
                "name": "Sandbox Wallet",
                "origin": "http://127.0.0.1:8082",
                "signing_keys": ["tp-1"],
                "discovery": "http://127.0.0.1:8082/.well-known/walletpush.json"
            })
        );
        assert!(config.get("adapter_origin").is_none());
        assert_eq!(sample().wallet_ids(), ["sandbox"]);
        let mut pinned = sample();
        let document = json!({"protocol": "walletpush/1"});
        pinned.wallets[0].document = Some(document.clone());
        pinned.adapter_origin = Some("http://127.0.0.2:8083".into());
        let config = pinned.widget_configuration();
        assert_eq!(config["wallets"]["sandbox"]["document"], document);
        assert!(config["wallets"]["sandbox"].get("discovery").is_none());
        assert_eq!(config["adapter_origin"], "http://127.0.0.2:8083");
    }

    #[test]
    fn wants_reads_the_configured_names() {
        assert_eq!(Wants::parse([]), Ok(Wants::default()));
        assert_eq!(
            Wants::parse(["billing", "name"]),
            Ok(Wants {
                name: true,
                billing: true
            })
        );
        assert_eq!(Wants::parse(["name", "cvv"]), Err("cvv"));
    }

    #[test]
    fn the_frame_policy_names_hosts_and_wallets() {
        let policy = sample().frame_policy();
        assert!(policy.contains("frame-ancestors http://127.0.0.1:8080;"));
        assert!(policy.contains("form-action http://127.0.0.1:8082;"));
    }
}

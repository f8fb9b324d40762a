//! The wallets reached through adapters (docs/design.md §4): Google Wallet, Apple Wallet and
//! Mastercard Token Connect. Their settings come from the configuration (all off by default);
//! this module turns them into the entries of `GET /walletpush/v1/config` and into the origins
//! the adapter frame's CSP must allow, since the wallets' own scripts run there, on the adapter
//! origin, never in the widget frame (docs/design.md §4, [`crate::adapter_frame`]).
//! [`credentials`] makes what the issuer API answers for them.
//!
//! A wallet is offered once its URL is set; its ids may still be missing, and then the frame
//! reports it `unavailable` with the cause instead of drawing a button that cannot work.

pub mod callback;
pub mod credentials;

use serde_json::{json, Map, Value};

use crate::urls;

/// The wallet id (and adapter kind) of Google Wallet.
pub const GOOGLE: &str = "google";
/// The wallet id (and adapter kind) of Apple Wallet.
pub const APPLE: &str = "apple";
/// The wallet id (and adapter kind) of Mastercard Token Connect.
pub const TOKEN_CONNECT: &str = "token-connect";

/// The adapter wallets this deployment offers, with their settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Adapters {
    /// Google Wallet: `googlepay.openAppWindow` from `integration.min.js`.
    pub google: Option<Google>,
    /// Apple Wallet: `initAddToAppleWallet` from `initAddToAppleWallet.js`.
    pub apple: Option<Apple>,
    /// Mastercard Token Connect: a top-level navigation to the token requestor.
    pub token_connect: Option<TokenConnect>,
}

/// Google Wallet's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Google {
    /// Where the frame loads Google's script from.
    pub script_url: String,
    /// The issuer's integrator id, given by Google at onboarding.
    pub integrator_id: Option<String>,
    /// Whether the frame talks to Google's test environment rather than production.
    pub test_environment: bool,
}

/// Apple Wallet's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Apple {
    /// Where the frame loads Apple's script from.
    pub script_url: String,
    /// The issuer's partner id, given by Apple at onboarding.
    pub partner_id: Option<String>,
    /// Apple's environment, whose origin the frame passes to Apple's script as `domain`.
    pub environment: AppleEnvironment,
}

/// Apple's two environments for web provisioning. The frame passes Apple's origin as `domain`:
/// `https://apple-pay.apple.com` in production, `https://apple-pay-cert.apple.com` for
/// certification (as processors' guides and integrators' public code show; README, "Apple
/// Wallet"). Certification is the default: a deployment reaches production only on purpose.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AppleEnvironment {
    /// Apple's certification environment (`https://apple-pay-cert.apple.com`).
    #[default]
    Certification,
    /// Apple's production environment (`https://apple-pay.apple.com`).
    Production,
}

impl AppleEnvironment {
    /// The configuration's spelling: `certification` or `production`.
    pub fn as_str(self) -> &'static str {
        match self {
            AppleEnvironment::Certification => "certification",
            AppleEnvironment::Production => "production",
        }
    }

    /// Parses the configuration's spelling.
    pub fn parse(value: &str) -> Result<AppleEnvironment, String> {
        match value {
            "certification" => Ok(AppleEnvironment::Certification),
            "production" => Ok(AppleEnvironment::Production),
            _ => Err("\"production\" or \"certification\"".to_owned()),
        }
    }
}

/// Mastercard Token Connect's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenConnect {
    /// The token requestor's page that the user is sent to. In production MDES returns it
    /// per requestor; the sandbox has one.
    pub requestor_url: String,
    /// The token requestor id (TRID) the issuer pushes to, offered as wallet `token-connect`.
    pub token_requestor: Option<String>,
    /// Further eligible requestors, each offered as its own wallet: MDES lists the requestors
    /// eligible for the issuer's account ranges (`getEligibleTokenRequestors`), and the user
    /// chooses among them by name and icon (MDES Token Connect issuer implementation guide).
    pub more: Vec<Requestor>,
}

/// A further Token Connect requestor, offered as the wallet `wallet` (`kind: token-connect`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requestor {
    /// Its wallet id in the configuration and in handles' `wallets` claims.
    pub wallet: String,
    /// The name the button shows.
    pub name: String,
    /// Its TRID.
    pub token_requestor: String,
    /// Its page.
    pub requestor_url: String,
    /// Its icon (MDES `getAsset`), a `data:image/...` URL, which the frame's `img-src` allows.
    pub icon: Option<String>,
}

impl Adapters {
    /// The ids of the wallets offered, in a fixed order.
    pub fn ids(&self) -> Vec<&str> {
        let mut ids = Vec::new();
        if self.google.is_some() {
            ids.push(GOOGLE);
        }
        if self.apple.is_some() {
            ids.push(APPLE);
        }
        if let Some(t) = &self.token_connect {
            ids.push(TOKEN_CONNECT);
            ids.extend(t.more.iter().map(|r| r.wallet.as_str()));
        }
        ids
    }

    /// The Token Connect requestor offered as wallet `id`: its TRID (when configured) and page.
    pub fn token_connect_requestor(&self, id: &str) -> Option<(Option<&str>, &str)> {
        let t = self.token_connect.as_ref()?;
        if id == TOKEN_CONNECT {
            return Some((t.token_requestor.as_deref(), &t.requestor_url));
        }
        let r = t.more.iter().find(|r| r.wallet == id)?;
        Some((Some(&r.token_requestor), &r.requestor_url))
    }

    /// The origins of the wallets' scripts, which the adapter frame's `script-src`,
    /// `connect-src` and `frame-src` must name (the scripts run there and may call or embed
    /// their own origin). Token Connect loads no script: the frame navigates the top window
    /// away.
    pub fn script_origins(&self) -> Vec<&str> {
        let mut origins: Vec<&str> = [
            self.google.as_ref().map(|g| g.script_url.as_str()),
            self.apple.as_ref().map(|a| a.script_url.as_str()),
        ]
        .into_iter()
        .flatten()
        .filter_map(urls::origin_of)
        .collect();
        origins.dedup();
        origins
    }

    /// The entries of `GET /walletpush/v1/config`'s `wallets` for these wallets. Absent ids
    /// are left out, so the frame can say which one is missing.
    pub fn config_entries(&self) -> Map<String, Value> {
        let mut wallets = Map::new();
        if let Some(g) = &self.google {
            let mut entry = json!({
                "kind": GOOGLE,
                "name": "Google Wallet",
                "script_url": g.script_url,
                "is_test_environment": g.test_environment,
            });
            insert_some(&mut entry, "integrator_id", &g.integrator_id);
            wallets.insert(GOOGLE.to_owned(), entry);
        }
        if let Some(a) = &self.apple {
            let mut entry = json!({
                "kind": APPLE,
                "name": "Apple Wallet",
                "script_url": a.script_url,
                "environment": a.environment.as_str(),
            });
            insert_some(&mut entry, "partner_id", &a.partner_id);
            wallets.insert(APPLE.to_owned(), entry);
        }
        if let Some(t) = &self.token_connect {
            let mut entry = json!({ "kind": TOKEN_CONNECT, "name": "Click to Pay" });
            insert_some(&mut entry, "token_requestor", &t.token_requestor);
            wallets.insert(TOKEN_CONNECT.to_owned(), entry);
            for r in &t.more {
                let mut entry = json!({
                    "kind": TOKEN_CONNECT,
                    "name": r.name,
                    "token_requestor": r.token_requestor,
                });
                insert_some(&mut entry, "icon", &r.icon);
                wallets.insert(r.wallet.clone(), entry);
            }
        }
        wallets
    }
}

fn insert_some(entry: &mut Value, key: &str, value: &Option<String>) {
    if let (Some(object), Some(value)) = (entry.as_object_mut(), value) {
        object.insert(key.to_owned(), Value::String(value.clone()));
    }
}

/// The check of the wallets' URLs: an absolute `http(s)` URL of printable ASCII with a valid
/// origin, since its origin goes into a CSP header and the URL into JSON and navigations.
pub fn parse_url(value: &str) -> Result<String, String> {
    let printable = value.len() <= 2048 && value.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if printable && urls::origin_of(value).is_some() && !value.contains(['"', '\'', ';', ',']) {
        Ok(value.to_owned())
    } else {
        Err("an absolute http(s) URL of printable ASCII, without quotes, ';' or ','".to_owned())
    }
}

/// The check of the wallets' ids (integrator id, partner id, domain, token requestor id):
/// letters, digits and `.-_:`, at most 128.
pub fn parse_id(value: &str) -> Result<String, String> {
    let valid = !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'));
    if valid {
        Ok(value.to_owned())
    } else {
        Err("1 to 128 letters, digits, '.', '-', '_' or ':'".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Adapters {
        Adapters {
            google: Some(Google {
                script_url: "http://127.0.0.1:9000/google/integration.min.js".into(),
                integrator_id: Some("bank_123".into()),
                test_environment: true,
            }),
            apple: Some(Apple {
                script_url: "http://127.0.0.1:9000/apple/initAddToAppleWallet.js".into(),
                partner_id: None,
                environment: AppleEnvironment::Production,
            }),
            token_connect: Some(TokenConnect {
                requestor_url: "http://127.0.0.1:9001/requestor".into(),
                token_requestor: Some("50123197928".into()),
                more: vec![Requestor {
                    wallet: "merchant-pay".into(),
                    name: "Merchant Pay".into(),
                    token_requestor: "50123197929".into(),
                    requestor_url: "http://127.0.0.1:9001/requestor".into(),
                    icon: None,
                }],
            }),
        }
    }

    #[test]
    fn apple_environments() {
        assert_eq!(AppleEnvironment::default(), AppleEnvironment::Certification);
        for e in [
            AppleEnvironment::Certification,
            AppleEnvironment::Production,
        ] {
            assert_eq!(AppleEnvironment::parse(e.as_str()), Ok(e));
        }
        assert!(AppleEnvironment::parse("https://apple-pay.apple.com").is_err());
    }

    #[test]
    fn off_by_default() {
        let adapters = Adapters::default();
        assert!(adapters.ids().is_empty());
        assert!(adapters.script_origins().is_empty());
        assert!(adapters.config_entries().is_empty());
    }

    #[test]
    fn config_entries_and_origins() {
        let adapters = all();
        assert_eq!(
            adapters.ids(),
            [GOOGLE, APPLE, TOKEN_CONNECT, "merchant-pay"]
        );
        assert_eq!(
            adapters.token_connect_requestor("merchant-pay"),
            Some((Some("50123197929"), "http://127.0.0.1:9001/requestor"))
        );
        assert_eq!(adapters.token_connect_requestor("paypal"), None);
        assert_eq!(adapters.script_origins(), ["http://127.0.0.1:9000"]);
        let entries = adapters.config_entries();
        assert_eq!(entries[GOOGLE]["integrator_id"], "bank_123");
        assert_eq!(entries[GOOGLE]["is_test_environment"], true);
        assert_eq!(entries[APPLE]["kind"], "apple");
        assert_eq!(entries[APPLE]["environment"], "production");
        assert!(
            entries[APPLE].get("partner_id").is_none(),
            "absent ids are left out"
        );
        assert_eq!(entries[TOKEN_CONNECT]["token_requestor"], "50123197928");
        assert_eq!(entries["merchant-pay"]["kind"], TOKEN_CONNECT);
        assert_eq!(entries["merchant-pay"]["name"], "Merchant Pay");
        assert!(entries[TOKEN_CONNECT].get("requestor_url").is_none());
    }

    #[test]
    fn checks_refuse_what_could_break_a_header() {
        for bad in [
            "javascript:alert(1)",
            "/relative.js",
            "http://a b/x.js",
            "http://a/x.js;script-src *",
            "http://a/'unsafe-inline'",
            "http://a/\r\nx",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
        assert!(parse_url("https://pay.google.com/gp/p/js/integration.min.js").is_ok());
        assert!(parse_id("merchant.com.bank").is_ok());
        for bad in ["", "a b", "a;b", "a\"b", &"x".repeat(129)] {
            assert!(parse_id(bad).is_err(), "{bad:?}");
        }
    }
}

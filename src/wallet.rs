//! The wallet's discovery document `/.well-known/walletpush.json` (docs/design.md §3), and the
//! pins that the widget origin's configuration holds for it (§3a).

use crate::error::{Error, ErrorCode};
use crate::json;
use crate::jwk::{KeySet, KeyUse, PublicJwk, UsePolicy};
use alloc::{borrow::ToOwned, string::String};

/// The protocol this crate speaks.
pub const PROTOCOL: &str = "walletpush/1";

/// What the widget origin's configuration fixes about a `walletpush/1` wallet (docs/design.md
/// §3a): its origin, and the RFC 7638 thumbprints of its signing keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pins {
    /// The wallet's origin: its windows, messages and form posts are on it, and nowhere else.
    pub origin: String,
    /// RFC 7638 thumbprints (SHA-256, base64url: 43 characters each) of the keys that may sign
    /// for the wallet, separated by spaces.
    signing_keys: String,
}

impl Pins {
    /// Pins for `origin` (an exact `http(s)` origin, as the configuration's `origin`) and
    /// `signing_keys`, the configuration's thumbprints separated by single spaces: at least one.
    /// `CONFIG_INVALID` otherwise.
    pub fn new(origin: &str, signing_keys: &str) -> Result<Pins, Error> {
        if origin_of(origin).as_deref() != Some(origin) {
            return Err(config_invalid(
                "a walletpush/1 wallet's origin must be an http(s) origin",
            ));
        }
        // `t t t`: thumbprints of 43 base64url characters, one space between two.
        let well_formed = signing_keys.len() % 44 == 43
            && signing_keys.bytes().enumerate().all(|(i, b)| match i % 44 {
                43 => b == b' ',
                _ => b.is_ascii_alphanumeric() || b == b'-' || b == b'_',
            });
        if !well_formed {
            return Err(config_invalid(
                "a walletpush/1 wallet needs signing_keys: RFC 7638 thumbprints",
            ));
        }
        Ok(Pins {
            origin: origin.to_owned(),
            signing_keys: signing_keys.to_owned(),
        })
    }

    /// The pinned thumbprints.
    pub fn signing_keys(&self) -> impl Iterator<Item = &str> {
        self.signing_keys.split(' ')
    }

    /// Whether `key`'s thumbprint is pinned.
    pub fn is_pinned(&self, key: &PublicJwk) -> bool {
        let thumbprint = key.thumbprint();
        // Each pin is 43 bytes followed by a space (the last by nothing), as `new` checked.
        self.signing_keys
            .as_bytes()
            .chunks(44)
            .any(|pin| pin.get(..43) == Some(thumbprint.as_bytes()))
    }
}

/// A parsed, checked wallet document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletDocument {
    /// Display name.
    pub name: String,
    /// Where the wallet window opens (popup mode).
    pub entry_url: String,
    /// Where the redirect-mode form posts.
    pub provision_url: String,
    /// The wallet's origin, taken from `entry_url`: the only origin its messages may come from.
    pub origin: String,
    /// Signing and encryption keys.
    pub keys: KeySet,
}

impl WalletDocument {
    /// Parses and checks a document: protocol, `http(s)` URLs on one origin, and keys that each
    /// carry `use`. Errors: `WALLET_UNAVAILABLE` for the document, `WALLET_KEY_INVALID` for keys.
    /// Checks no pins: the widget takes a document only through [`WalletDocument::pinned`].
    pub fn from_json(text: &str) -> Result<WalletDocument, Error> {
        WalletDocument::read(text, None)
    }

    /// Parses a document and checks it against the wallet's pins (docs/design.md §3a):
    /// `entry_url` and `provision_url` on the pinned origin, every signing key pinned, and at
    /// least one. `WALLET_KEY_INVALID` when a pin does not hold.
    pub fn pinned(text: &str, pins: &Pins) -> Result<PinnedWallet, Error> {
        let document = WalletDocument::read(text, Some(&pins.origin))?;
        let mut signing = document
            .keys
            .keys()
            .iter()
            .filter(|k| k.key_use() == Some(KeyUse::Sig));
        if signing.clone().next().is_none() {
            return Err(key_invalid("the document holds no pinned signing key"));
        }
        if !signing.all(|k| pins.is_pinned(k)) {
            return Err(key_invalid(
                "the document holds a signing key that is not pinned",
            ));
        }
        Ok(PinnedWallet { document })
    }

    fn read(text: &str, pinned_origin: Option<&str>) -> Result<WalletDocument, Error> {
        let document = json::parse_object(text.as_bytes()).map_err(|_| unavailable())?;
        let members =
            ["protocol", "name", "entry_url", "provision_url"].map(|m| document.string(m));
        let ([Ok(protocol), Ok(name), Ok(entry_url), Ok(provision_url)], Some(jwks)) =
            (members, document.get("jwks"))
        else {
            return Err(unavailable());
        };
        if protocol != PROTOCOL {
            return Err(unavailable());
        }
        if let Some(pinned) = pinned_origin {
            if [entry_url, provision_url]
                .iter()
                .any(|url| origin_of(url).as_deref() != Some(pinned))
            {
                return Err(key_invalid(
                    "the document's URLs are not on the pinned origin",
                ));
            }
        }
        let origin = origin_of(entry_url).ok_or_else(unavailable)?;
        if origin_of(provision_url).as_deref() != Some(origin.as_str()) {
            return Err(unavailable());
        }
        let keys = KeySet::from_value(jwks).map_err(|e| key_invalid(e.describe()))?;
        if keys.keys().iter().any(|k| k.key_use().is_none()) {
            return Err(key_invalid("every wallet key must say its use"));
        }
        Ok(WalletDocument {
            name: name.to_owned(),
            entry_url: entry_url.to_owned(),
            provision_url: provision_url.to_owned(),
            origin,
            keys,
        })
    }

    /// The wallet's static encryption key for redirect mode at `now`: the one named `kid`, or
    /// the unexpired `enc` key that lives longest. Expired keys are refused.
    pub fn encryption_key(&self, kid: Option<&str>, now: i64) -> Result<&PublicJwk, Error> {
        self.keys
            .keys()
            .iter()
            .filter(|k| kid.is_none() || k.kid() == kid)
            .filter(|k| k.check_for(KeyUse::Enc, UsePolicy::Required, now).is_ok())
            .max_by_key(|k| k.exp().unwrap_or(i64::MAX))
            .ok_or_else(|| key_invalid("the wallet publishes no valid encryption key"))
    }
}

/// A wallet document that holds to its pins: the only kind the widget's flow takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinnedWallet {
    document: WalletDocument,
}

impl PinnedWallet {
    /// The checked document.
    pub fn document(&self) -> &WalletDocument {
        &self.document
    }

    /// The wallet's (pinned) origin.
    pub fn origin(&self) -> &str {
        &self.document.origin
    }

    /// The keys sessions and results are verified with: the document's, whose every signing
    /// key is pinned (a JWS verifies only with a key whose `use` is `sig`, [`KeySet::find`]).
    pub fn signing_keys(&self) -> &KeySet {
        &self.document.keys
    }
}

/// `scheme://host[:port]` of an `http` or `https` URL, lower-cased; `None` otherwise.
pub fn origin_of(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let end = rest
        .bytes()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let authority = rest.get(..end)?;
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    lower
        .get(..lower.len() - rest.len() + end)
        .map(str::to_owned)
}

fn unavailable() -> Error {
    Error::new(
        ErrorCode::WalletUnavailable,
        "the wallet's walletpush.json is missing or not walletpush/1",
    )
}

fn config_invalid(why: &str) -> Error {
    Error::new(ErrorCode::ConfigInvalid, why)
}

fn key_invalid(why: &str) -> Error {
    Error::new(
        ErrorCode::WalletKeyInvalid,
        crate::text::concat(&["wallet key refused: ", why]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Value;
    use crate::jwk::PrivateJwk;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn doc(keys: Vec<Value<'_>>) -> String {
        let keys: Vec<String> = keys.iter().map(Value::to_json).collect();
        format!(
            r#"{{"protocol":"walletpush/1","name":"W","entry_url":"http://127.0.0.1:8082/entry","provision_url":"http://127.0.0.1:8082/provision","jwks":{{"keys":[{}]}}}}"#,
            keys.join(",")
        )
    }

    #[test]
    fn picks_the_unexpired_encryption_key() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let old = PrivateJwk::generate(&mut rng).with_meta("old", KeyUse::Enc);
        let new = PrivateJwk::generate(&mut rng).with_meta("new", KeyUse::Enc);
        let sig = PrivateJwk::generate(&mut rng).with_meta("sig", KeyUse::Sig);
        let text = doc(vec![
            old.public().clone().with_exp(100).to_value(),
            new.public().clone().with_exp(200).to_value(),
            sig.public().to_value(),
        ]);
        let d = WalletDocument::from_json(&text).unwrap();
        assert_eq!(d.origin, "http://127.0.0.1:8082");
        assert_eq!(d.encryption_key(None, 50).unwrap().kid(), Some("new"));
        assert_eq!(
            d.encryption_key(Some("old"), 50).unwrap().kid(),
            Some("old")
        );
        let refused = d.encryption_key(Some("old"), 150).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::WalletKeyInvalid);
        assert!(d.encryption_key(None, 250).is_err());
    }

    #[test]
    fn refuses_bad_documents() {
        assert_eq!(
            WalletDocument::from_json("{}").unwrap_err().code(),
            ErrorCode::WalletUnavailable
        );
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let mut k = PrivateJwk::generate(&mut rng).public().to_value();
        assert_eq!(
            WalletDocument::from_json(&doc(vec![k.clone()]))
                .unwrap_err()
                .code(),
            ErrorCode::WalletKeyInvalid
        );
        let object = k.as_object_mut().unwrap();
        object.insert("use", "enc");
        object.insert("y", object.get("x").unwrap().clone());
        assert_eq!(
            WalletDocument::from_json(&doc(vec![k])).unwrap_err().code(),
            ErrorCode::WalletKeyInvalid
        );
        assert_eq!(
            origin_of("HTTPS://A.example:443/x?y"),
            Some("https://a.example:443".into())
        );
        assert_eq!(origin_of("javascript:alert(1)"), None);
        assert_eq!(origin_of("http://user@evil/"), None);
    }

    fn pinned_doc(entry: &str, provision: &str, keys: &[&PrivateJwk]) -> String {
        let keys: Vec<String> = keys.iter().map(|k| k.public().to_json()).collect();
        format!(
            r#"{{"protocol":"walletpush/1","name":"W","entry_url":"{entry}","provision_url":"{provision}","jwks":{{"keys":[{}]}}}}"#,
            keys.join(",")
        )
    }

    const W: &str = "https://wallet.example";

    #[test]
    fn a_document_holds_to_its_pins() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let sig = PrivateJwk::generate(&mut rng).with_meta("sig", KeyUse::Sig);
        let enc = PrivateJwk::generate(&mut rng).with_meta("enc", KeyUse::Enc);
        let pins = Pins::new(W, &sig.public().thumbprint()).unwrap();
        let entry = "https://wallet.example/entry";
        let provision = "https://wallet.example/provision";
        let pinned =
            WalletDocument::pinned(&pinned_doc(entry, provision, &[&sig, &enc]), &pins).unwrap();
        assert_eq!(pinned.origin(), W);
        let find = |key_use| pinned.signing_keys().find(None, key_use, 0);
        assert_eq!(
            find(KeyUse::Sig),
            Some(sig.public()),
            "the pinned key verifies"
        );
        assert_eq!(pinned.document().keys.keys().len(), 2);
    }

    /// Each attack on the pins is refused with `WALLET_KEY_INVALID`.
    #[test]
    fn refuses_a_document_that_breaks_its_pins() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let sig = PrivateJwk::generate(&mut rng).with_meta("sig", KeyUse::Sig);
        let other = PrivateJwk::generate(&mut rng).with_meta("sig-2", KeyUse::Sig);
        let enc = PrivateJwk::generate(&mut rng).with_meta("enc", KeyUse::Enc);
        let pins = Pins::new(W, &sig.public().thumbprint()).unwrap();
        let (entry, provision) = ("https://wallet.example/e", "https://wallet.example/p");
        for (what, text) in [
            (
                "entry elsewhere",
                pinned_doc("https://evil.example/e", provision, &[&sig]),
            ),
            (
                "provision elsewhere",
                pinned_doc(entry, "https://evil.example/p", &[&sig]),
            ),
            (
                "both elsewhere",
                pinned_doc("https://evil.example/e", "https://evil.example/p", &[&sig]),
            ),
            (
                "another port",
                pinned_doc("https://wallet.example:444/e", provision, &[&sig]),
            ),
            (
                "http",
                pinned_doc(
                    "http://wallet.example/e",
                    "http://wallet.example/p",
                    &[&sig],
                ),
            ),
            (
                "an unpinned signing key",
                pinned_doc(entry, provision, &[&sig, &other]),
            ),
            (
                "only an unpinned signing key",
                pinned_doc(entry, provision, &[&other, &enc]),
            ),
            ("no signing key", pinned_doc(entry, provision, &[&enc])),
        ] {
            let err = WalletDocument::pinned(&text, &pins).unwrap_err();
            assert_eq!(err.code(), ErrorCode::WalletKeyInvalid, "{what}");
        }
        assert!(
            WalletDocument::pinned(&pinned_doc(entry, provision, &[&sig, &enc]), &pins).is_ok()
        );
    }

    #[test]
    fn pins_need_an_exact_origin_and_thumbprints() {
        let (a, b) = ("A".repeat(43), "B".repeat(43));
        let pins = Pins::new(W, &format!("{a} {b}")).unwrap();
        assert_eq!(pins.origin, W);
        assert_eq!(
            pins.signing_keys().collect::<Vec<_>>(),
            [a.as_str(), b.as_str()]
        );
        for (origin, keys) in [
            (W, ""),
            (W, "  "),
            (W, "short"),
            (W, &*format!("{a} short")),
            (W, &*format!(" {a}")),
            (W, &*format!("{a} ")),
            (W, &*format!("{a}  {b}")),
            (W, &*format!("{a},{b}")),
            (W, &*"A".repeat(86)),
            (W, &*"=".repeat(43)),
            ("https://wallet.example/", &*a),
            ("HTTPS://wallet.example", &*a),
            ("https://wallet.example/entry", &*a),
            ("wallet.example", &*a),
            ("", &*a),
        ] {
            assert_eq!(
                Pins::new(origin, keys).unwrap_err().code(),
                ErrorCode::ConfigInvalid,
                "{origin} {keys}"
            );
        }
    }

    #[test]
    fn origins_of_urls() {
        for (url, origin) in [
            ("https://wallet.example", Some("https://wallet.example")),
            (
                "http://127.0.0.1:8082/enroll",
                Some("http://127.0.0.1:8082"),
            ),
            ("https://w.example?x=1", Some("https://w.example")),
            ("https://w.example#f", Some("https://w.example")),
            ("Http://W.Example/É", Some("http://w.example")),
            ("https://", None),
            ("https:///path", None),
            ("ftp://w.example/", None),
            ("https:w.example", None),
            ("//w.example/", None),
            ("https://a@b.example", None),
            ("", None),
        ] {
            assert_eq!(origin_of(url).as_deref(), origin, "{url}");
        }
    }
}

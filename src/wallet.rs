//! The wallet's discovery document `/.well-known/walletpush.json` (docs/design.md §3).

use crate::error::{Error, ErrorCode};
use crate::json;
use crate::jwk::{KeySet, KeyUse, PublicJwk, UsePolicy};
use alloc::{borrow::ToOwned, string::String};

/// The protocol this crate speaks.
pub const PROTOCOL: &str = "walletpush/1";

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
    pub fn from_json(text: &str) -> Result<WalletDocument, Error> {
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

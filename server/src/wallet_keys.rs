//! The signing keys of each `walletpush/1` wallet, as the issuer API trusts them
//! (docs/design.md §3a): only keys whose RFC 7638 thumbprints the deployment pins. They come
//! from the wallet's pinned document when the configuration carries one, else from its
//! discovery document `<origin>/.well-known/walletpush.json`, fetched on first use, kept, and
//! fetched again when a session names a `kid` the kept keys lack (at most once per
//! [`REFETCH_AFTER`], so sessions with made-up `kid`s cannot make the server fetch in a loop).
//!
//! The issuer API verifies a wallet's session token with these keys before it releases card
//! data (docs/design.md §3 step 4): a session signed by any other key, even one the wallet's
//! current document lists, is `WALLET_SESSION_INVALID`.
//!
//! Discovery is fetched over plain `http` only (as the card source is): an `https` wallet needs
//! its document pinned in the configuration. A `*.localhost` wallet (the sandbox's) is fetched on
//! 127.0.0.1 with its name in `Host`.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use walletpush::jwk::{KeySet, KeyUse};
use walletpush::session::{self, WalletSession};
use walletpush::wallet::WalletDocument;
use walletpush::{jws, Error, ErrorCode};

use crate::deployment::WalletpushWallet;

/// The shortest time between two fetches of one wallet's document.
pub const REFETCH_AFTER: Duration = Duration::from_secs(30);
/// The longest wait for a discovery document.
const FETCH_TIMEOUT: Duration = Duration::from_secs(3);
/// The largest discovery document read.
const MAX_DOCUMENT: usize = 64 * 1024;

/// The pinned signing keys of a wallet document's text: the document must be `walletpush/1`,
/// with its URLs on `origin`, and hold at least one `use: "sig"` key whose thumbprint is in
/// `pins`; only those keys are kept.
pub fn pinned_keys(document: &str, origin: &str, pins: &[String]) -> Result<KeySet, String> {
    let document = WalletDocument::from_json(document)
        .map_err(|e| format!("not a walletpush/1 document ({})", e.message()))?;
    if document.origin != origin {
        return Err(
            "the document's entry_url and provision_url must be on the wallet's origin".to_owned(),
        );
    }
    let keys: Vec<_> = document
        .keys
        .keys()
        .iter()
        .filter(|k| k.key_use() == Some(KeyUse::Sig) && pins.contains(&k.thumbprint()))
        .cloned()
        .collect();
    if keys.is_empty() {
        return Err(
            "the document holds no signing key whose thumbprint is in signing_keys".to_owned(),
        );
    }
    Ok(KeySet::new(keys))
}

/// Where to fetch the discovery document of the wallet at `origin`: its URL, and the `Host`
/// header to send when the URL names another host. A `localhost` name (`wallet.localhost`) is
/// reached on 127.0.0.1, as browsers do (RFC 6761 §6.3), whatever the system's resolver says.
fn discovery_target(origin: &str) -> (String, Option<String>) {
    let path = "/.well-known/walletpush.json";
    let authority = origin.strip_prefix("http://").unwrap_or_default();
    let host = authority
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let local = host == "localhost" || host.ends_with(".localhost");
    if !local || authority.is_empty() {
        return (format!("{origin}{path}"), None);
    }
    let port = authority.split_once(':').map_or("80", |(_, port)| port);
    (
        format!("http://127.0.0.1:{port}{path}"),
        Some(authority.to_owned()),
    )
}

/// The keys of one wallet.
#[derive(Debug)]
struct Entry {
    origin: String,
    pins: Vec<String>,
    /// `true` when the keys come from a pinned document: never fetched.
    pinned: bool,
    keys: RwLock<Option<Fetched>>,
}

#[derive(Clone, Debug)]
struct Fetched {
    keys: KeySet,
    at: Instant,
}

/// The pinned signing keys of every `walletpush/1` wallet of a deployment.
#[derive(Debug)]
pub struct WalletKeys {
    wallets: HashMap<String, Entry>,
    client: Client<HttpConnector, Full<Bytes>>,
    refetch_after: Duration,
}

impl WalletKeys {
    /// The keys of `wallets`: those of pinned documents now, the others on first use. A pinned
    /// document that does not hold a pinned key (which the configuration's check rules out)
    /// leaves the wallet with no key: every session is refused.
    pub fn new(wallets: &[WalletpushWallet]) -> WalletKeys {
        let start = Instant::now();
        let wallets = wallets
            .iter()
            .map(|w| {
                let keys = w.document.as_ref().map(|document| Fetched {
                    keys: pinned_keys(&document.to_string(), &w.origin, &w.signing_keys)
                        .unwrap_or_default(),
                    at: start,
                });
                let entry = Entry {
                    origin: w.origin.clone(),
                    pins: w.signing_keys.clone(),
                    pinned: w.document.is_some(),
                    keys: RwLock::new(keys),
                };
                (w.id.clone(), entry)
            })
            .collect();
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(FETCH_TIMEOUT));
        WalletKeys {
            wallets,
            client: Client::builder(TokioExecutor::new()).build(connector),
            refetch_after: REFETCH_AFTER,
        }
    }

    /// Sets the shortest time between two fetches of one document ([`REFETCH_AFTER`] by
    /// default).
    pub fn set_refetch_after(&mut self, after: Duration) {
        self.refetch_after = after;
    }

    /// Verifies the session token `token` of wallet `wallet` for `audience` at `now` (seconds)
    /// with the wallet's pinned keys: `typ`, signature, `aud`, `exp`, and the session key.
    ///
    /// Errors: `WALLET_SESSION_INVALID` (and `WALLET_KEY_INVALID` for a bad session key) from
    /// [`session::verify`]; `WALLET_UNAVAILABLE` when the discovery document cannot be had.
    pub async fn verify_session(
        &self,
        wallet: &str,
        token: &str,
        audience: &str,
        now: i64,
    ) -> Result<WalletSession, Error> {
        let entry = self.wallets.get(wallet).ok_or_else(|| {
            Error::new(
                ErrorCode::WalletSessionInvalid,
                "this wallet has no pinned keys",
            )
        })?;
        let kid = jws::peek(token).ok().and_then(|(header, _)| {
            header
                .get("kid")
                .and_then(|k| k.as_str())
                .map(str::to_owned)
        });
        let kept = entry.keys.read().ok().and_then(|k| k.clone());
        let keys = match kept {
            Some(kept) if entry.pinned => kept.keys,
            Some(kept) => {
                let known = kid.as_deref().map_or(true, |kid| {
                    kept.keys.keys().iter().any(|k| k.kid() == Some(kid))
                });
                if known || kept.at.elapsed() < self.refetch_after {
                    kept.keys
                } else {
                    // Counted from this attempt, whatever it gives: a wallet that is down is
                    // not asked again for every request.
                    if let Ok(mut slot) = entry.keys.write() {
                        *slot = Some(Fetched {
                            keys: kept.keys.clone(),
                            at: Instant::now(),
                        });
                    }
                    self.fetch(entry).await.unwrap_or(kept.keys)
                }
            }
            None => self.fetch(entry).await?,
        };
        session::verify(&keys, token, audience, now)
    }

    /// Fetches the wallet's discovery document and keeps its pinned keys.
    async fn fetch(&self, entry: &Entry) -> Result<KeySet, Error> {
        let unavailable = || {
            Error::new(
                ErrorCode::WalletUnavailable,
                "the wallet's discovery document could not be fetched: try again",
            )
        };
        let (url, host) = discovery_target(&entry.origin);
        let mut request = Request::builder().method(Method::GET).uri(url.as_str());
        if let Some(host) = host {
            request = request.header(hyper::header::HOST, host);
        }
        let request = request
            .body(Full::new(Bytes::new()))
            .map_err(|_| unavailable())?;
        let exchange = async {
            let response = self.client.request(request).await.ok()?;
            if response.status() != StatusCode::OK {
                return None;
            }
            let bytes = Limited::new(response.into_body(), MAX_DOCUMENT)
                .collect()
                .await
                .ok()?
                .to_bytes();
            String::from_utf8(bytes.to_vec()).ok()
        };
        let text = tokio::time::timeout(FETCH_TIMEOUT, exchange)
            .await
            .ok()
            .flatten()
            .ok_or_else(unavailable)?;
        let keys = pinned_keys(&text, &entry.origin, &entry.pins).map_err(|_| {
            Error::new(
                ErrorCode::WalletKeyInvalid,
                "the wallet's document holds none of its pinned signing keys",
            )
        })?;
        if let Ok(mut kept) = entry.keys.write() {
            *kept = Some(Fetched {
                keys: keys.clone(),
                at: Instant::now(),
            });
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_names_are_fetched_on_loopback_with_their_host() {
        assert_eq!(
            discovery_target("http://wallet.localhost:8082"),
            (
                "http://127.0.0.1:8082/.well-known/walletpush.json".to_owned(),
                Some("wallet.localhost:8082".to_owned())
            )
        );
        assert_eq!(
            discovery_target("http://localhost"),
            (
                "http://127.0.0.1:80/.well-known/walletpush.json".to_owned(),
                Some("localhost".to_owned())
            )
        );
        for origin in [
            "http://wallet.example:8082",
            "http://127.0.0.1:8082",
            "http://localhost.example",
            "https://wallet.localhost",
        ] {
            assert_eq!(
                discovery_target(origin),
                (format!("{origin}/.well-known/walletpush.json"), None),
                "{origin}"
            );
        }
    }
}

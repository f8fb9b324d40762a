//! The activation-signing keys behind one interface, [`Signer`] (docs/design.md §9), which a
//! KMS or an HSM can implement: the server asks it to sign, and to list the public keys it
//! publishes (`GET /walletpush/v1/jwks`). [`KeyRing`] is the implementation on keys in memory,
//! loaded from files ([`KeyRing::from_files`]) or given by the embedding program.

use core::fmt;
use std::path::Path;

use walletpush::jwk::{KeySet, KeyUse, PrivateJwk, PublicJwk};
use walletpush::{b64, jws, Error, ErrorCode};
use zeroize::Zeroizing;

/// Signs the server's ES256 tokens (activations, the adapter wallets' credentials).
pub trait Signer: Send + Sync + fmt::Debug {
    /// The `kid` of the key that signs now.
    fn kid(&self) -> &str;

    /// A compact ES256 JWS over `payload`, with `typ` and the current key's `kid` in its header.
    fn sign(&self, typ: &str, payload: &[u8]) -> Result<String, Error>;

    /// [`Signer::sign`] with a `cty` in the header too (Apple's provisioning JWS).
    fn sign_with_cty(&self, typ: &str, cty: &str, payload: &[u8]) -> Result<String, Error>;

    /// The public keys to publish: the current one and those still accepted (rotation
    /// overlap), so that a token signed by a previous key still verifies.
    fn public_keys(&self) -> &KeySet;
}

/// Signing keys in memory: one current, the others published until they are removed.
pub struct KeyRing {
    current: PrivateJwk,
    kid: String,
    public: KeySet,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    /// `current` signs; `others` (previous keys' public halves) are published beside it.
    /// Every key needs a `kid`, and the `kid`s must differ.
    pub fn new(current: PrivateJwk, others: Vec<PublicJwk>) -> Result<KeyRing, Error> {
        let invalid = |message: &str| Error::new(ErrorCode::ConfigInvalid, message);
        let kid = current
            .public()
            .kid()
            .ok_or_else(|| invalid("the signing key has no kid"))?
            .to_owned();
        let mut keys = vec![current.public().clone()];
        for key in others {
            let Some(other) = key.kid() else {
                return Err(invalid("a published key has no kid"));
            };
            if keys.iter().any(|k| k.kid() == Some(other)) {
                return Err(invalid("two signing keys have the same kid"));
            }
            keys.push(key);
        }
        Ok(KeyRing {
            current,
            kid,
            public: KeySet::new(keys),
        })
    }

    /// The current key.
    pub fn current(&self) -> &PrivateJwk {
        &self.current
    }
}

impl Signer for KeyRing {
    fn kid(&self) -> &str {
        &self.kid
    }

    fn sign(&self, typ: &str, payload: &[u8]) -> Result<String, Error> {
        Ok(jws::sign(&self.current, Some(typ), payload))
    }

    fn sign_with_cty(&self, typ: &str, cty: &str, payload: &[u8]) -> Result<String, Error> {
        Ok(jws::sign_with(&self.current, Some(typ), Some(cty), payload))
    }

    fn public_keys(&self) -> &KeySet {
        &self.public
    }
}

/// A signing key with `kid` and `use: sig` set.
pub fn signing_key(key: PrivateJwk, kid: &str) -> PrivateJwk {
    key.with_meta(kid, KeyUse::Sig)
}

/// Reads a P-256 private key from a file: PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, as
/// `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256` writes it) or a private JWK.
/// Its `kid` is the JWK's, or else its RFC 7638 thumbprint. The error says what is wrong, never
/// anything of the key.
pub fn load_key(path: &Path) -> Result<PrivateJwk, String> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {} ({e})", path.display()))?,
    );
    let trimmed = text.trim();
    let key = if trimmed.starts_with("-----BEGIN PRIVATE KEY-----") {
        from_pkcs8_pem(trimmed)?
    } else if trimmed.starts_with('{') {
        PrivateJwk::from_json(trimmed).map_err(|e| {
            format!(
                "{} is not a P-256 private JWK: {}",
                path.display(),
                e.describe()
            )
        })?
    } else {
        return Err(format!(
            "{} is neither a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----) nor a JWK",
            path.display()
        ));
    };
    let kid = match key.public().kid() {
        Some(kid) => kid.to_owned(),
        None => key.public().thumbprint(),
    };
    Ok(signing_key(key, &kid))
}

/// Reads a JWK Set of public signing keys (the keys that sign handles).
pub fn load_key_set(path: &Path) -> Result<KeySet, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {} ({e})", path.display()))?;
    let set = KeySet::from_json(&text).map_err(|e| {
        format!(
            "{} is not a JWK Set of P-256 keys: {}",
            path.display(),
            e.describe()
        )
    })?;
    if set.keys().is_empty() || set.keys().iter().any(|k| k.kid().is_none()) {
        return Err(format!(
            "{} must hold at least one key, each with a kid",
            path.display()
        ));
    }
    Ok(set)
}

/// A PKCS#8 PEM P-256 key as a private JWK: p256 decodes it, the core checks it.
fn from_pkcs8_pem(pem: &str) -> Result<PrivateJwk, String> {
    use p256::pkcs8::DecodePrivateKey;
    let secret = p256::SecretKey::from_pkcs8_pem(pem)
        .map_err(|_| "the PEM is not a PKCS#8 P-256 private key".to_owned())?;
    let public = PublicJwk::from_key(secret.public_key());
    let point = public.point();
    let d = Zeroizing::new(secret.to_bytes().to_vec());
    let jwk = Zeroizing::new(format!(
        r#"{{"kty":"EC","crv":"P-256","x":"{}","y":"{}","d":"{}"}}"#,
        b64::encode(&point[..32]),
        b64::encode(&point[32..]),
        b64::encode(&d)
    ));
    PrivateJwk::from_json(&jwk).map_err(|e| format!("the PEM's key is refused: {}", e.describe()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kid: &str) -> PrivateJwk {
        signing_key(
            PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng)),
            kid,
        )
    }

    #[test]
    fn signs_with_the_current_key_and_publishes_all() {
        let old = key("k1");
        let ring = KeyRing::new(key("k2"), vec![old.public().clone()]).unwrap();
        assert_eq!(ring.kid(), "k2");
        let token = ring.sign("test+jwt", b"{}").unwrap();
        let verified = jws::verify(ring.public_keys(), &token, 0).unwrap();
        assert_eq!(
            verified.header.get("kid").and_then(|k| k.as_str()),
            Some("k2")
        );
        assert_eq!(ring.public_keys().keys().len(), 2);
        // A token of the previous key still verifies against what is published.
        let previous = jws::sign(&old, Some("test+jwt"), b"{}");
        assert!(jws::verify(ring.public_keys(), &previous, 0).is_ok());
    }

    #[test]
    fn loads_pem_and_jwk_files() {
        use p256::pkcs8::{EncodePrivateKey, LineEnding};
        let dir = tempfile::tempdir().unwrap();
        let secret = key("any").secret().clone();
        let pem = secret.to_pkcs8_pem(LineEnding::LF).unwrap();
        std::fs::write(dir.path().join("a.pem"), pem.as_bytes()).unwrap();
        let from_pem = load_key(&dir.path().join("a.pem")).unwrap();
        assert_eq!(*from_pem.public().key(), secret.public_key());
        assert_eq!(
            from_pem.public().kid(),
            Some(from_pem.public().thumbprint().as_str())
        );
        assert_eq!(from_pem.public().key_use(), Some(KeyUse::Sig));

        let jwk = key("jwk-1");
        std::fs::write(dir.path().join("b.jwk"), jwk.to_json().as_bytes()).unwrap();
        let from_jwk = load_key(&dir.path().join("b.jwk")).unwrap();
        assert_eq!(from_jwk.public(), jwk.public());

        std::fs::write(dir.path().join("c.txt"), "hello").unwrap();
        assert!(load_key(&dir.path().join("c.txt"))
            .unwrap_err()
            .contains("neither"));
        std::fs::write(
            dir.path().join("d.pem"),
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        assert!(load_key(&dir.path().join("d.pem"))
            .unwrap_err()
            .contains("PKCS#8"));
        assert!(load_key(&dir.path().join("missing.pem"))
            .unwrap_err()
            .contains("cannot read"));

        let set = KeySet::new(vec![jwk.public().clone()]);
        std::fs::write(dir.path().join("set.json"), set.to_json()).unwrap();
        assert_eq!(load_key_set(&dir.path().join("set.json")).unwrap(), set);
    }

    #[test]
    fn refuses_missing_and_duplicate_kids() {
        let bare = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng));
        assert!(KeyRing::new(bare, vec![]).is_err());
        let twin = key("k1");
        assert!(KeyRing::new(key("k1"), vec![twin.public().clone()]).is_err());
    }
}

//! The activation-signing keys behind one interface, [`Signer`] (docs/design.md §9), which a
//! KMS or an HSM can implement: the server asks it to sign, and to list the public keys it
//! publishes (`GET /walletpush/v1/jwks`). [`KeyRing`] is the implementation on keys in memory,
//! loaded from files ([`KeyRing::from_files`]) or given by the embedding program.

use core::fmt;

use walletpush::jwk::{KeySet, KeyUse, PrivateJwk, PublicJwk};
use walletpush::{jws, Error, ErrorCode};

/// Signs the server's ES256 tokens (activations, the adapter wallets' credentials).
pub trait Signer: Send + Sync + fmt::Debug {
    /// The `kid` of the key that signs now.
    fn kid(&self) -> &str;

    /// A compact ES256 JWS over `payload`, with `typ` and the current key's `kid` in its header.
    fn sign(&self, typ: &str, payload: &[u8]) -> Result<String, Error>;

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

    fn public_keys(&self) -> &KeySet {
        &self.public
    }
}

/// A signing key with `kid` and `use: sig` set.
pub fn signing_key(key: PrivateJwk, kid: &str) -> PrivateJwk {
    key.with_meta(kid, KeyUse::Sig)
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
    fn refuses_missing_and_duplicate_kids() {
        let bare = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng));
        assert!(KeyRing::new(bare, vec![]).is_err());
        let twin = key("k1");
        assert!(KeyRing::new(key("k1"), vec![twin.public().clone()]).is_err());
    }
}

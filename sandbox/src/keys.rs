//! The sandbox's keys: the issuer's signing key, the wallet's signing key, and the wallet's
//! static encryption keys of redirect mode, which rotate.
//!
//! All are created on first start and kept in the store. Rotation (DESIGN.md §3: enc keys carry
//! `exp`): an encryption key lives [`ENC_KEY_LIFETIME`]; within [`ROTATE_BEFORE`] of its expiry
//! a new key becomes current, and the previous one stays published (and accepted) until it
//! expires, so a widget holding a cached or pinned copy of the document keeps working.

use getrandom::SysRng;
use rand_core::UnwrapErr;
use walletpush::jwk::{KeySet, KeyUse, PrivateJwk};

use crate::db::keys::{self as store, KeyRole, KeyRow};
use crate::db::{Db, StoreError};
use walletpush_server::ids;

/// One day in seconds.
const DAY: i64 = 86_400;
/// How long a wallet encryption key is valid.
pub const ENC_KEY_LIFETIME: i64 = 30 * DAY;
/// How long before its expiry a wallet encryption key is replaced.
pub const ROTATE_BEFORE: i64 = DAY;

/// The long-lived signing keys, loaded once at start.
#[derive(Debug)]
pub struct Keys {
    /// Signs card handles and activation tokens.
    pub issuer: PrivateJwk,
    /// The issuer key's public half as a key set, built once: every credential exchange
    /// verifies its handle against it.
    issuer_jwks: KeySet,
    /// Signs the wallet's session tokens.
    pub wallet_sig: PrivateJwk,
    /// Has the issuer key's `kid` but is in no key set: the test hooks mint badly signed
    /// handles with it.
    pub rogue_issuer: PrivateJwk,
    /// Has the wallet signing key's `kid` but is in no key set: the `bad-signature` fault.
    pub rogue_wallet: PrivateJwk,
}

impl Keys {
    /// Loads the signing keys, creating them on first start.
    pub fn load_or_create(db: &Db, now: i64) -> Result<Keys, StoreError> {
        let issuer = singleton(db, KeyRole::IssuerSig, "issuer-", now)?;
        let wallet_sig = singleton(db, KeyRole::WalletSig, "sig-", now)?;
        let rogue = |key: &PrivateJwk| {
            let kid = key.public().kid().unwrap_or_default().to_owned();
            PrivateJwk::generate(&mut UnwrapErr(SysRng)).with_meta(kid, KeyUse::Sig)
        };
        Ok(Keys {
            rogue_issuer: rogue(&issuer),
            rogue_wallet: rogue(&wallet_sig),
            issuer_jwks: KeySet::new(vec![issuer.public().clone()]),
            issuer,
            wallet_sig,
        })
    }

    /// The issuer's public key set (`GET /walletpush/v1/jwks`).
    pub fn issuer_jwks(&self) -> &KeySet {
        &self.issuer_jwks
    }
}

/// A wallet encryption key with its expiry.
#[derive(Clone, Debug)]
pub struct EncKey {
    /// The private key (`kid`, `use: enc`, `alg: ECDH-ES`).
    pub key: PrivateJwk,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
}

/// Rotates the wallet's encryption keys if due and returns the ones valid at `now`, current
/// first.
pub fn enc_keys(db: &Db, now: i64) -> Result<Vec<EncKey>, StoreError> {
    db.write(|tx| {
        let rows = store::with_role(tx, KeyRole::WalletEnc)?;
        let stored: Vec<StoredKey> = rows
            .iter()
            .map(|r| StoredKey {
                kid: r.kid.clone(),
                exp: r.exp.unwrap_or(0),
            })
            .collect();
        let plan = plan_rotation(&stored, now);
        for kid in &plan.delete {
            store::delete(tx, kid)?;
        }
        if plan.create {
            let key = PrivateJwk::generate(&mut UnwrapErr(SysRng))
                .with_meta(ids::random("enc-"), KeyUse::Enc);
            store::insert(
                tx,
                &row(&key, KeyRole::WalletEnc, now, Some(now + ENC_KEY_LIFETIME)),
            )?;
        }
        store::with_role(tx, KeyRole::WalletEnc)?
            .iter()
            .filter(|r| r.exp.is_some_and(|exp| exp > now))
            .map(|r| {
                Ok(EncKey {
                    key: parse(r)?,
                    exp: r.exp.unwrap_or(0),
                })
            })
            .collect()
    })
}

/// The wallet encryption key `kid`, if it exists and has not expired.
pub fn enc_key(db: &Db, kid: &str, now: i64) -> Result<Option<EncKey>, StoreError> {
    let row = db.read(|c| store::by_kid(c, KeyRole::WalletEnc, kid))?;
    match row {
        Some(r) if r.exp.is_some_and(|exp| exp > now) => Ok(Some(EncKey {
            key: parse(&r)?,
            exp: r.exp.unwrap_or(0),
        })),
        _ => Ok(None),
    }
}

/// The wallet's published key set: its signing key, then each encryption key with `exp`.
pub fn wallet_jwks(wallet_sig: &PrivateJwk, enc: &[EncKey]) -> KeySet {
    let mut keys = vec![wallet_sig.public().clone()];
    keys.extend(enc.iter().map(|k| k.key.public().clone().with_exp(k.exp)));
    KeySet::new(keys)
}

/// A stored encryption key as rotation sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredKey {
    /// The key id.
    pub kid: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
}

/// What [`plan_rotation`] decided.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RotationPlan {
    /// Make a new current key.
    pub create: bool,
    /// Expired keys to delete.
    pub delete: Vec<String>,
}

/// Decides the rotation at `now`: expired keys go; a new key is due when no key is valid for
/// more than [`ROTATE_BEFORE`].
pub fn plan_rotation(keys: &[StoredKey], now: i64) -> RotationPlan {
    let delete = keys
        .iter()
        .filter(|k| k.exp <= now)
        .map(|k| k.kid.clone())
        .collect();
    let create = !keys.iter().any(|k| k.exp - now > ROTATE_BEFORE);
    RotationPlan { create, delete }
}

/// Loads the one key of `role`, creating it on first start.
fn singleton(db: &Db, role: KeyRole, prefix: &str, now: i64) -> Result<PrivateJwk, StoreError> {
    db.write(|tx| {
        if let Some(existing) = store::with_role(tx, role)?.first() {
            return parse(existing);
        }
        let key = PrivateJwk::generate(&mut UnwrapErr(SysRng))
            .with_meta(ids::random(prefix), KeyUse::Sig);
        store::insert(tx, &row(&key, role, now, None))?;
        Ok(key)
    })
}

fn row(key: &PrivateJwk, role: KeyRole, now: i64, exp: Option<i64>) -> KeyRow {
    KeyRow {
        kid: key.public().kid().unwrap_or_default().to_owned(),
        role,
        jwk: key.to_json(),
        created: now,
        exp,
    }
}

fn parse(row: &KeyRow) -> Result<PrivateJwk, StoreError> {
    PrivateJwk::from_json(&row.jwk).map_err(|_| StoreError::Corrupt("a stored key"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::test_support::temp_db;
    use walletpush_server::http;

    fn stored(kid: &str, exp: i64) -> StoredKey {
        StoredKey {
            kid: kid.into(),
            exp,
        }
    }

    #[test]
    fn rotation_plan() {
        // No key: make one.
        assert!(plan_rotation(&[], 0).create);
        // A key with more than a day left: nothing to do.
        let fresh = [stored("a", 10 * DAY)];
        assert_eq!(plan_rotation(&fresh, 0), RotationPlan::default());
        // Within a day of expiry: a new current key, the old one kept until it expires.
        assert_eq!(
            plan_rotation(&fresh, 9 * DAY + 1),
            RotationPlan {
                create: true,
                delete: vec![]
            }
        );
        // After rotation: the new one is current, the old one still valid.
        let rotated = [stored("b", 40 * DAY), stored("a", 10 * DAY)];
        assert_eq!(
            plan_rotation(&rotated, 9 * DAY + 1),
            RotationPlan::default()
        );
        // The old one expired: delete it.
        assert_eq!(
            plan_rotation(&rotated, 10 * DAY),
            RotationPlan {
                create: false,
                delete: vec!["a".into()]
            }
        );
    }

    #[test]
    fn enc_keys_rotate_and_publish_current_and_previous() {
        let (_dir, db) = temp_db();
        let start = 1_000_000;
        let first = enc_keys(&db, start).unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].exp, start + ENC_KEY_LIFETIME);
        // Stable until a day before expiry.
        assert_eq!(enc_keys(&db, start + 5 * DAY).unwrap().len(), 1);
        let late = start + ENC_KEY_LIFETIME - DAY + 1;
        let rotated = enc_keys(&db, late).unwrap();
        assert_eq!(rotated.len(), 2);
        assert_eq!(rotated[1].key.public().kid(), first[0].key.public().kid());
        assert!(enc_key(&db, first[0].key.public().kid().unwrap(), late)
            .unwrap()
            .is_some());
        // Past the old key's expiry: refused and no longer published.
        let after = start + ENC_KEY_LIFETIME;
        assert!(enc_key(&db, first[0].key.public().kid().unwrap(), after)
            .unwrap()
            .is_none());
        assert_eq!(enc_keys(&db, after).unwrap().len(), 1);
    }

    #[test]
    fn signing_keys_persist_and_rogues_share_kids() {
        let (_dir, db) = temp_db();
        let keys = Keys::load_or_create(&db, 1).unwrap();
        let again = Keys::load_or_create(&db, 2).unwrap();
        assert_eq!(keys.issuer.public(), again.issuer.public());
        assert_eq!(keys.rogue_issuer.public().kid(), keys.issuer.public().kid());
        assert_ne!(
            keys.rogue_issuer.public().point(),
            keys.issuer.public().point()
        );
        let jwks =
            http::from_core(&wallet_jwks(&keys.wallet_sig, &enc_keys(&db, 1).unwrap()).to_value());
        let published = jwks["keys"].as_array().unwrap();
        assert_eq!(published[0]["use"], "sig");
        assert_eq!(published[1]["use"], "enc");
        assert_eq!(published[1]["exp"], 1 + ENC_KEY_LIFETIME);
        assert!(published.iter().all(|k| k.get("d").is_none()));
    }
}

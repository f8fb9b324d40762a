//! Private keys at rest: the issuer's signing key and the wallet's signing and encryption keys.
//!
//! Keys are stored as private JWK JSON. The sandbox's keys are test keys; a production wallet
//! would keep them in an HSM and this table would hold references.

use rusqlite::{params, Connection, OptionalExtension, Row};
use zeroize::Zeroizing;

use super::StoreError;

/// What a stored key is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyRole {
    /// Signs card handles and activation tokens (ES256).
    IssuerSig,
    /// Signs the wallet's session tokens (ES256).
    WalletSig,
    /// The wallet's static key of redirect mode (ECDH-ES), rotated.
    WalletEnc,
}

impl KeyRole {
    fn as_str(self) -> &'static str {
        match self {
            KeyRole::IssuerSig => "issuer-sig",
            KeyRole::WalletSig => "wallet-sig",
            KeyRole::WalletEnc => "wallet-enc",
        }
    }
}

/// One stored key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRow {
    /// The key id.
    pub kid: String,
    /// What it is for.
    pub role: KeyRole,
    /// The private JWK as JSON text.
    pub jwk: Zeroizing<String>,
    /// Creation time, seconds since the epoch.
    pub created: i64,
    /// Expiry, for keys that rotate.
    pub exp: Option<i64>,
}

/// The keys of `role`, newest first.
pub fn with_role(conn: &Connection, role: KeyRole) -> Result<Vec<KeyRow>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT kid, jwk, created, exp FROM keys WHERE role = ?1 ORDER BY created DESC, kid",
    )?;
    let rows = stmt
        .query_map([role.as_str()], |r| key_from_row(r, role))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The key `kid` of `role`.
pub fn by_kid(conn: &Connection, role: KeyRole, kid: &str) -> Result<Option<KeyRow>, StoreError> {
    let row = conn
        .query_row(
            "SELECT kid, jwk, created, exp FROM keys WHERE role = ?1 AND kid = ?2",
            params![role.as_str(), kid],
            |r| key_from_row(r, role),
        )
        .optional()?;
    Ok(row)
}

/// Stores a key.
pub fn insert(conn: &Connection, key: &KeyRow) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO keys (kid, role, jwk, created, exp) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            key.kid,
            key.role.as_str(),
            key.jwk.as_str(),
            key.created,
            key.exp
        ],
    )?;
    Ok(())
}

/// Deletes a key.
pub fn delete(conn: &Connection, kid: &str) -> Result<(), StoreError> {
    conn.execute("DELETE FROM keys WHERE kid = ?1", [kid])?;
    Ok(())
}

fn key_from_row(r: &Row<'_>, role: KeyRole) -> rusqlite::Result<KeyRow> {
    Ok(KeyRow {
        kid: r.get(0)?,
        role,
        jwk: Zeroizing::new(r.get(1)?),
        created: r.get(2)?,
        exp: r.get(3)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::test_support::temp_db;

    fn row(kid: &str, role: KeyRole, created: i64) -> KeyRow {
        KeyRow {
            kid: kid.into(),
            role,
            jwk: Zeroizing::new("{}".into()),
            created,
            exp: Some(created + 10),
        }
    }

    #[test]
    fn lists_by_role_newest_first_and_deletes() {
        let (_dir, db) = temp_db();
        db.write(|tx| {
            insert(tx, &row("e1", KeyRole::WalletEnc, 1))?;
            insert(tx, &row("e2", KeyRole::WalletEnc, 2))?;
            insert(tx, &row("s1", KeyRole::WalletSig, 1))
        })
        .unwrap();
        let enc = db.read(|c| with_role(c, KeyRole::WalletEnc)).unwrap();
        assert_eq!(
            enc.iter().map(|k| k.kid.as_str()).collect::<Vec<_>>(),
            ["e2", "e1"]
        );
        assert!(db
            .read(|c| by_kid(c, KeyRole::WalletSig, "e1"))
            .unwrap()
            .is_none());
        db.write(|tx| delete(tx, "e1")).unwrap();
        assert_eq!(
            db.read(|c| with_role(c, KeyRole::WalletEnc)).unwrap().len(),
            1
        );
    }
}

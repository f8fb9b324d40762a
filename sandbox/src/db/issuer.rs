//! The issuer's replay store: every card handle `jti` ever redeemed.

use rusqlite::{params, Connection};

use super::StoreError;

/// Marks `jti` as redeemed for `card`; `false` when it already was. Run it in the transaction
/// that decides the answer, so that two concurrent redemptions cannot both see it unused.
pub fn redeem(conn: &Connection, jti: &str, card: &str, now: i64) -> Result<bool, StoreError> {
    // Cached: every credential exchange runs it.
    let inserted = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO redeemed_handles (jti, card, redeemed_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![jti, card, now])?;
    Ok(inserted == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::test_support::temp_db;

    #[test]
    fn a_jti_is_redeemed_once() {
        let (_dir, db) = temp_db();
        assert!(db.write(|tx| redeem(tx, "j1", "c1", 1)).unwrap());
        assert!(!db.write(|tx| redeem(tx, "j1", "c1", 2)).unwrap());
        assert!(db.write(|tx| redeem(tx, "j2", "c1", 2)).unwrap());
    }
}

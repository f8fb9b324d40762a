//! Users and their cards: the issuer's side of the data (the portals' sessions: [`super::portal`]).
//!
//! [`Card`] is what pages may show (never the PAN); [`CardSecrets`] is what only the demo card
//! source gives the issuer API, zeroized on drop.

use rusqlite::{params, Connection, OptionalExtension, Row};
use zeroize::Zeroize;

pub use walletpush_server::cards::{Billing, CardSecrets};

use super::StoreError;

/// A demo user of one portal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// The user id (the handle's `sub`).
    pub id: String,
    /// The portal the user belongs to (`gift` or `expenses`).
    pub portal: String,
    /// The name shown on the page.
    pub name: String,
}

/// A card as pages may show it: no PAN, no expiry, no name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Card {
    /// Opaque card reference (the handle's `card`).
    pub card_ref: String,
    /// The owner.
    pub user_id: String,
    /// Product name, e.g. "Gift card".
    pub product: String,
    /// Network, e.g. "visa".
    pub network: String,
    /// The last four digits.
    pub last4: String,
    /// Name of the card art under `/art/` (without `.svg`).
    pub art: String,
    /// Whether the card may be provisioned.
    pub active: bool,
}

/// Whether the demo data exists already.
pub fn is_seeded(conn: &Connection) -> Result<bool, StoreError> {
    let users: i64 = conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
    Ok(users > 0)
}

/// Adds a user.
pub fn insert_user(conn: &Connection, user: &User) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO users (id, portal, name) VALUES (?1, ?2, ?3)",
        params![user.id, user.portal, user.name],
    )?;
    Ok(())
}

/// Adds a card; `position` orders a user's cards on the page. `card.last4` is derived from the
/// PAN when read, so it cannot disagree with it.
pub fn insert_card(
    conn: &Connection,
    card: &Card,
    secrets: &CardSecrets,
    position: i64,
) -> Result<(), StoreError> {
    let billing = serde_json::to_string(&secrets.billing)
        .map_err(|_| StoreError::Corrupt("a billing address"))?;
    conn.execute(
        "INSERT INTO cards (ref, user_id, product, network, pan, exp_month, exp_year, name,
                            billing, art, active, position)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            card.card_ref,
            card.user_id,
            card.product,
            card.network,
            secrets.pan,
            secrets.exp_month,
            secrets.exp_year,
            secrets.name,
            billing,
            card.art,
            card.active,
            position
        ],
    )?;
    Ok(())
}

/// A user's cards, in page order.
pub fn cards_of(conn: &Connection, user_id: &str) -> Result<Vec<Card>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {CARD_COLUMNS} FROM cards WHERE user_id = ?1 ORDER BY position"
    ))?;
    let cards = stmt
        .query_map([user_id], card_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(cards)
}

/// One card by reference.
pub fn card(conn: &Connection, card_ref: &str) -> Result<Option<Card>, StoreError> {
    // Cached: every credential exchange runs it.
    let card = conn
        .prepare_cached(&format!("SELECT {CARD_COLUMNS} FROM cards WHERE ref = ?1"))?
        .query_row([card_ref], card_from_row)
        .optional()?;
    Ok(card)
}

/// The PAN, expiry, name and billing address of one card.
pub fn secrets(conn: &Connection, card_ref: &str) -> Result<Option<CardSecrets>, StoreError> {
    // Cached: every credential exchange runs it.
    let row = conn
        .prepare_cached("SELECT pan, exp_month, exp_year, name, billing FROM cards WHERE ref = ?1")?
        .query_row([card_ref], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, u8>(1)?,
                r.get::<_, u16>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .optional()?;
    let Some((pan, exp_month, exp_year, name, mut billing)) = row else {
        return Ok(None);
    };
    let parsed = serde_json::from_str(&billing);
    billing.zeroize();
    let parsed = parsed.map_err(|_| StoreError::Corrupt("a billing address"))?;
    Ok(Some(CardSecrets {
        pan,
        exp_month,
        exp_year,
        name,
        billing: parsed,
    }))
}

/// Every card with its secrets, for the demo card source, which keeps them in memory.
pub fn all_cards(conn: &Connection) -> Result<Vec<(Card, CardSecrets)>, StoreError> {
    let mut stmt = conn.prepare(&format!("SELECT {CARD_COLUMNS} FROM cards ORDER BY ref"))?;
    let cards: Vec<Card> = stmt
        .query_map([], card_from_row)?
        .collect::<Result<_, _>>()?;
    cards
        .into_iter()
        .map(|card| {
            let secrets =
                secrets(conn, &card.card_ref)?.ok_or(StoreError::Corrupt("a card's secrets"))?;
            Ok((card, secrets))
        })
        .collect()
}

/// The demo user of a portal.
pub fn portal_user(conn: &Connection, portal: &str) -> Result<Option<User>, StoreError> {
    let user = conn
        .query_row(
            "SELECT id, portal, name FROM users WHERE portal = ?1 ORDER BY id LIMIT 1",
            [portal],
            user_from_row,
        )
        .optional()?;
    Ok(user)
}

const CARD_COLUMNS: &str = "ref, user_id, product, network, substr(pan, -4), art, active";

fn card_from_row(r: &Row<'_>) -> rusqlite::Result<Card> {
    Ok(Card {
        card_ref: r.get(0)?,
        user_id: r.get(1)?,
        product: r.get(2)?,
        network: r.get(3)?,
        last4: r.get(4)?,
        art: r.get(5)?,
        active: r.get(6)?,
    })
}

fn user_from_row(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        portal: r.get(1)?,
        name: r.get(2)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::test_support::temp_db;

    fn sample() -> (User, Card, CardSecrets) {
        let user = User {
            id: "u1".into(),
            portal: "gift".into(),
            name: "Demo".into(),
        };
        let card = Card {
            card_ref: "c1".into(),
            user_id: "u1".into(),
            product: "Gift card".into(),
            network: "visa".into(),
            last4: "1111".into(),
            art: "gift".into(),
            active: true,
        };
        let secrets = CardSecrets {
            pan: "4111111111111111".into(),
            exp_month: 12,
            exp_year: 2030,
            name: "A. Holder".into(),
            billing: Billing {
                line1: "1 Main St".into(),
                city: "Springfield".into(),
                postal_code: "12345".into(),
                country: "US".into(),
            },
        };
        (user, card, secrets)
    }

    #[test]
    fn stores_cards_and_keeps_the_pan_out_of_the_public_view() {
        let (_dir, db) = temp_db();
        let (user, card, stored) = sample();
        db.write(|tx| {
            insert_user(tx, &user)?;
            insert_card(tx, &card, &stored, 0)
        })
        .unwrap();
        assert!(db.read(is_seeded).unwrap());
        assert_eq!(db.read(|c| cards_of(c, "u1")).unwrap(), vec![card.clone()]);
        assert_eq!(db.read(|c| super::card(c, "c1")).unwrap(), Some(card));
        assert_eq!(db.read(|c| secrets(c, "c1")).unwrap(), Some(stored.clone()));
        assert_eq!(
            db.read(all_cards).unwrap(),
            vec![(
                db.read(|c| super::card(c, "c1")).unwrap().unwrap(),
                stored.clone()
            )]
        );
        assert!(!format!("{stored:?}").contains("4111"));
        assert_eq!(db.read(|c| portal_user(c, "gift")).unwrap(), Some(user));
    }
}

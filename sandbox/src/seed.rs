//! The demo data, written on first start: a gift card portal user with two gift cards and an
//! expense-management user with two company cards and one inactive card (which provokes
//! `CARD_INACTIVE`). All numbers are the networks' public test PANs; each last4 is distinct.

use crate::db::cards::{self, Billing, Card, CardSecrets, User};
use crate::db::{Db, StoreError};

/// The gift card portal's demo user.
pub const GIFT_USER: &str = "gift-demo";
/// The expense dashboard's demo user.
pub const EXPENSE_USER: &str = "expense-demo";
/// The card the test hooks mint handles for when a test names none.
pub const DEFAULT_CARD: &str = "gift-1";

/// One seeded card.
struct SeedCard {
    card_ref: &'static str,
    user: &'static str,
    product: &'static str,
    network: &'static str,
    pan: &'static str,
    exp: (u8, u16),
    name: &'static str,
    art: &'static str,
    active: bool,
}

const CARDS: [SeedCard; 5] = [
    SeedCard {
        card_ref: "gift-1",
        user: GIFT_USER,
        product: "Gift card",
        network: "visa",
        pan: "4111111111111111",
        exp: (12, 2030),
        name: "Gianna Holder",
        art: "gift",
        active: true,
    },
    SeedCard {
        card_ref: "gift-2",
        user: GIFT_USER,
        product: "Gold gift card",
        network: "mastercard",
        pan: "5555555555554444",
        exp: (6, 2031),
        name: "Gianna Holder",
        art: "gift-gold",
        active: true,
    },
    SeedCard {
        card_ref: "corp-1",
        user: EXPENSE_USER,
        product: "Company travel card",
        network: "visa",
        pan: "4000056655665556",
        exp: (9, 2029),
        name: "Erin Q. Cardholder",
        art: "company",
        active: true,
    },
    SeedCard {
        card_ref: "corp-2",
        user: EXPENSE_USER,
        product: "Company supplies card",
        network: "mastercard",
        pan: "5200828282828210",
        exp: (3, 2030),
        name: "Erin Q. Cardholder",
        art: "company-teal",
        active: true,
    },
    SeedCard {
        card_ref: "corp-inactive",
        user: EXPENSE_USER,
        product: "Company card (closed)",
        network: "visa",
        pan: "4242424242424242",
        exp: (1, 2030),
        name: "Erin Q. Cardholder",
        art: "company-closed",
        active: false,
    },
];

/// Writes the demo data unless the store has it already; `true` when it wrote it.
pub fn seed_if_empty(db: &Db) -> Result<bool, StoreError> {
    db.write(|tx| {
        if cards::is_seeded(tx)? {
            return Ok(false);
        }
        let users = [
            (GIFT_USER, "gift", "Gift Recipient"),
            (EXPENSE_USER, "expenses", "Erin Expense"),
        ];
        for (id, portal, name) in users {
            cards::insert_user(
                tx,
                &User {
                    id: id.into(),
                    portal: portal.into(),
                    name: name.into(),
                },
            )?;
        }
        for (position, seed) in (0i64..).zip(CARDS.iter()) {
            let (card, secrets) = seed.split();
            cards::insert_card(tx, &card, &secrets, position)?;
        }
        Ok(true)
    })
}

impl SeedCard {
    fn split(&self) -> (Card, CardSecrets) {
        let card = Card {
            card_ref: self.card_ref.into(),
            user_id: self.user.into(),
            product: self.product.into(),
            network: self.network.into(),
            last4: self.pan[self.pan.len() - 4..].into(),
            art: self.art.into(),
            active: self.active,
        };
        let secrets = CardSecrets {
            pan: self.pan.into(),
            exp_month: self.exp.0,
            exp_year: self.exp.1,
            name: self.name.into(),
            billing: Billing {
                line1: "1 Main St".into(),
                city: "Springfield".into(),
                postal_code: "12345".into(),
                country: "US".into(),
            },
        };
        (card, secrets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::test_support::temp_db;
    use crate::wallet::credential::luhn_valid;

    #[test]
    fn seeds_once_with_luhn_valid_distinct_cards() {
        let (_dir, db) = temp_db();
        assert!(seed_if_empty(&db).unwrap());
        assert!(!seed_if_empty(&db).unwrap());
        let gift = db.read(|c| cards::cards_of(c, GIFT_USER)).unwrap();
        let corp = db.read(|c| cards::cards_of(c, EXPENSE_USER)).unwrap();
        assert_eq!((gift.len(), corp.len()), (2, 3));
        assert_eq!(corp.iter().filter(|c| !c.active).count(), 1);
        let mut last4: Vec<&str> = gift.iter().chain(&corp).map(|c| c.last4.as_str()).collect();
        last4.sort_unstable();
        last4.dedup();
        assert_eq!(last4.len(), 5);
        assert!(CARDS.iter().all(|c| luhn_valid(c.pan)));
    }
}

//! The demo card source: the seeded cards ([`crate::seed`]) behind the server's
//! [`CardSource`], read from the store once at start (the demo cards never change while the
//! sandbox runs) and kept in memory.

use std::collections::HashMap;

use walletpush_server::cards::{Card, CardData, CardError, CardRequest, CardSecrets, CardSource};
use walletpush_server::store::BoxFuture;

use crate::db::cards::{self as store, Card as StoredCard};
use crate::db::{Db, StoreError};

/// The demo cards by reference.
#[derive(Debug)]
pub struct DemoCards {
    cards: HashMap<String, (StoredCard, CardSecrets)>,
    widget_origin: String,
}

impl DemoCards {
    /// Reads every card from `db`; their art is served by the widget origin `widget_origin`.
    pub fn load(db: &Db, widget_origin: &str) -> Result<DemoCards, StoreError> {
        let cards = db
            .read(store::all_cards)?
            .into_iter()
            .map(|(card, secrets)| (card.card_ref.clone(), (card, secrets)))
            .collect();
        Ok(DemoCards {
            cards,
            widget_origin: widget_origin.to_owned(),
        })
    }

    /// What pages and handles may show of `card`.
    pub fn data(&self, card: &StoredCard) -> CardData {
        card_data(&self.widget_origin, card)
    }

    fn lookup(&self, request: &CardRequest<'_>) -> Result<Card, CardError> {
        let (card, secrets) = match self.cards.get(request.card) {
            Some((card, secrets)) if card.user_id == request.sub => (card, secrets),
            _ => return Err(CardError::Unknown),
        };
        if !card.active {
            return Err(CardError::Inactive);
        }
        Ok(Card {
            data: self.data(card),
            secrets: secrets.clone(),
        })
    }
}

impl CardSource for DemoCards {
    fn card<'a>(&'a self, request: CardRequest<'a>) -> BoxFuture<'a, Result<Card, CardError>> {
        let card = self.lookup(&request);
        Box::pin(async move { card })
    }
}

/// The display data of a stored card, with its art on the widget origin.
pub fn card_data(widget_origin: &str, card: &StoredCard) -> CardData {
    CardData {
        card_ref: card.card_ref.clone(),
        product: card.product.clone(),
        network: card.network.clone(),
        last4: card.last4.clone(),
        art: Some(art_url(widget_origin, card)),
    }
}

/// The URL of a card's art on the widget origin ([`crate::art`]).
pub fn art_url(widget_origin: &str, card: &StoredCard) -> String {
    format!("{widget_origin}/art/{}.svg", card.art)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::test_support::temp_db;
    use crate::seed;

    fn request<'a>(card: &'a str, sub: &'a str) -> CardRequest<'a> {
        CardRequest {
            card,
            sub,
            wallet: "sandbox",
            cid: None,
        }
    }

    #[tokio::test]
    async fn gives_active_cards_to_their_owner_only() {
        let (_dir, db) = temp_db();
        seed::seed_if_empty(&db).unwrap();
        let cards = DemoCards::load(&db, "http://w").unwrap();
        let card = cards
            .card(request("gift-1", seed::GIFT_USER))
            .await
            .unwrap();
        assert_eq!(card.data.last4, "1111");
        assert_eq!(card.data.art.as_deref(), Some("http://w/art/gift.svg"));
        assert!(card.secrets.pan.ends_with("1111"));
        let other_user = cards.card(request("gift-1", seed::EXPENSE_USER)).await;
        assert_eq!(other_user.unwrap_err(), CardError::Unknown);
        let missing = cards.card(request("nope", seed::GIFT_USER)).await;
        assert_eq!(missing.unwrap_err(), CardError::Unknown);
        let inactive = cards
            .card(request("corp-inactive", seed::EXPENSE_USER))
            .await;
        assert_eq!(inactive.unwrap_err(), CardError::Inactive);
    }
}

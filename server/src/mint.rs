//! Minting card handles (docs/design.md §2), as the issuer's backend does after the user has
//! logged in: the claims of a fresh handle for a card, signed with the issuer's handle key.
//! `walletpush-server mint-handle` runs it from the command line.

use walletpush::handle::{self, CardDisplay, HandleClaims};
use walletpush::jwk::PrivateJwk;
use walletpush::Error;

use crate::cards::CardData;
use crate::deployment::Deployment;
use crate::ids;

/// The lifetime of a handle minted for a page: the longest the format allows.
pub const HANDLE_LIFETIME: i64 = handle::MAX_LIFETIME;

/// The claims of a fresh handle for `card` of user `sub`, redeemable at the deployment's widget
/// origin for [`HANDLE_LIFETIME`] seconds, for every wallet the deployment offers.
pub fn claims(deployment: &Deployment, sub: &str, card: &CardData, now: i64) -> HandleClaims {
    HandleClaims {
        iss: deployment.issuer_id.clone(),
        sub: sub.to_owned(),
        card: card.card_ref.clone(),
        aud: deployment.widget_origin.clone(),
        iat: now,
        nbf: None,
        exp: now + HANDLE_LIFETIME,
        jti: ids::random("h-"),
        wallets: deployment
            .wallet_ids()
            .into_iter()
            .map(str::to_owned)
            .collect(),
        display: CardDisplay {
            last4: card.last4.clone(),
            network: card.network.clone(),
            product: card.product.clone(),
            art: card.art.clone(),
        },
    }
}

/// Signs a handle with the issuer's handle key.
pub fn mint(key: &PrivateJwk, claims: &HandleClaims) -> Result<String, Error> {
    handle::mint(key, claims)
}

//! Where card data comes from (docs/design.md §9): a [`CardSource`], asked once per redeemed
//! handle for the card its `card` reference names. [`http::HttpCardSource`] asks the issuer's
//! backend over HTTP; a program that embeds the server may implement the trait itself (the
//! sandbox's demo cards do).
//!
//! [`CardData`] holds what pages may show; [`CardSecrets`] what only the credential payload
//! carries, zeroized on drop and never printed.

pub mod http;

use core::fmt;

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::store::BoxFuture;

/// Gives the server a card's data.
pub trait CardSource: Send + Sync + fmt::Debug {
    /// The card `request.card` of user `request.sub`. A card that exists but belongs to another
    /// user is [`CardError::Unknown`], as is one that does not exist: a handle names its user.
    fn card<'a>(&'a self, request: CardRequest<'a>) -> BoxFuture<'a, Result<Card, CardError>>;
}

/// What the server asks for: the claims of the redeemed handle that name the card, and what
/// the card is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CardRequest<'a> {
    /// The handle's `card`: the issuer's opaque reference.
    pub card: &'a str,
    /// The handle's `sub`: the user the handle was minted for.
    pub sub: &'a str,
    /// The wallet id the card goes to.
    pub wallet: &'a str,
    /// The attempt's correlation id, when the request carried a well-formed one.
    pub cid: Option<&'a str>,
}

/// A card as the issuer's systems describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Card {
    /// What pages may show.
    pub data: CardData,
    /// What only the credential payload carries.
    pub secrets: CardSecrets,
}

/// The part of a card that may be shown: no PAN, no expiry, no name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardData {
    /// Opaque card reference (the handle's `card`).
    pub card_ref: String,
    /// Product name, e.g. "Gift card".
    pub product: String,
    /// Network, e.g. "visa".
    pub network: String,
    /// The last four digits.
    pub last4: String,
    /// The card art's URL, if the issuer has one.
    pub art: Option<String>,
}

/// The sensitive part of a card. Zeroized on drop; `Debug` prints nothing of it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct CardSecrets {
    /// The card number.
    pub pan: String,
    /// Expiry month, 1 to 12.
    pub exp_month: u8,
    /// Expiry year, four digits.
    pub exp_year: u16,
    /// The cardholder's name.
    pub name: String,
    /// The billing address.
    pub billing: Billing,
}

impl fmt::Debug for CardSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardSecrets").finish_non_exhaustive()
    }
}

/// A billing address, as the credentials payload carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct Billing {
    /// Street and number.
    pub line1: String,
    /// City.
    pub city: String,
    /// Postal code.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}

/// Why a card source gave no card. Carries no card data: the server logs [`CardError::Unavailable`]'s
/// reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CardError {
    /// No such card for this user: `ISSUER_REJECTED`.
    Unknown,
    /// The card exists and may not be provisioned now (closed, blocked, lost): `CARD_INACTIVE`.
    Inactive,
    /// The source did not answer in time or failed: `NETWORK`, which the widget may retry.
    Unavailable(String),
    /// The source answered something this server cannot use (a refused secret, a malformed
    /// answer): `INTERNAL`, for the operator to fix.
    Failed(String),
}

impl fmt::Display for CardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CardError::Unknown => f.write_str("card source: no such card for this user"),
            CardError::Inactive => f.write_str("card source: the card is not active"),
            CardError::Unavailable(why) => write!(f, "card source unavailable: {why}"),
            CardError::Failed(why) => write!(f, "card source failed: {why}"),
        }
    }
}

impl std::error::Error for CardError {}

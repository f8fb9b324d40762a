//! What binds a card handle to the browser that received it (docs/design.md §2), and what binds
//! an activation to one card (§3 step 4). Both are SHA-256 digests in base64url, so the issuer's
//! backend, the issuer API and a wallet compute them the same way from this one definition.
//!
//! - `bnd`: base64url(SHA-256(secret)), where `secret` is the 32 random bytes of the binding
//!   cookie, whose value is base64url(secret) (43 characters).
//! - `card_digest`: base64url(SHA-256(`"{pan}|{MM}|{YYYY}"`)), the PAN's digits, the expiry month
//!   as two digits and the year as four, separated by `|` (for 4111111111111111, 12/2030:
//!   `4111111111111111|12|2030`).

use alloc::string::String;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::b64;

/// The binding cookie's name. Not `__Host-`: the cookie has a `Domain` (the site that host and
/// widget origin share).
pub const COOKIE_NAME: &str = "walletpush_binding";

/// Length of the binding secret, in bytes.
pub const SECRET_LEN: usize = 32;

/// The `bnd` claim for a binding secret.
pub fn bnd(secret: &[u8; SECRET_LEN]) -> String {
    b64::encode(&Sha256::digest(secret))
}

/// The binding secret carried by a cookie value, if the value is one (43 base64url characters).
pub fn secret_from_cookie(value: &str) -> Option<Zeroizing<[u8; SECRET_LEN]>> {
    if value.len() != 43 {
        return None;
    }
    b64::decode_array::<SECRET_LEN>(value).map(Zeroizing::new)
}

/// Whether the cookie value `value` is the secret whose digest is `bnd`.
pub fn cookie_matches(value: &str, bnd_claim: &str) -> bool {
    match secret_from_cookie(value) {
        Some(secret) => bnd(&secret).as_bytes().ct_eq(bnd_claim.as_bytes()).into(),
        None => false,
    }
}

/// The `card_digest` of an activation: which card it approves.
pub fn card_digest(pan: &str, exp_month: u8, exp_year: u16) -> String {
    let mut hash = Sha256::new();
    hash.update(pan.as_bytes());
    hash.update(b"|");
    hash.update([b'0' + exp_month / 10 % 10, b'0' + exp_month % 10]);
    hash.update(b"|");
    let y = exp_year;
    hash.update([
        b'0' + (y / 1000 % 10) as u8,
        b'0' + (y / 100 % 10) as u8,
        b'0' + (y / 10 % 10) as u8,
        b'0' + (y % 10) as u8,
    ]);
    b64::encode(&hash.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_card_digest_is_sha256_of_the_canonical_text() {
        // Independent: `printf '4111111111111111|12|2030' | openssl dgst -sha256 -binary | basenc --base64url`
        assert_eq!(
            card_digest("4111111111111111", 12, 2030),
            "qwaqhPZLKDcc7_ZikAkaPOnBfIyp5EDOL5CwkQI4ekI"
        );
        assert_ne!(
            card_digest("4111111111111111", 12, 2030),
            card_digest("4111111111111112", 12, 2030)
        );
        assert_ne!(
            card_digest("4111111111111111", 1, 2030),
            card_digest("4111111111111111", 10, 2030)
        );
    }

    #[test]
    fn a_cookie_matches_only_its_own_bnd() {
        let secret = [7u8; SECRET_LEN];
        let cookie = b64::encode(&secret);
        let claim = bnd(&secret);
        assert!(cookie_matches(&cookie, &claim));
        assert!(!cookie_matches(&b64::encode(&[8u8; SECRET_LEN]), &claim));
        assert!(!cookie_matches(&cookie[..42], &claim));
        assert!(!cookie_matches(&claim, &claim));
        assert!(!cookie_matches("", &claim));
    }
}

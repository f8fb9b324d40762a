//! Random identifiers: session ids, key ids, handle ids, token references.

use getrandom::SysRng;
use rand_core::{Rng, UnwrapErr};
use walletpush::b64;

/// `prefix` followed by 22 base64url characters (128 random bits from the OS).
pub fn random(prefix: &str) -> String {
    let mut bytes = [0u8; 16];
    UnwrapErr(SysRng).fill_bytes(&mut bytes);
    format!("{prefix}{}", b64::encode(&bytes))
}

/// Whether `value` is 1 to `max` characters of the base64url alphabet: the shape of every id
/// and correlation id the sandbox accepts, so that none can inject into a log line or a page.
pub fn is_token_like(value: &str, max: usize) -> bool {
    !value.is_empty()
        && value.len() <= max
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_distinct_and_token_like() {
        let (a, b) = (random("t-"), random("t-"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 24);
        assert!(is_token_like(&a, 64));
        assert!(!is_token_like("a b", 64));
        assert!(!is_token_like("", 64));
        assert!(!is_token_like("abcd", 3));
    }
}

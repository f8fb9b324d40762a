//! base64url without padding (RFC 7515 §2, RFC 4648 §5), constant-time and strict: non-canonical
//! encodings and padding are refused, so one byte string has exactly one encoding.

use alloc::{string::String, vec::Vec};
use base64ct::{Base64UrlUnpadded, Encoding};

/// Encodes `bytes` as unpadded base64url.
pub fn encode(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Decodes unpadded base64url; `None` for anything else.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(text).ok()
}

/// Decodes into exactly `N` bytes; `None` when the length differs.
pub fn decode_array<const N: usize>(text: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    let written = Base64UrlUnpadded::decode(text, &mut out).ok()?.len();
    (written == N).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn round_trips_and_refuses_noncanonical() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len as u8).collect();
            assert_eq!(decode(&encode(&bytes)).unwrap(), bytes);
        }
        assert_eq!(encode(b"\xfb\xff"), "-_8");
        assert!(decode("-_9").is_none(), "non-canonical trailing bits");
        assert!(decode("QQ==").is_none(), "padding");
        assert!(decode("a+b/").is_none(), "standard alphabet");
        assert!(decode_array::<2>("QUJD").is_none());
        assert_eq!(decode_array::<3>("QUJD"), Some(*b"ABC"));
    }
}

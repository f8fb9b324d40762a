//! The Concat KDF of NIST SP 800-56A §5.8.1 as JWA uses it for ECDH-ES (RFC 7518 §4.6.2).

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Derives `out.len()` bytes from the shared secret `z`.
///
/// `algorithm_id` is the `enc` value in direct key agreement; `apu`/`apv` are the decoded
/// PartyUInfo/PartyVInfo. Each datum is length-prefixed (32-bit big-endian), and SuppPubInfo is
/// the key length in bits, per RFC 7518 §4.6.2.
pub fn concat_kdf(z: &[u8], algorithm_id: &str, apu: &[u8], apv: &[u8], out: &mut [u8]) {
    let key_bits = (out.len() as u32) * 8;
    for (round, chunk) in out.chunks_mut(32).enumerate() {
        let mut hash = Sha256::new();
        hash.update((round as u32 + 1).to_be_bytes());
        hash.update(z);
        for datum in [algorithm_id.as_bytes(), apu, apv] {
            hash.update((datum.len() as u32).to_be_bytes());
            hash.update(datum);
        }
        hash.update(key_bits.to_be_bytes());
        let block = Zeroizing::new(<[u8; 32]>::from(hash.finalize()));
        chunk.copy_from_slice(&block[..chunk.len()]);
    }
}

//! ES256 verification (ECDSA on P-256 with SHA-256) with `walletpush-curve`: its points, and
//! its arithmetic modulo the group order.
//!
//! Why: the widget verifies one signature per attempt (the wallet's session token), and with
//! this its Wasm carries a single implementation of P-256, the one its encryption needs; p256's
//! is linked only where keys are imported or messages signed or decrypted (the toolkit, the
//! sandbox). Native builds verify with p256 (see `jws`), and the tests here compare the two.

use sha2::{Digest, Sha256};

use crate::jwk::PublicJwk;

/// Whether `signature` (r then s, each 32 big-endian bytes, as in a JWS) is a valid ES256
/// signature of `message` by `key`. Refuses r or s outside [1, n − 1].
pub fn verify(key: &PublicJwk, message: &[u8], signature: &[u8; 64]) -> bool {
    let (r, s) = signature.split_at(32);
    let (Ok(r), Ok(s)) = (r.try_into(), s.try_into()) else {
        return false;
    };
    // z: the whole SHA-256 digest, whose 256 bits are n's bit length.
    let z: [u8; 32] = Sha256::digest(message).into();
    walletpush_curve::verify_prehashed(&z, r, s, key.point())
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::{Signer, Verifier};
    use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
    use p256::elliptic_curve::Generate;
    use p256::{PublicKey, Scalar};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn p256_says(key: &PublicKey, message: &[u8], signature: &Signature) -> bool {
        VerifyingKey::from(key).verify(message, signature).is_ok()
    }

    /// Each case is checked against p256's verification, so a wrong acceptance and a wrong
    /// refusal both fail.
    fn agree(key: &PublicKey, message: &[u8], signature: &Signature, expected: bool) {
        assert_eq!(p256_says(key, message, signature), expected, "p256");
        let jwk = PublicJwk::from_key(*key);
        assert_eq!(
            verify(&jwk, message, &signature.to_bytes().into()),
            expected,
            "walletpush-curve"
        );
    }

    #[test]
    fn agrees_with_p256_on_valid_and_altered_signatures() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let other = PublicKey::from(SigningKey::generate_from_rng(&mut rng).verifying_key());
        for i in 0..24u8 {
            let signing = SigningKey::generate_from_rng(&mut rng);
            let key = PublicKey::from(signing.verifying_key());
            let message = vec![i; usize::from(i) * 7];
            let signature: Signature = signing.sign(&message);
            agree(&key, &message, &signature, true);
            agree(&other, &message, &signature, false);
            let mut altered = message.clone();
            altered.push(1);
            agree(&key, &altered, &signature, false);

            let (r, s) = signature.split_scalars();
            // (r, n − s) is the same signature's other valid form (ES256 does not normalise s).
            let high = Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
            agree(&key, &message, &high, true);
            let s1 = Signature::from_scalars(r.to_bytes(), (*s + Scalar::ONE).to_bytes());
            if let Ok(s1) = s1 {
                agree(&key, &message, &s1, false);
            }
            let r1 = Signature::from_scalars((*r + Scalar::ONE).to_bytes(), s.to_bytes());
            if let Ok(r1) = r1 {
                agree(&key, &message, &r1, false);
            }
            // r and s swapped.
            let swapped = Signature::from_scalars(s.to_bytes(), r.to_bytes()).unwrap();
            agree(&key, &message, &swapped, false);
        }
    }

    /// r or s of zero, n or above: p256 cannot even make a `Signature` of them.
    #[test]
    fn refuses_r_and_s_outside_the_range() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let signing = SigningKey::generate_from_rng(&mut rng);
        let jwk = PublicJwk::from_key(PublicKey::from(signing.verifying_key()));
        let signature: Signature = signing.sign(b"m");
        let good: [u8; 64] = signature.to_bytes().into();
        assert!(verify(&jwk, b"m", &good));
        let n = hex::decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
            .unwrap();
        for bad in [[0u8; 32].as_slice(), &n, &[0xff; 32]] {
            for half in [0..32, 32..64] {
                let mut altered = good;
                altered[half].copy_from_slice(bad);
                assert!(!verify(&jwk, b"m", &altered));
                assert!(Signature::from_slice(&altered).is_err());
            }
        }
    }
}

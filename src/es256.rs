//! ES256 verification (ECDSA on P-256 with SHA-256) with `walletpush-curve`'s point
//! arithmetic, step for step as RustCrypto's `ecdsa::hazmat::verify_prehashed`.
//!
//! Why: the widget verifies one signature per attempt (the wallet's session token), and with
//! this its Wasm carries a single implementation of P-256 points, the one its encryption needs;
//! p256's is linked only where keys are generated or messages signed (the toolkit, the
//! sandbox). Native builds verify with p256 (see `jws`), and the tests here compare the two.

use p256::ecdsa::Signature;
use p256::elliptic_curve::bigint::U256;
use p256::elliptic_curve::ops::Reduce;
use p256::{FieldBytes, Scalar};

use crate::jwk::PublicJwk;
use sha2::{Digest, Sha256};

/// n − 2 (n: the order of P-256's group).
const N_MINUS_2: U256 =
    U256::from_be_hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63254f");

/// Whether `signature` is a valid ES256 signature of `message` by `key`. The signature's r and
/// s are already known to lie in [1, n − 1] (`Signature::from_slice` refuses anything else).
pub fn verify(key: &PublicJwk, message: &[u8], signature: &Signature) -> bool {
    let (r, s) = signature.split_scalars();
    // z: the digest as an integer reduced mod n (its 256 bits are n's bit length).
    let z = <Scalar as Reduce<FieldBytes>>::reduce(&Sha256::digest(message));
    // s⁻¹ = s^(n − 2) (Fermat; s is not zero). Public values, so variable time is fine; and
    // this reuses the scalar multiplication that u1 and u2 need, where p256's `invert` would
    // bring a second algorithm (safegcd) into the Wasm.
    let s_inv = s.pow_vartime(&N_MINUS_2);
    let u1 = z * s_inv;
    let u2 = *r * s_inv;
    let q = key.point();
    let Some(rx) =
        walletpush_curve::linear_combination_x(&u1.to_bytes().into(), &u2.to_bytes().into(), q)
    else {
        return false;
    };
    // Valid when x(u1·G + u2·Q) mod n = r.
    <Scalar as Reduce<FieldBytes>>::reduce(&rx.into()) == *r
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::{Signer, Verifier};
    use p256::ecdsa::{SigningKey, VerifyingKey};
    use p256::elliptic_curve::Generate;
    use p256::PublicKey;
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
            verify(&jwk, message, signature),
            expected,
            "walletpush-curve"
        );
    }

    #[test]
    fn the_fermat_inverse_is_the_inverse() {
        use p256::elliptic_curve::Field;
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        for _ in 0..16 {
            let s = Scalar::random(&mut rng);
            assert_eq!(s.pow_vartime(&N_MINUS_2) * s, Scalar::ONE);
            assert_eq!(s.pow_vartime(&N_MINUS_2), s.invert().unwrap());
        }
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
}

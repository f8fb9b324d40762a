//! Integers modulo n, the order of P-256's group: what ECDSA verification and key generation
//! need of them, and nothing more.
//!
//! A value is eight 32-bit limbs, least significant first. Multiplication is Montgomery's
//! (R = 2^256, coarsely integrated operand scanning); inversion is Fermat's, s^(n − 2).
//!
//! Only public values are multiplied or inverted here (a signature, a message digest); a
//! secret scalar is only checked to lie in [1, n − 1] (`is_in_range`). No function branches on
//! the values it is given: the final subtraction of a product is the field's constant-time
//! `reduce_once`, and the inversion's square-and-multiply follows the fixed exponent n − 2.

use subtle::{Choice, ConstantTimeEq};

use crate::field::{reduce_once, sub_words, words_from_be_bytes, words_to_be_bytes};

/// n, least significant limb first.
const N: [u32; 8] = [
    0xfc63_2551,
    0xf3b9_cac2,
    0xa717_9e84,
    0xbce6_faad,
    0xffff_ffff,
    0xffff_ffff,
    0,
    0xffff_ffff,
];

/// −n⁻¹ mod 2^32, for Montgomery reduction.
const N0_INV: u32 = 0xee00_bc4f;

/// R² mod n = 2^512 mod n, to bring a value into Montgomery form.
const R2: [u32; 8] = [
    0xbe79_eea2,
    0x8324_4c95,
    0x49bd_6fa6,
    0x4699_799c,
    0x2b6b_ec59,
    0x2845_b239,
    0xf3d9_5620,
    0x66e1_2d94,
];

/// Whether 32 big-endian bytes are an integer in [1, n − 1]: a valid private scalar, or a
/// valid r or s of a signature. Constant time.
pub(crate) fn is_in_range(bytes: &[u8; 32]) -> Choice {
    let k = words_from_be_bytes(bytes);
    let (_, borrow) = sub_words(&k, &N);
    // Below n exactly when subtracting n borrows.
    Choice::from((borrow & 1) as u8) & !k.ct_eq(&[0; 8])
}

/// A 256-bit big-endian integer reduced modulo n (one subtraction: 2^256 < 2n).
fn reduce(bytes: &[u8; 32]) -> [u32; 8] {
    reduce_once(words_from_be_bytes(bytes), 0, &N)
}

/// a·b·R⁻¹ mod n, for a and b below n.
fn mont_mul(a: &[u32; 8], b: &[u32; 8]) -> [u32; 8] {
    // t holds at most 2n < 2^257 between rows: eight limbs and a ninth of 0 or 1.
    let mut t = [0u32; 9];
    for &ai in a {
        // t += ai·b; the top may reach 2^33 − 1, in `top`.
        let mut carry = 0u64;
        for (tj, &bj) in t.iter_mut().zip(b) {
            let x = u64::from(*tj) + u64::from(ai) * u64::from(bj) + carry;
            *tj = x as u32;
            carry = x >> 32;
        }
        let top = u64::from(t[8]) + carry;
        // t += m·n with m chosen so that the lowest limb becomes zero; then t /= 2^32.
        let m = t[0].wrapping_mul(N0_INV);
        let mut carry = (u64::from(t[0]) + u64::from(m) * u64::from(N[0])) >> 32;
        for j in 1..8 {
            let x = u64::from(t[j]) + u64::from(m) * u64::from(N[j]) + carry;
            t[j - 1] = x as u32;
            carry = x >> 32;
        }
        let x = top + carry;
        t[7] = x as u32;
        t[8] = (x >> 32) as u32;
    }
    // t < 2n, its ninth limb 0 or 1.
    let low: [u32; 8] = core::array::from_fn(|i| t[i]);
    reduce_once(low, t[8], &N)
}

/// a⁻¹·R mod n for a (not in Montgomery form) in [1, n − 1]: a^(n − 2), by square and
/// multiply over the fixed exponent.
fn invert_to_montgomery(a: &[u32; 8]) -> [u32; 8] {
    let base = mont_mul(a, &R2);
    let (exponent, _) = sub_words(&N, &[2, 0, 0, 0, 0, 0, 0, 0]);
    // R mod n (1 in Montgomery form) = R²·R⁻¹.
    let mut acc = mont_mul(&R2, &[1, 0, 0, 0, 0, 0, 0, 0]);
    for i in (0..256).rev() {
        acc = mont_mul(&acc, &acc);
        if (exponent[i / 32] >> (i % 32)) & 1 == 1 {
            acc = mont_mul(&acc, &base);
        }
    }
    acc
}

/// The last steps of ECDSA verification (FIPS 186-5 §6.4.2, steps 3 to 7): whether (r, s) is
/// a valid signature of the digest `z` by the public point `q` (x then y, each 32 big-endian
/// bytes). r, s and z are 32 big-endian bytes; z is the digest's leftmost 256 bits, the bit
/// length of n. Refuses r or s outside [1, n − 1] and a q that is not a point of the curve.
pub(crate) fn verify_prehashed(z: &[u8; 32], r: &[u8; 32], s: &[u8; 32], q: &[u8; 64]) -> bool {
    if !bool::from(is_in_range(r) & is_in_range(s)) {
        return false;
    }
    let w = invert_to_montgomery(&words_from_be_bytes(s));
    // A plain value times a Montgomery-form one (w·R) gives the plain product: u = x·w mod n.
    let u1 = mont_mul(&reduce(z), &w);
    let u2 = mont_mul(&words_from_be_bytes(r), &w);
    let Some(x) = crate::linear_combination_x(&words_to_be_bytes(&u1), &words_to_be_bytes(&u2), q)
    else {
        return false;
    };
    // Valid when x(u1·G + u2·Q) mod n = r.
    reduce(&x) == words_from_be_bytes(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
    use crypto_bigint::{Odd, U256};
    use rand_core::{TryRng, UnwrapErr};

    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// The group order, from p256.
    fn n() -> U256 {
        use p256::elliptic_curve::Curve;
        *p256::NistP256::ORDER.as_ref()
    }

    fn to_u256(words: &[u32; 8]) -> U256 {
        U256::from_be_slice(&words_to_be_bytes(words))
    }

    fn from_u256(x: &U256) -> [u32; 8] {
        let bytes: [u8; 32] = x.to_be_bytes().into();
        words_from_be_bytes(&bytes)
    }

    fn samples() -> alloc::vec::Vec<U256> {
        let n = n();
        let mut out = alloc::vec![
            U256::ONE,
            U256::from_u8(2),
            n.wrapping_sub(&U256::ONE),
            n.wrapping_sub(&U256::from_u8(2)),
            U256::ONE.shl_vartime(255),
            U256::ONE.shl_vartime(224),
            U256::from_be_hex("00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff"),
        ];
        let mut rng = UnwrapErr(getrandom::SysRng);
        for _ in 0..40 {
            let mut bytes = [0u8; 32];
            rng.try_fill_bytes(&mut bytes).unwrap();
            out.push(U256::from_be_slice(&bytes).rem_vartime(&n.to_nz().unwrap()));
        }
        out
    }

    #[test]
    fn constants_are_those_of_n() {
        let n = n();
        assert_eq!(to_u256(&N), n);
        // n·N0_INV ≡ −1 (mod 2^32).
        assert_eq!(N[0].wrapping_mul(N0_INV), u32::MAX);
        let r2 = U256::ONE
            .shl_vartime(255)
            .rem_vartime(&n.to_nz().unwrap())
            .mul_mod_vartime(&U256::ONE.shl_vartime(255), &n.to_nz().unwrap())
            .mul_mod_vartime(&U256::from_u8(4), &n.to_nz().unwrap());
        assert_eq!(to_u256(&R2), r2);
    }

    #[test]
    fn montgomery_products_and_inverses_match_crypto_bigint() {
        let params = FixedMontyParams::new_vartime(Odd::new(n()).unwrap());
        let samples = samples();
        for a in &samples {
            for b in samples.iter().step_by(5) {
                // mont_mul(a·R, b) = a·b.
                let a_mont = mont_mul(&from_u256(a), &R2);
                let expected = a.mul_mod_vartime(b, &n().to_nz().unwrap());
                assert_eq!(to_u256(&mont_mul(&a_mont, &from_u256(b))), expected);
            }
            let inverse = FixedMontyForm::new(a, &params).invert().unwrap().retrieve();
            let got = mont_mul(
                &invert_to_montgomery(&from_u256(a)),
                &[1, 0, 0, 0, 0, 0, 0, 0],
            );
            assert_eq!(to_u256(&got), inverse);
        }
    }

    #[test]
    fn reduction_and_range() {
        let n = n();
        let bytes = |x: &U256| -> [u8; 32] { x.to_be_bytes().into() };
        assert_eq!(to_u256(&reduce(&bytes(&n))), U256::ZERO);
        assert_eq!(to_u256(&reduce(&[0xff; 32])), U256::MAX.wrapping_sub(&n));
        assert_eq!(
            to_u256(&reduce(&bytes(&n.wrapping_sub(&U256::ONE)))),
            n.wrapping_sub(&U256::ONE)
        );
        assert!(!bool::from(is_in_range(&[0; 32])));
        assert!(bool::from(is_in_range(&bytes(&U256::ONE))));
        assert!(bool::from(is_in_range(&bytes(&n.wrapping_sub(&U256::ONE)))));
        assert!(!bool::from(is_in_range(&bytes(&n))));
        assert!(!bool::from(is_in_range(&[0xff; 32])));
    }
}

//! Arithmetic modulo p = 2^256 − 2^224 + 2^192 + 2^96 − 1, the field of P-256.
//!
//! An element is eight 32-bit limbs, least significant first, always fully reduced (< p).
//! Products are 32×32→64-bit multiplications, one instruction in WebAssembly; 64-bit limbs
//! would need 64×64→128-bit products, which Wasm computes in a software routine. The 512-bit
//! product is reduced with the special form of p: sums and differences of its 32-bit words
//! (FIPS 186-4, appendix D.2.3; Hankerson, Menezes and Vanstone, "Guide to Elliptic Curve
//! Cryptography", algorithm 2.29).
//!
//! No function branches on, or indexes memory by, the values it is given.

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

/// An element of the field, reduced modulo p.
#[derive(Clone, Copy, Default)]
pub(crate) struct Fe([u32; 8]);

/// p, least significant limb first.
const P: [u32; 8] = [
    0xffff_ffff,
    0xffff_ffff,
    0xffff_ffff,
    0,
    0,
    0,
    1,
    0xffff_ffff,
];

/// Runs the body once for each i in 0..8, written out: the limbs then stay in locals (Wasm
/// registers) whatever the optimisation level, where a loop would keep them in memory. (The
/// carry of the last step is not read.)
macro_rules! unroll8 {
    ($i:ident => $body:block) => {
        unroll8!(@each $i $body; 0 1 2 3 4 5 6 7)
    };
    (@each $i:ident $body:block; $($n:literal)+) => {{
        $(
            #[allow(unused_assignments)]
            {
                const $i: usize = $n;
                $body
            }
        )+
    }};
}

/// One row of a schoolbook product: adds a[i]·b[j] for the listed j into wide[i + j], then
/// stores the row's carry in wide[i + 8] (above every word the row touched, and not yet
/// written by an earlier row). Each step is at most (2^32 − 1)^2 + 2 (2^32 − 1) = 2^64 − 1.
macro_rules! mul_row {
    ($wide:ident, $a:ident, $b:ident, $i:literal: $($j:literal)+) => {{
        let ai = u64::from($a[$i]);
        let mut carry = 0u64;
        $(
            let t = ai * u64::from($b[$j]) + u64::from($wide[$i + $j]) + carry;
            $wide[$i + $j] = t as u32;
            carry = t >> 32;
        )+
        $wide[$i + 8] = carry as u32;
    }};
}

impl Fe {
    pub(crate) const ZERO: Fe = Fe([0; 8]);
    pub(crate) const ONE: Fe = Fe([1, 0, 0, 0, 0, 0, 0, 0]);

    /// An element from limbs, least significant first, that are already below p.
    pub(crate) const fn from_limbs(limbs: [u32; 8]) -> Fe {
        Fe(limbs)
    }

    /// Decodes 32 big-endian bytes; `None` unless the value is below p.
    pub(crate) fn from_bytes(bytes: &[u8; 32]) -> Option<Fe> {
        let limbs = words_from_be_bytes(bytes);
        // Below p exactly when subtracting p borrows. (Decoded values are public: a key's
        // coordinates.)
        let (_, borrow) = sub_words(&limbs, &P);
        (borrow != 0).then_some(Fe(limbs))
    }

    /// The 32 big-endian bytes of the element.
    pub(crate) fn to_bytes(self) -> [u8; 32] {
        words_to_be_bytes(&self.0)
    }

    pub(crate) fn is_zero(&self) -> Choice {
        self.ct_eq(&Fe::ZERO)
    }

    #[inline(never)]
    pub(crate) fn add(&self, rhs: &Fe) -> Fe {
        let (sum, carry) = add_words(&self.0, &rhs.0);
        Fe(reduce_once(sum, carry, &P))
    }

    pub(crate) fn double(&self) -> Fe {
        self.add(self)
    }

    /// self·k for a small k (at most 8), in one pass rather than a chain of additions.
    #[inline(never)]
    pub(crate) fn mul_small(&self, k: u32) -> Fe {
        debug_assert!(k <= 8);
        let mut out = [0u32; 8];
        let mut carry = 0u64;
        unroll8!(I => {
            let t = u64::from(self.0[I]) * u64::from(k) + carry;
            out[I] = t as u32;
            carry = t >> 32;
        });
        fold(out, carry as i64)
    }

    #[inline(never)]
    pub(crate) fn sub(&self, rhs: &Fe) -> Fe {
        let (diff, borrow) = sub_words(&self.0, &rhs.0);
        // On a borrow, add p back (the mask is all ones exactly then); the carry out of that
        // addition is the borrow's 2^256, and is dropped.
        let mut masked = [0u32; 8];
        unroll8!(I => {
            masked[I] = P[I] & borrow;
        });
        let (out, _) = add_words(&diff, &masked);
        Fe(out)
    }

    pub(crate) fn neg(&self) -> Fe {
        Fe::ZERO.sub(self)
    }

    #[inline(never)]
    pub(crate) fn mul(&self, rhs: &Fe) -> Fe {
        let (a, b) = (&self.0, &rhs.0);
        let mut wide = [0u32; 16];
        // Written out row by row, so that the whole product stays in registers (locals).
        mul_row!(wide, a, b, 0: 0 1 2 3 4 5 6 7);
        mul_row!(wide, a, b, 1: 0 1 2 3 4 5 6 7);
        mul_row!(wide, a, b, 2: 0 1 2 3 4 5 6 7);
        mul_row!(wide, a, b, 3: 0 1 2 3 4 5 6 7);
        mul_row!(wide, a, b, 4: 0 1 2 3 4 5 6 7);
        mul_row!(wide, a, b, 5: 0 1 2 3 4 5 6 7);
        mul_row!(wide, a, b, 6: 0 1 2 3 4 5 6 7);
        mul_row!(wide, a, b, 7: 0 1 2 3 4 5 6 7);
        reduce_wide(&wide)
    }

    #[inline(never)]
    pub(crate) fn square(&self) -> Fe {
        let a = &self.0;
        // The products a[i] a[j] with i < j, once each; then doubled; then the squares.
        let mut wide = [0u32; 16];
        mul_row!(wide, a, a, 0: 1 2 3 4 5 6 7);
        mul_row!(wide, a, a, 1: 2 3 4 5 6 7);
        mul_row!(wide, a, a, 2: 3 4 5 6 7);
        mul_row!(wide, a, a, 3: 4 5 6 7);
        mul_row!(wide, a, a, 4: 5 6 7);
        mul_row!(wide, a, a, 5: 6 7);
        mul_row!(wide, a, a, 6: 7);
        let mut top = 0u32;
        unroll8!(I => {
            let next = wide[2 * I] >> 31;
            wide[2 * I] = (wide[2 * I] << 1) | top;
            let next2 = wide[2 * I + 1] >> 31;
            wide[2 * I + 1] = (wide[2 * I + 1] << 1) | next;
            top = next2;
        });
        let mut carry = 0u64;
        unroll8!(I => {
            let sq = u64::from(a[I]) * u64::from(a[I]);
            let t = u64::from(wide[2 * I]) + (sq & 0xffff_ffff) + carry;
            wide[2 * I] = t as u32;
            let t = u64::from(wide[2 * I + 1]) + (sq >> 32) + (t >> 32);
            wide[2 * I + 1] = t as u32;
            carry = t >> 32;
        });
        reduce_wide(&wide)
    }

    /// self^(2^n).
    #[inline(never)]
    pub(crate) fn square_n(&self, n: u32) -> Fe {
        let mut x = *self;
        for _ in 0..n {
            x = x.square();
        }
        x
    }

    /// The inverse, by Fermat: self^(p − 2); zero maps to zero. The exponent
    /// p − 2 = 0xffffffff 00000001 00000000 00000000 00000000 ffffffff ffffffff fffffffd
    /// is reached with 255 squarings and 12 multiplications.
    #[inline(never)]
    pub(crate) fn invert(&self) -> Fe {
        let x1 = *self;
        let x2 = x1.square().mul(&x1); // 2 ones
        let x3 = x2.square().mul(&x1); // 3 ones
        let x6 = x3.square_n(3).mul(&x3);
        let x12 = x6.square_n(6).mul(&x6);
        let x15 = x12.square_n(3).mul(&x3);
        let x30 = x15.square_n(15).mul(&x15);
        let x32 = x30.square_n(2).mul(&x2);
        // ffffffff 00000001
        let t = x32.square_n(32).mul(&x1);
        // then 96 zeros and 32 ones
        let t = t.square_n(128).mul(&x32);
        // then 32 ones
        let t = t.square_n(32).mul(&x32);
        // then 30 ones and 01
        let t = t.square_n(30).mul(&x30);
        t.square_n(2).mul(&x1)
    }
}

impl ConditionallySelectable for Fe {
    fn conditional_select(a: &Fe, b: &Fe, choice: Choice) -> Fe {
        // All ones to take b, as subtle's selection of integers does, computed once.
        let mask = u32::from(choice.unwrap_u8()).wrapping_neg();
        let mut out = [0u32; 8];
        unroll8!(I => {
            out[I] = a.0[I] ^ (mask & (a.0[I] ^ b.0[I]));
        });
        Fe(out)
    }
}

impl ConstantTimeEq for Fe {
    fn ct_eq(&self, other: &Fe) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

/// 32 big-endian bytes as eight limbs, least significant first.
pub(crate) fn words_from_be_bytes(bytes: &[u8; 32]) -> [u32; 8] {
    let mut limbs = [0u32; 8];
    for (i, limb) in limbs.iter_mut().enumerate() {
        let at = 28 - 4 * i;
        *limb = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    }
    limbs
}

/// Eight limbs, least significant first, as 32 big-endian bytes.
pub(crate) fn words_to_be_bytes(limbs: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, limb) in limbs.iter().enumerate() {
        let at = 28 - 4 * i;
        out[at..at + 4].copy_from_slice(&limb.to_be_bytes());
    }
    out
}

/// a + b over eight limbs, and the carry out (0 or 1).
#[inline(always)]
fn add_words(a: &[u32; 8], b: &[u32; 8]) -> ([u32; 8], u32) {
    let mut out = [0u32; 8];
    let mut carry = 0u64;
    unroll8!(I => {
        let s = u64::from(a[I]) + u64::from(b[I]) + carry;
        out[I] = s as u32;
        carry = s >> 32;
    });
    (out, carry as u32)
}

/// a − b over eight limbs, and the final borrow as a mask (all ones when a < b).
#[inline(always)]
pub(crate) fn sub_words(a: &[u32; 8], b: &[u32; 8]) -> ([u32; 8], u32) {
    let mut out = [0u32; 8];
    let mut borrow = 0i64;
    unroll8!(I => {
        let d = i64::from(a[I]) - i64::from(b[I]) + borrow;
        out[I] = d as u32;
        borrow = d >> 32;
    });
    (out, borrow as u32)
}

/// The value carry·2^256 + t, known to be below 2m, reduced below m: m subtracted unless
/// the value is already below it. Constant time.
#[inline(always)]
pub(crate) fn reduce_once(t: [u32; 8], carry: u32, m: &[u32; 8]) -> [u32; 8] {
    let (u, borrow) = sub_words(&t, m);
    // Keep t only when t < m, i.e. no carry out and subtracting m borrowed.
    let keep_t = borrow & !carry.wrapping_neg();
    let mut out = [0u32; 8];
    unroll8!(I => {
        out[I] = (t[I] & keep_t) | (u[I] & !keep_t);
    });
    out
}

/// Reduces a 512-bit product modulo p with the special form of p. With c0..c15 its words,
/// the result is s1 + 2 s2 + 2 s3 + s4 + s5 − s6 − s7 − s8 − s9 (mod p), where each s is a
/// 256-bit number made of some of the words (algorithm 2.29 of the Guide). Summed word by word
/// into signed 64-bit accumulators, the value lies in (−4·2^256, 7·2^256); its carry above
/// 2^256 is folded back with 2^256 ≡ 2^224 − 2^192 − 2^96 + 1 (mod p), twice, after which it
/// lies in [0, 2^256), and one conditional subtraction of p finishes (see `fold`).
#[inline(always)]
fn reduce_wide(wide: &[u32; 16]) -> Fe {
    let c = |i: usize| i64::from(wide[i]);
    let words = [
        c(0) + c(8) + c(9) - c(11) - c(12) - c(13) - c(14),
        c(1) + c(9) + c(10) - c(12) - c(13) - c(14) - c(15),
        c(2) + c(10) + c(11) - c(13) - c(14) - c(15),
        c(3) + 2 * (c(11) + c(12)) + c(13) - c(15) - c(8) - c(9),
        c(4) + 2 * (c(12) + c(13)) + c(14) - c(9) - c(10),
        c(5) + 2 * (c(13) + c(14)) + c(15) - c(10) - c(11),
        c(6) + 3 * c(14) + 2 * c(15) + c(13) - c(8) - c(9),
        c(7) + 3 * c(15) + c(8) - c(10) - c(11) - c(12) - c(13),
    ];
    let mut out = [0u32; 8];
    let mut carry = 0i64;
    unroll8!(I => {
        let s = words[I] + carry;
        out[I] = s as u32;
        carry = s >> 32;
    });
    fold(out, carry)
}

/// Reduces carry·2^256 + out, with carry in [−4, 7], below p: folds the carry back with
/// 2^256 ≡ 2^224 − 2^192 − 2^96 + 1 (mod p), twice, after which the value lies in
/// [0, 2^256), then subtracts p if needed.
#[inline(always)]
fn fold(mut out: [u32; 8], mut carry: i64) -> Fe {
    for _ in 0..2 {
        let k = carry;
        let fold = [k, 0, 0, -k, 0, 0, -k, k];
        carry = 0;
        unroll8!(I => {
            let s = i64::from(out[I]) + fold[I] + carry;
            out[I] = s as u32;
            carry = s >> 32;
        });
    }
    Fe(reduce_once(out, 0, &P))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;
    use crypto_bigint::{NonZero, U256};
    use rand_core::{TryRng, UnwrapErr};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn modulus() -> NonZero<U256> {
        NonZero::new(U256::from_be_hex(
            "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
        ))
        .expect("p is not zero")
    }

    fn to_uint(x: &Fe) -> U256 {
        U256::from_be_slice(&x.to_bytes())
    }

    fn from_uint(x: &U256) -> Fe {
        let bytes: [u8; 32] = x.to_be_bytes().as_ref().try_into().expect("32 bytes");
        Fe::from_bytes(&bytes).expect("below p")
    }

    /// Values that exercise the carries and the reduction's edges, then random ones.
    fn samples() -> Vec<Fe> {
        let p = modulus();
        let mut out: Vec<U256> = vec![
            U256::ZERO,
            U256::ONE,
            U256::from_u8(2),
            p.wrapping_sub(&U256::ONE),
            p.wrapping_sub(&U256::from_u8(2)),
            U256::ONE.shl_vartime(255),
            U256::ONE.shl_vartime(224),
            U256::ONE.shl_vartime(192),
            U256::ONE.shl_vartime(96),
            U256::ONE.shl_vartime(32).wrapping_sub(&U256::ONE),
            U256::from_be_hex("fffffffeffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
            U256::from_be_hex("ffffffff00000000ffffffffffffffffffffffffffffffffffffffffffffffff"),
            U256::from_be_hex("00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
            U256::from_be_hex("ffffffff00000001000000000000000000000000fffffffffffffffffffffffe"),
            U256::from_be_hex("8000000000000000000000000000000000000000000000000000000000000000"),
            U256::from_be_hex("ffffffff000000000000000000000000ffffffff000000000000000000000000"),
        ];
        let mut rng = UnwrapErr(getrandom::SysRng);
        for _ in 0..200 {
            let mut bytes = [0u8; 32];
            rng.try_fill_bytes(&mut bytes).expect("randomness");
            out.push(U256::from_be_slice(&bytes).rem_vartime(&p));
        }
        out.iter().map(from_uint).collect()
    }

    #[test]
    fn decoding_refuses_p_and_above() {
        let p: [u8; 32] = modulus()
            .to_be_bytes()
            .as_ref()
            .try_into()
            .expect("32 bytes");
        assert!(Fe::from_bytes(&p).is_none());
        assert!(Fe::from_bytes(&[0xff; 32]).is_none());
        let mut below = p;
        below[31] -= 1;
        let x = Fe::from_bytes(&below).expect("p − 1 decodes");
        assert_eq!(x.to_bytes(), below);
    }

    #[test]
    fn add_sub_mul_square_agree_with_crypto_bigint() {
        let p = modulus();
        let xs = samples();
        for a in &xs {
            for b in xs.iter().step_by(7) {
                let (ua, ub) = (to_uint(a), to_uint(b));
                assert_eq!(to_uint(&a.add(b)), ua.add_mod(&ub, &p), "add");
                assert_eq!(to_uint(&a.sub(b)), ua.sub_mod(&ub, &p), "sub");
                assert_eq!(to_uint(&a.mul(b)), ua.mul_mod_vartime(&ub, &p), "mul");
            }
            let ua = to_uint(a);
            assert_eq!(to_uint(&a.square()), ua.mul_mod_vartime(&ua, &p), "square");
            for k in 0..=8u8 {
                let uk = U256::from_u8(k);
                assert_eq!(
                    to_uint(&a.mul_small(k.into())),
                    ua.mul_mod_vartime(&uk, &p),
                    "·{k}"
                );
            }
            assert_eq!(to_uint(&a.neg()), U256::ZERO.sub_mod(&ua, &p), "neg");
        }
    }

    #[test]
    fn invert_gives_the_inverse_and_zero_for_zero() {
        for a in samples() {
            let inv = a.invert();
            if bool::from(a.is_zero()) {
                assert!(bool::from(inv.is_zero()));
            } else {
                assert!(bool::from(a.mul(&inv).ct_eq(&Fe::ONE)));
            }
        }
    }

    #[test]
    fn selection_and_equality() {
        let (a, b) = (Fe::ONE, Fe::ONE.neg());
        assert!(bool::from(
            Fe::conditional_select(&a, &b, Choice::from(0)).ct_eq(&a)
        ));
        assert!(bool::from(
            Fe::conditional_select(&a, &b, Choice::from(1)).ct_eq(&b)
        ));
        assert!(!bool::from(a.ct_eq(&b)));
    }
}

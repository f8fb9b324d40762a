//! Constant-time scalar multiplication: signed radix-16 digits, and a table lookup that reads
//! every entry.
//!
//! A 256-bit scalar k is written as 65 digits d_i in [−8, 8] with k = Σ d_i 16^i.
//! - Any point P: a table of 1P..8P, then Q ← 16·Q + d_i·P from the top digit down:
//!   256 doublings and 65 additions.
//! - The base point G: a table of j·16^i·G for every digit position i and j in 1..8, in affine
//!   coordinates, built once; then k·G = Σ d_i·16^i·G is 65 mixed additions and no doubling.
//!
//! An addition meets equal inputs (and branches to a doubling, see `point`) only when a
//! partial sum equals the next term. For a scalar k below the group order n that happens
//! only for k ∈ {n − 16, n − 14, …, n − 2} in `mul` (16m ≡ d (mod n) at the last digit), and
//! never in `BaseTable::mul`, whose partial sums stay below the next term in magnitude. The
//! tests run those scalars. Keys are drawn at random from [1, n − 1].

use alloc::vec;
use alloc::vec::Vec;

use subtle::{Choice, ConditionallyNegatable, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

use crate::point::{batch_to_affine, Affine, Jacobian};

/// Digits of a scalar, least significant first.
const DIGITS: usize = 65;

/// The signed radix-16 digits of a 256-bit big-endian scalar: 64 digits in [−8, 7] and a
/// last one in {0, 1}.
struct Digits([i8; DIGITS]);

impl Digits {
    fn new(scalar: &[u8; 32]) -> Digits {
        let mut digits = [0i8; DIGITS];
        let mut carry = 0i8;
        for i in 0..64 {
            let byte = scalar[31 - i / 2];
            let nibble = ((byte >> (4 * (i % 2))) & 0xf) as i8;
            let v = nibble + carry; // 0..=16
            carry = (v + 8) >> 4; // 1 when v ≥ 8
            digits[i] = v - (carry << 4);
        }
        digits[64] = carry;
        Digits(digits)
    }
}

impl Drop for Digits {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// |d| and whether d < 0, without branching on d.
fn split(d: i8) -> (u8, Choice) {
    let sign = d >> 7; // −1 or 0
    let abs = ((d ^ sign) - sign) as u8;
    (abs, Choice::from((sign & 1) as u8))
}

/// d·T from a table of 1T..8T (Jacobian, or affine for the base point), reading every entry;
/// and whether d is 0. For d = 0 the point is the type's default: the point at infinity for
/// Jacobian points, a placeholder for affine ones (which `add_affine` is then told to skip).
#[inline(never)]
fn lookup<T>(table: &[T], d: i8) -> (T, Choice)
where
    T: ConditionallySelectable + ConditionallyNegatable + Default,
{
    let (abs, negative) = split(d);
    let mut out = T::default();
    for (j, entry) in (1u8..).zip(table) {
        out.conditional_assign(entry, abs.ct_eq(&j));
    }
    out.conditional_negate(negative);
    (out, abs.ct_eq(&0))
}

/// k·P.
#[inline(never)]
pub(crate) fn mul(point: &Affine, scalar: &[u8; 32]) -> Jacobian {
    let p = Jacobian::from(*point);
    let p2 = p.double();
    let p3 = p2.add(&p);
    let p4 = p2.double();
    let p5 = p4.add(&p);
    let p6 = p3.double();
    let p7 = p6.add(&p);
    let p8 = p4.double();
    let table = [p, p2, p3, p4, p5, p6, p7, p8];

    let digits = Digits::new(scalar);
    let (mut q, _) = lookup(&table, digits.0[DIGITS - 1]);
    for &d in digits.0[..DIGITS - 1].iter().rev() {
        q = q.double().double().double().double();
        q = q.add(&lookup(&table, d).0);
    }
    q
}

/// The multiples j·16^i·G of the base point, i < 65, j in 1..=8, in affine coordinates:
/// 33 KB, built in about the time of two variable-point multiplications.
pub struct BaseTable {
    /// Row i (entries 8i to 8i + 7) holds 1·16^i·G to 8·16^i·G.
    points: Vec<Affine>,
}

impl core::fmt::Debug for BaseTable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BaseTable").finish_non_exhaustive()
    }
}

impl Default for BaseTable {
    fn default() -> BaseTable {
        BaseTable::new()
    }
}

impl BaseTable {
    /// Computes the table.
    #[inline(never)]
    pub fn new() -> BaseTable {
        let mut points = vec![Jacobian::INFINITY; DIGITS * 8];
        let mut base = Jacobian::from(Affine::GENERATOR);
        for row in points.chunks_exact_mut(8) {
            let mut multiple = base;
            for (j, entry) in row.iter_mut().enumerate() {
                if j > 0 {
                    multiple = multiple.add(&base);
                }
                *entry = multiple;
            }
            // 16·16^i·G = 2·(8·16^i·G)
            base = multiple.double();
        }
        BaseTable {
            points: batch_to_affine(&points),
        }
    }

    /// k·G.
    #[inline(never)]
    pub(crate) fn mul(&self, scalar: &[u8; 32]) -> Jacobian {
        let digits = Digits::new(scalar);
        let mut q = Jacobian::INFINITY;
        for (row, &d) in self.points.chunks_exact(8).zip(&digits.0) {
            let (term, zero) = lookup(row, d);
            q = q.add_affine(&term, zero);
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn value(digits: &Digits) -> i128 {
        // Only for scalars below 2^100, where the sum fits.
        digits
            .0
            .iter()
            .rev()
            .fold(0i128, |acc, &d| acc * 16 + i128::from(d))
    }

    #[test]
    fn digits_recompose_the_scalar() {
        for k in [
            0u128,
            1,
            7,
            8,
            15,
            16,
            0x88,
            0x8888_8888,
            0xffff_ffff_ffff,
            0x7777_7777_7777,
        ] {
            let mut bytes = [0u8; 32];
            bytes[16..].copy_from_slice(&k.to_be_bytes());
            let digits = Digits::new(&bytes);
            assert!(digits.0[..64].iter().all(|d| (-8..=7).contains(d)));
            assert_eq!(value(&digits), k as i128, "k = {k:#x}");
        }
        let top = Digits::new(&[0xff; 32]);
        assert_eq!(top.0[64], 1);
    }

    #[test]
    fn split_gives_magnitude_and_sign() {
        for d in -8i8..=8 {
            let (abs, negative) = split(d);
            assert_eq!(i16::from(abs), i16::from(d).abs());
            assert_eq!(bool::from(negative), d < 0);
        }
    }
}

//! Points of P-256 (y² = x³ − 3x + b) in Jacobian coordinates: (X, Y, Z) stands for
//! (X/Z², Y/Z³), and Z = 0 for the point at infinity.
//!
//! Formulas from the Explicit-Formulas Database (hyperelliptic.org/EFD, "g1p/auto-shortw-
//! jacobian-3"): `dbl-2001-b` (3M + 5S), `add-2007-bl` (11M + 5S), `madd-2007-bl` (7M + 4S).
//! Doubling is correct for every input, the point at infinity included. The additions select
//! the right result in constant time when either input is the point at infinity, and the
//! formulas themselves give it when the inputs are opposite. Equal inputs, where an addition
//! must double instead, are detected and doubled with a branch: in a scalar multiplication
//! this happens only for a handful of scalars (see `scalar_mul`), which is also how
//! BoringSSL's constant-time P-256 treats it.

use alloc::vec;
use alloc::vec::Vec;

use subtle::{Choice, ConditionallyNegatable, ConditionallySelectable, ConstantTimeEq};

use crate::field::Fe;

/// b of the curve equation.
const B: Fe = Fe::from_limbs([
    0x27d2_604b,
    0x3bce_3c3e,
    0xcc53_b0f6,
    0x651d_06b0,
    0x7698_86bc,
    0xb3eb_bd55,
    0xaa3a_93e7,
    0x5ac6_35d8,
]);

/// A point with affine coordinates: never the point at infinity.
#[derive(Clone, Copy, Default)]
pub(crate) struct Affine {
    pub(crate) x: Fe,
    pub(crate) y: Fe,
}

impl Affine {
    /// The base point G.
    pub(crate) const GENERATOR: Affine = Affine {
        x: Fe::from_limbs([
            0xd898_c296,
            0xf4a1_3945,
            0x2deb_33a0,
            0x7703_7d81,
            0x63a4_40f2,
            0xf8bc_e6e5,
            0xe12c_4247,
            0x6b17_d1f2,
        ]),
        y: Fe::from_limbs([
            0x37bf_51f5,
            0xcbb6_4068,
            0x6b31_5ece,
            0x2bce_3357,
            0x7c0f_9e16,
            0x8ee7_eb4a,
            0xfe1a_7f9b,
            0x4fe3_42e2,
        ]),
    };

    /// A point from its coordinates, x then y, each 32 big-endian bytes; `None` unless both
    /// are below p and the point is on the curve. (P-256 has prime order, so every point on it
    /// is in the group.)
    pub(crate) fn from_bytes(bytes: &[u8; 64]) -> Option<Affine> {
        let (x, y) = bytes.split_at(32);
        let point = Affine {
            x: Fe::from_bytes(x.try_into().ok()?)?,
            y: Fe::from_bytes(y.try_into().ok()?)?,
        };
        point.is_on_curve().then_some(point)
    }

    fn is_on_curve(&self) -> bool {
        let x3 = self.x.square().mul(&self.x);
        let three_x = self.x.double().add(&self.x);
        let rhs = x3.sub(&three_x).add(&B);
        bool::from(self.y.square().ct_eq(&rhs))
    }

    /// The coordinates as 64 bytes: x then y, each big-endian.
    pub(crate) fn to_bytes(self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&self.x.to_bytes());
        out[32..].copy_from_slice(&self.y.to_bytes());
        out
    }
}

/// −P = (x, −y): only y is selected.
impl ConditionallyNegatable for Affine {
    fn conditional_negate(&mut self, choice: Choice) {
        let neg = self.y.neg();
        self.y.conditional_assign(&neg, choice);
    }
}

impl ConditionallySelectable for Affine {
    fn conditional_select(a: &Affine, b: &Affine, choice: Choice) -> Affine {
        Affine {
            x: Fe::conditional_select(&a.x, &b.x, choice),
            y: Fe::conditional_select(&a.y, &b.y, choice),
        }
    }
}

/// A point in Jacobian coordinates.
#[derive(Clone, Copy)]
pub(crate) struct Jacobian {
    x: Fe,
    y: Fe,
    z: Fe,
}

impl Default for Jacobian {
    fn default() -> Jacobian {
        Jacobian::INFINITY
    }
}

impl From<Affine> for Jacobian {
    fn from(p: Affine) -> Jacobian {
        Jacobian {
            x: p.x,
            y: p.y,
            z: Fe::ONE,
        }
    }
}

impl Jacobian {
    pub(crate) const INFINITY: Jacobian = Jacobian {
        x: Fe::ONE,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    pub(crate) fn is_infinity(&self) -> Choice {
        self.z.is_zero()
    }

    /// The affine coordinates; `None` for the point at infinity. One inversion.
    #[inline(never)]
    pub(crate) fn to_affine(self) -> Option<Affine> {
        if bool::from(self.is_infinity()) {
            return None;
        }
        Some(self.scaled(&self.z.invert()))
    }

    /// (X·z⁻², Y·z⁻³), given `zinv` = z⁻¹.
    fn scaled(&self, zinv: &Fe) -> Affine {
        let zinv2 = zinv.square();
        Affine {
            x: self.x.mul(&zinv2),
            y: self.y.mul(&zinv2.mul(zinv)),
        }
    }

    /// 2·self (`dbl-2001-b`, for a = −3).
    #[inline(never)]
    pub(crate) fn double(&self) -> Jacobian {
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x.mul(&gamma);
        let alpha = self.x.sub(&delta).mul(&self.x.add(&delta)).mul_small(3);
        let beta4 = beta.mul_small(4);
        let x = alpha.square().sub(&beta.mul_small(8));
        let z = self.y.add(&self.z).square().sub(&gamma).sub(&delta);
        let gamma2_8 = gamma.square().mul_small(8);
        let y = alpha.mul(&beta4.sub(&x)).sub(&gamma2_8);
        Jacobian { x, y, z }
    }

    /// self + other (`add-2007-bl`).
    #[inline(never)]
    pub(crate) fn add(&self, other: &Jacobian) -> Jacobian {
        let z1z1 = self.z.square();
        let z2z2 = other.z.square();
        let u1 = self.x.mul(&z2z2);
        let u2 = other.x.mul(&z1z1);
        let s1 = self.y.mul(&other.z).mul(&z2z2);
        let s2 = other.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&u1);
        let r = s2.sub(&s1).double();
        let (self_inf, other_inf) = (self.is_infinity(), other.is_infinity());
        if bool::from(h.is_zero() & r.is_zero() & !self_inf & !other_inf) {
            return self.double();
        }
        let i = h.double().square();
        let j = h.mul(&i);
        let v = u1.mul(&i);
        let x = r.square().sub(&j).sub(&v.double());
        let y = r.mul(&v.sub(&x)).sub(&s1.mul(&j).double());
        let z = self.z.add(&other.z).square().sub(&z1z1).sub(&z2z2).mul(&h);
        let mut sum = Jacobian { x, y, z };
        sum.conditional_assign(other, self_inf);
        sum.conditional_assign(self, other_inf);
        sum
    }

    /// self + other, or self when `other_is_zero` (`madd-2007-bl`).
    #[inline(never)]
    pub(crate) fn add_affine(&self, other: &Affine, other_is_zero: Choice) -> Jacobian {
        let z1z1 = self.z.square();
        let u2 = other.x.mul(&z1z1);
        let s2 = other.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&self.x);
        let r = s2.sub(&self.y).double();
        let self_inf = self.is_infinity();
        if bool::from(h.is_zero() & r.is_zero() & !self_inf & !other_is_zero) {
            return self.double();
        }
        let hh = h.square();
        let i = hh.mul_small(4);
        let j = h.mul(&i);
        let v = self.x.mul(&i);
        let x = r.square().sub(&j).sub(&v.double());
        let y = r.mul(&v.sub(&x)).sub(&self.y.mul(&j).double());
        let z = self.z.add(&h).square().sub(&z1z1).sub(&hh);
        let mut sum = Jacobian { x, y, z };
        sum.conditional_assign(&Jacobian::from(*other), self_inf);
        sum.conditional_assign(self, other_is_zero);
        sum
    }
}

/// −P = (X, −Y, Z): only Y is selected.
impl ConditionallyNegatable for Jacobian {
    fn conditional_negate(&mut self, choice: Choice) {
        let neg = self.y.neg();
        self.y.conditional_assign(&neg, choice);
    }
}

impl ConditionallySelectable for Jacobian {
    fn conditional_select(a: &Jacobian, b: &Jacobian, choice: Choice) -> Jacobian {
        Jacobian {
            x: Fe::conditional_select(&a.x, &b.x, choice),
            y: Fe::conditional_select(&a.y, &b.y, choice),
            z: Fe::conditional_select(&a.z, &b.z, choice),
        }
    }
}

/// Converts many points to affine coordinates with one inversion (Montgomery's trick). None
/// of them may be the point at infinity.
#[inline(never)]
pub(crate) fn batch_to_affine(points: &[Jacobian]) -> Vec<Affine> {
    let mut prefix = Vec::with_capacity(points.len());
    let mut acc = Fe::ONE;
    for p in points {
        prefix.push(acc);
        acc = acc.mul(&p.z);
    }
    let mut inv = acc.invert();
    let mut out = vec![Affine::default(); points.len()];
    for (i, p) in points.iter().enumerate().rev() {
        out[i] = p.scaled(&inv.mul(&prefix[i]));
        inv = inv.mul(&p.z);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn g() -> Jacobian {
        Jacobian::from(Affine::GENERATOR)
    }

    fn same(a: &Jacobian, b: &Jacobian) -> bool {
        match (a.to_affine(), b.to_affine()) {
            (None, None) => true,
            (Some(a), Some(b)) => a.to_bytes() == b.to_bytes(),
            _ => false,
        }
    }

    #[test]
    fn the_generator_is_on_the_curve_and_the_decoder_checks() {
        let g = Affine::GENERATOR.to_bytes();
        assert!(Affine::from_bytes(&g).is_some());
        let mut bad_y = g;
        bad_y[63] ^= 1;
        assert!(Affine::from_bytes(&bad_y).is_none());
        assert!(Affine::from_bytes(&[0; 64]).is_none());
    }

    #[test]
    fn additions_handle_infinity_equal_and_opposite_inputs() {
        let (g, inf) = (g(), Jacobian::INFINITY);
        let g2 = g.double();
        assert!(same(&g.add(&g), &g2), "equal inputs double");
        assert!(same(&g.add(&inf), &g));
        assert!(same(&inf.add(&g), &g));
        assert!(bool::from(inf.add(&inf).is_infinity()));
        assert!(bool::from(inf.double().is_infinity()));
        let mut minus_g = g;
        minus_g.conditional_negate(Choice::from(1));
        assert!(bool::from(g.add(&minus_g).is_infinity()), "opposite inputs");

        let ga = Affine::GENERATOR;
        assert!(same(&g.add_affine(&ga, Choice::from(0)), &g2));
        assert!(same(&inf.add_affine(&ga, Choice::from(0)), &g));
        assert!(same(&g2.add_affine(&ga, Choice::from(1)), &g2));
        assert!(bool::from(
            inf.add_affine(&ga, Choice::from(1)).is_infinity()
        ));
        let mut minus_ga = ga;
        minus_ga.conditional_negate(Choice::from(1));
        assert!(bool::from(
            g.add_affine(&minus_ga, Choice::from(0)).is_infinity()
        ));
        // 2G + G = G + 2G, by both additions.
        let g3 = g2.add(&g);
        assert!(same(&g3, &g.add(&g2)));
        assert!(same(&g3, &g2.add_affine(&ga, Choice::from(0))));
    }

    #[test]
    fn batch_conversion_matches_one_by_one() {
        let mut points = vec![g()];
        for i in 1..9 {
            points.push(points[i - 1].double().add(&g()));
        }
        let batch = batch_to_affine(&points);
        for (p, a) in points.iter().zip(&batch) {
            assert_eq!(p.to_affine().unwrap().to_bytes(), a.to_bytes());
        }
    }
}

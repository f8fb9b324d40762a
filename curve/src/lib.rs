//! P-256 for the widget's WebAssembly: key generation, ECDH, and ECDSA verification.
//!
//! The widget encrypts each card payload to a wallet with a fresh ephemeral key (JWE
//! `ECDH-ES`): one multiplication of the base point and one of the wallet's point. RustCrypto's
//! `p256` does field arithmetic on 64-bit limbs, and on wasm32 each 64×64-bit product is a call
//! to a software routine; here the field has 32-bit limbs and P-256's special-form reduction,
//! points are Jacobian, and the base point has a table of all its digit multiples.
//!
//! Scope: what the widget does, nothing more. It takes scalars as 32 bytes and points as
//! coordinates; signing, decryption and key encodings are `p256`'s, in the builds that need
//! them. Point and field operations run in constant time (see `scalar_mul` for the one
//! documented exception), public inputs included; the arithmetic modulo the group order serves
//! only ECDSA verification, whose inputs are public, and does not branch on values either (see
//! `scalar`).
//! Checked against `p256` and against crypto-bigint's modular arithmetic in the tests,
//! natively and in the browser, and against the Wycheproof ECDH vectors by the `walletpush`
//! crate that uses it.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod field;
mod point;
mod scalar;
mod scalar_mul;

use alloc::boxed::Box;

use once_cell::race::OnceBox;
use zeroize::Zeroizing;

use point::{batch_to_affine, Affine};
pub use scalar_mul::BaseTable;

/// The table of base-point multiples, built on first use.
pub fn base_table() -> &'static BaseTable {
    static TABLE: OnceBox<BaseTable> = OnceBox::new();
    TABLE.get_or_init(|| Box::new(BaseTable::new()))
}

/// The public key of a secret scalar (32 big-endian bytes, expected in [1, n − 1]): its
/// coordinates x then y, each 32 big-endian bytes. `None` if the scalar is a multiple of n.
pub fn public_key(scalar: &[u8; 32]) -> Option<[u8; 64]> {
    base_table().mul(scalar).to_affine().map(Affine::to_bytes)
}

/// The ECDH shared secret (the x-coordinate of scalar·peer, 32 big-endian bytes) of a secret
/// scalar and a peer's public point given as x then y, each 32 big-endian bytes. `None` if the
/// point is not on the curve, a coordinate is not below p, or the product is the point at
/// infinity.
pub fn diffie_hellman(scalar: &[u8; 32], peer: &[u8; 64]) -> Option<Zeroizing<[u8; 32]>> {
    let point = Affine::from_bytes(peer)?;
    let shared = scalar_mul::mul(&point, scalar).to_affine()?;
    Some(Zeroizing::new(shared.x.to_bytes()))
}

/// The two results of an ephemeral-static key agreement (JWE `ECDH-ES`).
pub struct Agreement {
    /// The ephemeral public key: x then y, each 32 big-endian bytes.
    pub public_key: [u8; 64],
    /// The shared secret: the x-coordinate of scalar·peer, 32 big-endian bytes.
    pub shared_secret: Zeroizing<[u8; 32]>,
}

impl core::fmt::Debug for Agreement {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Agreement")
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

/// [`public_key`] and [`diffie_hellman`] of the same scalar at once, sharing the one field
/// inversion that brings both points to affine coordinates.
pub fn agree(scalar: &[u8; 32], peer: &[u8; 64]) -> Option<Agreement> {
    let point = Affine::from_bytes(peer)?;
    let public = base_table().mul(scalar);
    let shared = scalar_mul::mul(&point, scalar);
    if bool::from(public.is_infinity() | shared.is_infinity()) {
        return None;
    }
    let affine = batch_to_affine(&[public, shared]);
    let (public, shared) = (affine.first()?, affine.get(1)?);
    Some(Agreement {
        public_key: public.to_bytes(),
        shared_secret: Zeroizing::new(shared.x.to_bytes()),
    })
}

/// The x-coordinate of u1·G + u2·Q (32 big-endian bytes), the last step of verifying an
/// ECDSA signature, with Q given as x then y (each 32 big-endian bytes) and u1, u2 as
/// 32 big-endian bytes. These inputs are public (a signature, a message, a public key); they
/// go through the same constant-time code as secrets. `None` if Q is not on the curve, a
/// coordinate is not below p, or the sum is the point at infinity.
pub fn linear_combination_x(u1: &[u8; 32], u2: &[u8; 32], q: &[u8; 64]) -> Option<[u8; 32]> {
    let point = Affine::from_bytes(q)?;
    let sum = base_table().mul(u1).add(&scalar_mul::mul(&point, u2));
    sum.to_affine().map(|p| p.x.to_bytes())
}

/// Whether x then y (each 32 big-endian bytes) are the coordinates of a point of P-256: both
/// below p, and on the curve. (The point at infinity has no coordinates.)
pub fn is_valid_point(point: &[u8; 64]) -> bool {
    Affine::from_bytes(point).is_some()
}

/// Whether 32 big-endian bytes are a valid private scalar: an integer in [1, n − 1], n the
/// order of the group. Constant time. Keys are drawn by rejection: 32 random bytes, again
/// until they pass (FIPS 186-5 A.2.2; the chance of a second draw is below 2^−32).
pub fn is_valid_scalar(scalar: &[u8; 32]) -> bool {
    bool::from(scalar::is_in_range(scalar))
}

/// ECDSA verification on P-256 from the digest on (FIPS 186-5 §6.4.2, steps 3 to 7): whether
/// (r, s) is a valid signature of `z` by `q`. `z` is the message digest's leftmost 256 bits
/// (all of SHA-256's), r and s are 32 big-endian bytes each, `q` is the public point as x then
/// y, each 32 big-endian bytes. False for r or s outside [1, n − 1] and for a `q` that is not a
/// point of the curve.
pub fn verify_prehashed(z: &[u8; 32], r: &[u8; 32], s: &[u8; 32], q: &[u8; 64]) -> bool {
    scalar::verify_prehashed(z, r, s, q)
}

//! Key generation, ECDH and ECDSA verification against RustCrypto's `p256`, an independent
//! implementation: random scalars and points, the scalars at the edges of the digit recoding
//! and of the group order (including those where an addition must double), and signatures
//! altered in every way that must make verification fail.
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use p256::elliptic_curve::ff::PrimeField;
use p256::elliptic_curve::point::AffineCoordinates;
use p256::{PublicKey, Scalar, SecretKey};
use rand_core::{TryRng, UnwrapErr};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// n, the order of the group, big-endian.
const N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

fn random_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    UnwrapErr(getrandom::SysRng)
        .try_fill_bytes(&mut bytes)
        .expect("randomness");
    bytes
}

fn small(k: u64) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    bytes[24..].copy_from_slice(&k.to_be_bytes());
    bytes
}

/// n − k, for small k.
fn n_minus(k: u8) -> [u8; 32] {
    let mut bytes = N;
    let (low, borrow) = bytes[31].overflowing_sub(k);
    bytes[31] = low;
    assert!(!borrow, "n's last byte is 0x51");
    bytes
}

/// Scalars in [1, n − 1] that stress the recoding, the tables and the exceptional additions.
fn edge_scalars() -> Vec<[u8; 32]> {
    let mut out: Vec<[u8; 32]> = (1..=20).map(small).collect();
    out.extend((1..=20).map(n_minus));
    for fill in [0x08, 0x77, 0x78, 0x80, 0x87, 0x88, 0x7f, 0xf0, 0x0f, 0x11] {
        out.push([fill; 32]);
    }
    let mut high = [0u8; 32];
    high[0] = 0x80;
    out.push(high); // 2^255
    out.push(small(1 << 32));
    let mut just_below = N;
    just_below[1] = 0xfe; // below n, with a carry into the top digit
    out.push(just_below);
    out
}

fn secret(bytes: &[u8; 32]) -> Option<SecretKey> {
    SecretKey::from_bytes(&(*bytes).into()).ok()
}

fn coordinates(key: &PublicKey) -> [u8; 64] {
    let point = key.as_affine();
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&point.x());
    out[32..].copy_from_slice(&point.y());
    out
}

fn check_public_key(k: &[u8; 32]) {
    let expected = secret(k).expect("scalar in range").public_key();
    assert_eq!(
        walletpush_curve::public_key(k),
        Some(coordinates(&expected)),
        "public key of {k:02x?}"
    );
}

fn check_diffie_hellman(k: &[u8; 32], peer: &PublicKey) {
    let expected = secret(k).expect("scalar in range").diffie_hellman(peer);
    let ours = walletpush_curve::diffie_hellman(k, &coordinates(peer)).expect("valid point");
    assert_eq!(
        &ours[..],
        &expected.raw_secret_bytes()[..],
        "ECDH of {k:02x?}"
    );
}

#[test]
fn public_keys_match_p256() {
    for k in edge_scalars() {
        check_public_key(&k);
    }
    for _ in 0..300 {
        let k = random_bytes();
        if secret(&k).is_some() {
            check_public_key(&k);
        }
    }
}

#[test]
fn shared_secrets_match_p256() {
    let generator = secret(&small(1)).expect("1").public_key();
    let peers: Vec<PublicKey> = [small(1), small(2), n_minus(1), random_bytes()]
        .iter()
        .filter_map(secret)
        .map(|s| s.public_key())
        .chain([generator])
        .collect();
    for k in edge_scalars() {
        for peer in &peers {
            check_diffie_hellman(&k, peer);
        }
    }
    for _ in 0..200 {
        let (k, other) = (random_bytes(), random_bytes());
        if let (Some(_), Some(peer)) = (secret(&k), secret(&other)) {
            check_diffie_hellman(&k, &peer.public_key());
        }
    }
}

#[test]
fn multiples_of_n_and_zero_give_no_key() {
    assert_eq!(walletpush_curve::public_key(&[0; 32]), None);
    assert_eq!(walletpush_curve::public_key(&N), None);
    let peer = coordinates(&secret(&small(3)).expect("3").public_key());
    assert!(walletpush_curve::diffie_hellman(&[0; 32], &peer).is_none());
    assert!(walletpush_curve::diffie_hellman(&N, &peer).is_none());
}

#[test]
fn scalars_at_or_above_n_reduce_like_p256() {
    // Not used by the widget (its scalars come from p256, below n), but defined: k·P = (k mod n)·P.
    let mut above = n_minus(0);
    above[31] += 5; // n + 5
    let peer = secret(&small(9)).expect("9").public_key();
    let expected = secret(&small(5)).expect("5").diffie_hellman(&peer);
    let ours = walletpush_curve::diffie_hellman(&above, &coordinates(&peer)).expect("point");
    assert_eq!(&ours[..], &expected.raw_secret_bytes()[..]);
    assert_eq!(
        walletpush_curve::public_key(&above),
        walletpush_curve::public_key(&small(5))
    );
}

#[test]
fn invalid_points_are_refused() {
    let k = small(7);
    let good = coordinates(&secret(&small(11)).expect("11").public_key());
    let mut off_curve = good;
    off_curve[63] ^= 1;
    assert!(walletpush_curve::diffie_hellman(&k, &off_curve).is_none());
    assert!(walletpush_curve::diffie_hellman(&k, &[0; 64]).is_none());
    // x + p: the same residue, but not a canonical coordinate.
    let mut too_big = [0xffu8; 64];
    too_big[32..].copy_from_slice(&good[32..]);
    assert!(walletpush_curve::diffie_hellman(&k, &too_big).is_none());
    assert!(walletpush_curve::diffie_hellman(&k, &good).is_some());
}

#[test]
fn scalar_helper_matches_p256_encoding() {
    // The byte order this crate takes is p256's `to_repr`.
    let k = Scalar::from(0x0102_0304u64);
    assert_eq!(<[u8; 32]>::from(k.to_repr()), small(0x0102_0304));
}

#[test]
fn agreement_gives_both_results_like_p256() {
    let peer = secret(&random_bytes()).expect("in range").public_key();
    for k in edge_scalars()
        .into_iter()
        .chain((0..50).map(|_| random_bytes()))
    {
        let Some(key) = secret(&k) else { continue };
        let agreement = walletpush_curve::agree(&k, &coordinates(&peer)).expect("valid point");
        assert_eq!(agreement.public_key, coordinates(&key.public_key()));
        assert_eq!(
            &agreement.shared_secret[..],
            &key.diffie_hellman(&peer).raw_secret_bytes()[..]
        );
    }
    assert!(walletpush_curve::agree(&[0; 32], &coordinates(&peer)).is_none());
    assert!(walletpush_curve::agree(&small(1), &[0; 64]).is_none());
}

#[test]
fn linear_combinations_match_p256() {
    use p256::ProjectivePoint;
    let q_key = secret(&random_bytes()).expect("in range").public_key();
    let q = coordinates(&q_key);
    let cases: Vec<([u8; 32], [u8; 32])> = edge_scalars()
        .into_iter()
        .zip(edge_scalars().into_iter().rev())
        .chain((0..40).map(|_| (random_bytes(), random_bytes())))
        .collect();
    for (u1, u2) in cases {
        let (Some(a), Some(b)) = (secret(&u1), secret(&u2)) else {
            continue;
        };
        let expected = ProjectivePoint::GENERATOR * *a.to_nonzero_scalar()
            + q_key.to_projective() * *b.to_nonzero_scalar();
        let expected = PublicKey::from_affine(expected.to_affine()).expect("not infinity");
        assert_eq!(
            walletpush_curve::linear_combination_x(&u1, &u2, &q),
            Some(coordinates(&expected)[..32].try_into().expect("32 bytes")),
        );
    }
    // u1·G + u2·Q where Q = G and u2 = n − u1: the point at infinity.
    let g = coordinates(&secret(&small(1)).expect("1").public_key());
    assert_eq!(
        walletpush_curve::linear_combination_x(&small(5), &n_minus(5), &g),
        None
    );
    // Equal terms: u1·G = u2·Q with Q = G, u1 = u2 (the addition doubles).
    let expected = coordinates(&secret(&small(14)).expect("14").public_key());
    assert_eq!(
        walletpush_curve::linear_combination_x(&small(7), &small(7), &g),
        Some(expected[..32].try_into().expect("32 bytes")),
    );
    assert_eq!(
        walletpush_curve::linear_combination_x(&small(1), &small(1), &[0; 64]),
        None
    );
}

#[test]
fn scalar_validity_matches_p256() {
    let mut cases = edge_scalars();
    cases.extend([[0; 32], N, [0xff; 32], n_minus(0)]);
    cases.extend((0..20).map(|_| random_bytes()));
    for k in cases {
        assert_eq!(
            walletpush_curve::is_valid_scalar(&k),
            secret(&k).is_some(),
            "{k:02x?}"
        );
    }
}

/// p256's verdict on (r, s) for the digest z and key q; false where p256 refuses to make a
/// signature of r and s (either of them zero or not below n).
fn p256_verdict(q: &PublicKey, z: &[u8; 32], r: &[u8; 32], s: &[u8; 32]) -> bool {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    use p256::ecdsa::{Signature, VerifyingKey};
    let Ok(signature) = Signature::from_scalars(*r, *s) else {
        return false;
    };
    VerifyingKey::from(q).verify_prehash(z, &signature).is_ok()
}

/// (a + k) mod 2^256, big-endian, for small k.
fn plus(a: &[u8; 32], k: u8) -> [u8; 32] {
    let mut out = *a;
    let mut carry = k;
    for byte in out.iter_mut().rev() {
        let (sum, over) = byte.overflowing_add(carry);
        *byte = sum;
        carry = u8::from(over);
    }
    out
}

/// n − a, big-endian, for a in [1, n − 1].
fn negate(a: &[u8; 32]) -> [u8; 32] {
    let s = Scalar::from_repr((*a).into()).unwrap();
    (-s).to_repr().into()
}

#[test]
fn ecdsa_verification_matches_p256() {
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    use p256::ecdsa::{Signature, SigningKey};
    for round in 0..12 {
        let key = secret(&random_bytes()).expect("in range");
        let q = key.public_key();
        let other = secret(&random_bytes()).expect("in range").public_key();
        let mut z = random_bytes();
        if round == 0 {
            z = [0xff; 32]; // a digest above n, reduced
        }
        let signature: Signature = SigningKey::from(&key).sign_prehash(&z).unwrap();
        let (r, s): ([u8; 32], [u8; 32]) = (
            signature.r().to_repr().into(),
            signature.s().to_repr().into(),
        );
        let mut flipped = z;
        flipped[round % 32] ^= 1 << (round % 8);
        let cases = [
            (q, z, r, s, true),
            (q, z, r, negate(&s), true), // ECDSA accepts (r, n − s) too
            (other, z, r, s, false),
            (q, flipped, r, s, false),
            (q, z, plus(&r, 1), s, false),
            (q, z, r, plus(&s, 1), false),
            (q, z, s, r, false),
            (q, z, [0; 32], s, false),
            (q, z, r, [0; 32], false),
            (q, z, N, s, false),
            (q, z, r, N, false),
            (q, z, [0xff; 32], s, false),
        ];
        for (key, z, r, s, valid) in cases {
            let ours = walletpush_curve::verify_prehashed(&z, &r, &s, &coordinates(&key));
            assert_eq!(ours, p256_verdict(&key, &z, &r, &s), "round {round}");
            assert_eq!(ours, valid, "round {round}");
        }
        // A point that is not on the curve.
        let mut bad = coordinates(&q);
        bad[63] ^= 1;
        assert!(!walletpush_curve::verify_prehashed(&z, &r, &s, &bad));
    }
}

//! JWE compact serialization with `alg: "ECDH-ES"` and `enc: "A256GCM"` only
//! (RFC 7516 §7.1, RFC 7518 §4.6 and §5.3).
//!
//! Encryption takes the randomness for the ephemeral key and the IV from the caller. Decryption
//! refuses every other algorithm and every malformed part with one opaque [`JweError`].

use alloc::{string::String, vec::Vec};
use core::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use p256::ecdh::EphemeralSecret;
use p256::elliptic_curve::Generate;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::b64;
use crate::json::{self, Object, Value};
use crate::jwk::{PrivateJwk, PublicJwk};
use crate::kdf::concat_kdf;

/// The JWE could not be decrypted, or could not be built. Deliberately says nothing more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JweError;

impl fmt::Display for JweError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the JWE was refused")
    }
}

impl core::error::Error for JweError {}

/// The optional header members of an encryption.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JweParams<'a> {
    /// `kid`: the recipient key's id.
    pub kid: Option<&'a str>,
    /// PartyUInfo, raw bytes (the header carries it as base64url `apu`).
    pub apu: Option<&'a [u8]>,
    /// PartyVInfo, raw bytes (the header carries it as base64url `apv`).
    pub apv: Option<&'a [u8]>,
}

/// A decrypted JWE: its protected header and its plaintext (zeroized on drop).
#[derive(Clone)]
pub struct Decrypted {
    /// The protected header.
    pub header: Object<'static>,
    /// The plaintext.
    pub plaintext: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decrypted")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

impl Decrypted {
    /// A header member decoded from base64url (`apu`, `apv`), if present and well-formed.
    pub fn header_bytes(&self, name: &str) -> Option<Vec<u8>> {
        self.header.get(name)?.as_str().and_then(b64::decode)
    }
}

const ALG: &str = "ECDH-ES";
const ENC: &str = "A256GCM";

/// Encrypts `plaintext` to `recipient` (RFC 7516 §5.1 in compact form).
///
/// The caller checks the recipient key's `use`, `alg` and `exp` before (see
/// [`PublicJwk::check_for`]); the point itself is valid by construction.
///
/// The ephemeral key is p256's `EphemeralSecret`, drawn from `rng` uniformly in [1, n − 1]
/// and zeroized on drop, as is the shared secret (RFC 7518 §4.6: a fresh key per message).
pub fn encrypt(
    recipient: &PublicJwk,
    plaintext: &[u8],
    params: &JweParams<'_>,
    rng: &mut impl CryptoRng,
) -> Result<String, JweError> {
    let ephemeral = EphemeralSecret::generate_from_rng(rng);
    let epk = PublicJwk::from_key(ephemeral.public_key());
    let z = ephemeral.diffie_hellman(recipient.key());

    let mut header = Object::new();
    header.insert("alg", ALG);
    header.insert("enc", ENC);
    if let Some(kid) = params.kid {
        header.insert("kid", kid);
    }
    header.insert("epk", epk.to_value());
    if let Some(apu) = params.apu {
        header.insert("apu", b64::encode(apu));
    }
    if let Some(apv) = params.apv {
        header.insert("apv", b64::encode(apv));
    }
    let protected = b64::encode(header.to_json().as_bytes());

    let mut cek = Zeroizing::new([0u8; 32]);
    concat_kdf(
        z.raw_secret_bytes(),
        ENC,
        params.apu.unwrap_or_default(),
        params.apv.unwrap_or_default(),
        &mut cek[..],
    );
    let mut iv = [0u8; 12];
    rng.fill_bytes(&mut iv);

    let cipher = Aes256Gcm::new_from_slice(&cek[..]).map_err(|_| JweError)?;
    let sealed = cipher
        .encrypt(
            &Nonce::from(iv),
            Payload {
                msg: plaintext,
                aad: protected.as_bytes(),
            },
        )
        .map_err(|_| JweError)?;
    let (ciphertext, tag) = sealed.split_at(sealed.len() - 16);
    Ok([
        protected.as_str(),
        "",
        &b64::encode(&iv),
        &b64::encode(ciphertext),
        &b64::encode(tag),
    ]
    .join("."))
}

/// Decrypts a compact JWE made for `recipient` (RFC 7516 §5.2).
///
/// Refuses: anything but five parts; a header that is not a JSON object or that has `crit` or
/// `zip`; `alg` other than `ECDH-ES`, `enc` other than `A256GCM`; a non-empty encrypted key; an
/// `epk` that is not a valid P-256 point; an IV of other than 96 bits; a tag of other than 128
/// bits; and any authentication failure.
pub fn decrypt(recipient: &PrivateJwk, compact: &str) -> Result<Decrypted, JweError> {
    let parts: Vec<&str> = compact.split('.').collect();
    let [protected, encrypted_key, iv, ciphertext, tag] = parts[..] else {
        return Err(JweError);
    };
    if !encrypted_key.is_empty() {
        return Err(JweError);
    }
    let header = parse_header(protected)?;
    let epk = header.get("epk").ok_or(JweError)?;
    let epk = PublicJwk::from_value(epk).map_err(|_| JweError)?;
    let apu = optional_bytes(&header, "apu")?;
    let apv = optional_bytes(&header, "apv")?;
    let iv = b64::decode_array::<12>(iv).ok_or(JweError)?;
    let tag = b64::decode_array::<16>(tag).ok_or(JweError)?;
    let mut sealed = b64::decode(ciphertext).ok_or(JweError)?;
    sealed.extend_from_slice(&tag);

    let z = p256::ecdh::diffie_hellman(
        recipient.secret().to_nonzero_scalar(),
        epk.key().as_affine(),
    );
    let mut cek = Zeroizing::new([0u8; 32]);
    concat_kdf(z.raw_secret_bytes(), ENC, &apu, &apv, &mut cek[..]);
    let cipher = Aes256Gcm::new_from_slice(&cek[..]).map_err(|_| JweError)?;
    let plaintext = cipher
        .decrypt(
            &Nonce::from(iv),
            Payload {
                msg: &sealed,
                aad: protected.as_bytes(),
            },
        )
        .map_err(|_| JweError)?;
    Ok(Decrypted {
        header,
        plaintext: Zeroizing::new(plaintext),
    })
}

/// Reads the protected header without decrypting (to choose the key by `kid`, for instance).
/// Nothing in it is authenticated until [`decrypt`] succeeds.
pub fn peek_header(compact: &str) -> Result<Object<'static>, JweError> {
    let protected = compact.split('.').next().ok_or(JweError)?;
    parse_header(protected)
}

fn parse_header(protected: &str) -> Result<Object<'static>, JweError> {
    let bytes = b64::decode(protected).ok_or(JweError)?;
    let header = json::parse_object(&bytes)
        .map_err(|_| JweError)?
        .into_owned();
    // RFC 7516 §4.1.13: we understand no extensions; no compression either (§4.1.3).
    if header.contains_key("crit") || header.contains_key("zip") {
        return Err(JweError);
    }
    let is = |name: &str, want: &str| header.get(name).and_then(Value::as_str) == Some(want);
    if !is("alg", ALG) || !is("enc", ENC) {
        return Err(JweError);
    }
    Ok(header)
}

fn optional_bytes(header: &Object<'_>, name: &str) -> Result<Vec<u8>, JweError> {
    match header.get(name) {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => b64::decode(s).ok_or(JweError),
        Some(_) => Err(JweError),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwk::KeyUse;
    use p256::{NonZeroScalar, PublicKey};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn round_trip_with_kid_apu_apv() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let key = PrivateJwk::generate(&mut rng).with_meta("k1", KeyUse::Enc);
        let params = JweParams {
            kid: Some("k1"),
            apu: Some(b"https://walletpush.bank.example"),
            apv: Some(b"sid-1"),
        };
        for len in [0usize, 1, 15, 16, 17, 1000] {
            let msg = vec![7u8; len];
            let jwe = encrypt(key.public(), &msg, &params, &mut rng).unwrap();
            let out = decrypt(&key, &jwe).unwrap();
            assert_eq!(&out.plaintext[..], &msg[..]);
            assert_eq!(out.header.string("kid"), Ok("k1"));
            assert_eq!(out.header_bytes("apv").unwrap(), b"sid-1");
        }
    }

    /// A deterministic stream (SHA-256 of a counter), so that an encryption's ephemeral key can
    /// be drawn a second time.
    struct Replay(u64);

    impl rand_core::TryRng for Replay {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            let mut b = [0u8; 4];
            self.try_fill_bytes(&mut b)?;
            Ok(u32::from_le_bytes(b))
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            let mut b = [0u8; 8];
            self.try_fill_bytes(&mut b)?;
            Ok(u64::from_le_bytes(b))
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            use sha2::Digest;
            for chunk in dst.chunks_mut(32) {
                self.0 += 1;
                let block = sha2::Sha256::digest(self.0.to_le_bytes());
                chunk.copy_from_slice(&block[..chunk.len()]);
            }
            Ok(())
        }
    }

    impl rand_core::TryCryptoRng for Replay {}

    #[test]
    fn the_ephemeral_key_comes_from_the_given_randomness() {
        // The same stream gives the same ephemeral key (the core draws nothing of its own), and
        // a fresh stream a fresh key, which the recipient decrypts.
        let key = PrivateJwk::generate(&mut Replay(1 << 40));
        let epk_of = |jwe: &str| {
            PublicJwk::from_value(peek_header(jwe).unwrap().get("epk").unwrap()).unwrap()
        };
        let mut seen = Vec::new();
        for seed in 0..8 {
            let jwe =
                encrypt(key.public(), b"x", &JweParams::default(), &mut Replay(seed)).unwrap();
            let again =
                encrypt(key.public(), b"x", &JweParams::default(), &mut Replay(seed)).unwrap();
            let scalar = NonZeroScalar::generate_from_rng(&mut Replay(seed));
            let expected = PublicKey::from_secret_scalar(&scalar);
            assert_eq!(epk_of(&jwe), PublicJwk::from_key(expected), "seed {seed}");
            assert_eq!(jwe, again, "seed {seed}");
            assert!(!seen.contains(&epk_of(&jwe)), "seed {seed}");
            seen.push(epk_of(&jwe));
            assert_eq!(decrypt(&key, &jwe).unwrap().plaintext.as_slice(), b"x");
        }
    }

    /// Given 32-byte draws first, then a [`Replay`] stream.
    struct Prefixed(Vec<[u8; 32]>, Replay);

    impl rand_core::TryRng for Prefixed {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            self.1.try_next_u32()
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            self.1.try_next_u64()
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            match self.0.first() {
                Some(draw) if dst.len() == 32 => {
                    dst.copy_from_slice(draw);
                    self.0.remove(0);
                    Ok(())
                }
                _ => self.1.try_fill_bytes(dst),
            }
        }
    }

    impl rand_core::TryCryptoRng for Prefixed {}

    #[test]
    fn draws_outside_the_scalar_range_are_drawn_again() {
        let key = PrivateJwk::generate(&mut Replay(1 << 41));
        let epk_of = |draws: Vec<[u8; 32]>| {
            let mut rng = Prefixed(draws, Replay(7));
            let jwe = encrypt(key.public(), b"x", &JweParams::default(), &mut rng).unwrap();
            assert_eq!(decrypt(&key, &jwe).unwrap().plaintext.as_slice(), b"x");
            PublicJwk::from_value(peek_header(&jwe).unwrap().get("epk").unwrap()).unwrap()
        };
        // The Replay stream's first draw is the key when nothing comes before it.
        let first = epk_of(vec![]);
        // Draws are read big-endian. Zero, n and 2^256 − 1 are no scalar in [1, n − 1]: each
        // is refused and the next draw taken.
        let mut n: [u8; 32] =
            hex::decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
                .unwrap()
                .try_into()
                .unwrap();
        for refused in [[0; 32], [0xff; 32], n] {
            assert_eq!(epk_of(vec![refused]), first);
        }
        // n − 1 is the largest key: (n − 1)·G = −G, whose x is the base point's.
        n[31] -= 1;
        let largest = epk_of(vec![n]);
        let gx = hex::decode("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296")
            .unwrap();
        assert_eq!(&largest.point()[..32], &gx[..]);
        assert_ne!(largest.point()[32..], first.point()[32..]);
    }

    #[test]
    fn refuses_another_recipient() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let a = PrivateJwk::generate(&mut rng);
        let b = PrivateJwk::generate(&mut rng);
        let jwe = encrypt(a.public(), b"x", &JweParams::default(), &mut rng).unwrap();
        assert_eq!(decrypt(&b, &jwe).unwrap_err(), JweError);
    }
}

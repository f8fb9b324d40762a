//! The wallet's checks of a decrypted credential (docs/design.md §3 step 6, and redirect mode):
//! header binding (`kid`, `apv` = sid, `apu` = client origin), freshness (`iat`, and `exp` in
//! redirect mode), the shape of the card data, and the issuer's activation token. The replay
//! checks (session id, nonce) need the store and are the caller's.
//!
//! Every refusal is the same opaque [`Rejected`]: the page learns `WALLET_REJECTED`, never
//! which check failed. Card data stays in zeroized buffers and never leaves this module: what
//! comes out is display data and the references the vault keeps.

use serde::Deserialize;
use walletpush::handle::CardDisplay;
use walletpush::jwe::Decrypted;
use walletpush::jwk::KeySet;
use zeroize::{Zeroize, ZeroizeOnDrop};

use walletpush_server::activation;
use walletpush_server::ids;

/// How far `iat` may be from the wallet's clock, in seconds.
pub const IAT_WINDOW: i64 = 120;
/// The longest `exp - iat` of a redirect-mode credential, in seconds.
pub const REDIRECT_LIFETIME: i64 = 300;

/// Which flow the credential came through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Encrypted to a session key; no `exp` inside.
    Popup,
    /// Encrypted to the wallet's static key; `exp` inside.
    Redirect,
}

/// What the credential must be bound to.
#[derive(Clone, Copy, Debug)]
pub struct Expected<'a> {
    /// The key it was decrypted with (`kid`).
    pub kid: &'a str,
    /// The session id (`apv`, and the activation's `sid`).
    pub sid: &'a str,
    /// The widget origin (`apu`).
    pub client_origin: &'a str,
    /// The wallet's id (the activation's `wallet`).
    pub wallet: &'a str,
    /// The flow.
    pub mode: Mode,
}

/// A credential that passed every check but replay: only what the wallet keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// The plaintext's nonce, for the replay record.
    pub nonce: String,
    /// The issuer's card reference, from the activation token.
    pub card: String,
    /// Product, network, last 4 and art, for the confirmation.
    pub display: CardDisplay,
    /// The attempt's correlation id, if well-formed.
    pub cid: Option<String>,
}

/// The credential was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejected;

/// Checks a decrypted credential against `expected` at `now`.
pub fn check(
    decrypted: &Decrypted,
    expected: &Expected<'_>,
    issuer_keys: &KeySet,
    now: i64,
) -> Result<Accepted, Rejected> {
    let kid = decrypted.header.get("kid").and_then(|k| k.as_str());
    let bound = kid == Some(expected.kid)
        && decrypted.header_bytes("apv").as_deref() == Some(expected.sid.as_bytes())
        && decrypted.header_bytes("apu").as_deref() == Some(expected.client_origin.as_bytes());
    if !bound {
        return Err(Rejected);
    }
    let plaintext: Plaintext =
        serde_json::from_slice(&decrypted.plaintext).map_err(|_| Rejected)?;
    if !plaintext.is_fresh(expected.mode, now) || !plaintext.is_well_formed() {
        return Err(Rejected);
    }
    let card_digest =
        walletpush::binding::card_digest(&plaintext.pan, plaintext.exp_month, plaintext.exp_year);
    let activation = activation::verify(
        issuer_keys,
        &plaintext.activation,
        activation::Bound::Sid(expected.sid),
        expected.wallet,
        &card_digest,
        now,
    )
    .map_err(|_| Rejected)?;
    Ok(Accepted {
        nonce: plaintext.nonce.clone(),
        card: activation.card,
        display: CardDisplay {
            last4: plaintext.last4.clone(),
            network: plaintext.network.clone(),
            product: plaintext.product.clone(),
            art: plaintext.art.clone().filter(|a| is_http_url(a)),
        },
        cid: plaintext.cid.clone().filter(|c| ids::is_token_like(c, 64)),
    })
}

/// The Luhn checksum (ISO/IEC 7812-1 Annex B) over a string of digits.
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let d = u32::from(b - b'0');
        sum += if i % 2 == 1 {
            if d * 2 > 9 {
                d * 2 - 9
            } else {
                d * 2
            }
        } else {
            d
        };
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// The plaintext: the issuer's payload plus `iat`, `nonce`, `cid` (and `exp` in redirect
/// mode). Members the wallet does not read, such as `billing`, are skipped unparsed.
#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
struct Plaintext {
    pan: String,
    exp_month: u8,
    exp_year: u16,
    name: String,
    product: String,
    network: String,
    last4: String,
    #[serde(default)]
    art: Option<String>,
    activation: String,
    iat: i64,
    #[serde(default)]
    exp: Option<i64>,
    nonce: String,
    #[serde(default)]
    cid: Option<String>,
}

impl Plaintext {
    fn is_fresh(&self, mode: Mode, now: i64) -> bool {
        let iat_ok = (self.iat - now).abs() <= IAT_WINDOW;
        match mode {
            Mode::Popup => iat_ok,
            Mode::Redirect => self.exp.is_some_and(|exp| {
                iat_ok && now < exp && exp > self.iat && exp - self.iat <= REDIRECT_LIFETIME
            }),
        }
    }

    fn is_well_formed(&self) -> bool {
        let pan = self.pan.as_bytes();
        let text_ok = |s: &str| !s.is_empty() && s.len() <= 100 && !s.chars().any(char::is_control);
        (12..=19).contains(&pan.len())
            && luhn_valid(&self.pan)
            && pan.ends_with(self.last4.as_bytes())
            && self.last4.len() == 4
            && (1..=12).contains(&self.exp_month)
            && (2000..=2100).contains(&self.exp_year)
            && text_ok(&self.name)
            && text_ok(&self.product)
            && text_ok(&self.network)
            && (16..=64).contains(&self.nonce.len())
            && ids::is_token_like(&self.nonce, 64)
    }
}

fn is_http_url(url: &str) -> bool {
    walletpush_server::urls::origin_of(url).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use getrandom::SysRng;
    use rand_core::UnwrapErr;
    use serde_json::{json, Value};
    use walletpush::jwe::{self, JweParams};
    use walletpush::jwk::{KeyUse, PrivateJwk};
    use walletpush_server::activation::ActivationClaims;
    use walletpush_server::signer::KeyRing;

    const ORIGIN: &str = "http://127.0.0.1:8081";
    const NOW: i64 = 1_800_000_000;

    struct Fixture {
        issuer: PrivateJwk,
        session_key: PrivateJwk,
    }

    impl Fixture {
        fn new() -> Fixture {
            Fixture {
                issuer: PrivateJwk::generate(&mut UnwrapErr(SysRng))
                    .with_meta("issuer-1", KeyUse::Sig),
                session_key: PrivateJwk::generate(&mut UnwrapErr(SysRng))
                    .with_meta("sk-1", KeyUse::Enc),
            }
        }

        fn issuer_keys(&self) -> KeySet {
            KeySet::new(vec![self.issuer.public().clone()])
        }

        fn plaintext(&self, sid: &str) -> Value {
            let signer = KeyRing::new(self.issuer.clone(), vec![]).unwrap();
            let activation = activation::mint(
                &signer,
                &ActivationClaims {
                    card: "gift-1".into(),
                    wallet: "sandbox".into(),
                    exp: NOW + 300,
                    card_digest: walletpush::binding::card_digest("4111111111111111", 12, 2030),
                    sid: Some(sid.into()),
                    state: None,
                },
            )
            .unwrap();
            json!({
                "pan": "4111111111111111", "exp_month": 12, "exp_year": 2030,
                "name": "A. Holder", "billing": {"country": "US"},
                "product": "Gift card", "network": "visa", "last4": "1111",
                "art": "http://127.0.0.1:8081/art/gift.svg", "activation": activation,
                "iat": NOW, "nonce": "bm9uY2Utbm9uY2Utbm9uY2U", "cid": "cid-1"
            })
        }

        fn encrypt(&self, plaintext: &Value, kid: &str, apu: &str, apv: &str) -> String {
            jwe::encrypt(
                self.session_key.public(),
                plaintext.to_string().as_bytes(),
                &JweParams {
                    kid: Some(kid),
                    apu: Some(apu.as_bytes()),
                    apv: Some(apv.as_bytes()),
                },
                &mut UnwrapErr(SysRng),
            )
            .unwrap()
        }

        fn check(&self, jwe: &str, mode: Mode, now: i64) -> Result<Accepted, Rejected> {
            let decrypted = jwe::decrypt(&self.session_key, jwe).map_err(|_| Rejected)?;
            let expected = Expected {
                kid: "sk-1",
                sid: "sid-1",
                client_origin: ORIGIN,
                wallet: "sandbox",
                mode,
            };
            check(&decrypted, &expected, &self.issuer_keys(), now)
        }
    }

    #[test]
    fn accepts_a_good_popup_credential_and_keeps_display_data_only() {
        let f = Fixture::new();
        let jwe = f.encrypt(&f.plaintext("sid-1"), "sk-1", ORIGIN, "sid-1");
        let accepted = f.check(&jwe, Mode::Popup, NOW + 5).unwrap();
        assert_eq!(accepted.card, "gift-1");
        assert_eq!(accepted.display.last4, "1111");
        assert_eq!(accepted.cid.as_deref(), Some("cid-1"));
        assert!(!format!("{accepted:?}").contains("4111111111111111"));
    }

    #[test]
    fn refuses_wrong_bindings() {
        let f = Fixture::new();
        let p = f.plaintext("sid-1");
        for (kid, apu, apv) in [
            ("sk-2", ORIGIN, "sid-1"),
            ("sk-1", "http://evil.example", "sid-1"),
            ("sk-1", ORIGIN, "sid-2"),
        ] {
            let jwe = f.encrypt(&p, kid, apu, apv);
            assert_eq!(
                f.check(&jwe, Mode::Popup, NOW),
                Err(Rejected),
                "{kid} {apu} {apv}"
            );
        }
        // The activation was made for another session.
        let jwe = f.encrypt(&f.plaintext("sid-2"), "sk-1", ORIGIN, "sid-1");
        assert_eq!(f.check(&jwe, Mode::Popup, NOW), Err(Rejected));
    }

    #[test]
    fn refuses_stale_or_malformed_plaintext() {
        let f = Fixture::new();
        let good = f.plaintext("sid-1");
        let jwe = f.encrypt(&good, "sk-1", ORIGIN, "sid-1");
        assert!(f.check(&jwe, Mode::Popup, NOW + IAT_WINDOW).is_ok());
        assert_eq!(
            f.check(&jwe, Mode::Popup, NOW + IAT_WINDOW + 1),
            Err(Rejected)
        );
        assert_eq!(
            f.check(&jwe, Mode::Popup, NOW - IAT_WINDOW - 1),
            Err(Rejected)
        );
        let broken: [(&str, Value); 5] = [
            ("pan", json!("4111111111111112")),
            ("last4", json!("2222")),
            ("exp_month", json!(13)),
            ("nonce", json!("short")),
            ("activation", json!("x.y.z")),
        ];
        for (field, value) in broken {
            let mut p = good.clone();
            p[field] = value;
            let jwe = f.encrypt(&p, "sk-1", ORIGIN, "sid-1");
            assert_eq!(f.check(&jwe, Mode::Popup, NOW), Err(Rejected), "{field}");
        }
    }

    #[test]
    fn redirect_mode_requires_a_short_exp() {
        let f = Fixture::new();
        let mut p = f.plaintext("sid-1");
        let jwe = f.encrypt(&p, "sk-1", ORIGIN, "sid-1");
        assert_eq!(f.check(&jwe, Mode::Redirect, NOW), Err(Rejected), "no exp");
        p["exp"] = json!(NOW + 300);
        let jwe = f.encrypt(&p, "sk-1", ORIGIN, "sid-1");
        assert!(f.check(&jwe, Mode::Redirect, NOW + 10).is_ok());
        p["exp"] = json!(NOW + 301);
        let jwe = f.encrypt(&p, "sk-1", ORIGIN, "sid-1");
        assert_eq!(
            f.check(&jwe, Mode::Redirect, NOW),
            Err(Rejected),
            "too long"
        );
        p["exp"] = json!(NOW + 60);
        let jwe = f.encrypt(&p, "sk-1", ORIGIN, "sid-1");
        assert_eq!(
            f.check(&jwe, Mode::Redirect, NOW + 60),
            Err(Rejected),
            "expired"
        );
    }

    #[test]
    fn luhn() {
        assert!(luhn_valid("4111111111111111"));
        assert!(luhn_valid("5555555555554444"));
        assert!(!luhn_valid("4111111111111112"));
        assert!(!luhn_valid(""));
        assert!(!luhn_valid("41x1"));
    }
}

//! The wallet's checks of a decrypted credential (docs/design.md §3 step 6, and redirect mode):
//! header binding (`kid`, `apv` = sid or state, `apu` = client origin), freshness (`iat`, and
//! `exp` in redirect mode), the shape of the card data, and the issuer's activation token
//! ([`verify_activation`]): signed by the issuer, for this wallet, this session's `sid` (or the
//! redirect's `state`), and this card (`card_digest`). The replay checks (session id, nonce)
//! need the store and are the caller's.
//!
//! Every refusal is the same opaque [`Rejected`]: the page learns `WALLET_REJECTED`, never
//! which check failed. Card data stays in zeroized buffers and never leaves this module: what
//! comes out is display data and the references the vault keeps.

use serde::Deserialize;
use walletpush::handle::CardDisplay;
use walletpush::jwe::Decrypted;
use walletpush::jwk::KeySet;
use walletpush::{binding, jws};
use zeroize::{Zeroize, ZeroizeOnDrop};

use walletpush_server::ids;

use super::result::Attempt;

/// The JWS `typ` of the issuer's activation token.
pub const ACTIVATION_TYP: &str = "walletpush-activation+jwt";

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
    /// The attempt: popup's session id or redirect's state (`apv`, and the activation's
    /// `sid` or `state`).
    pub attempt: &'a Attempt,
    /// The widget origin (`apu`).
    pub client_origin: &'a str,
    /// The wallet's id (the activation's `wallet`).
    pub wallet: &'a str,
}

impl Expected<'_> {
    fn mode(&self) -> Mode {
        match self.attempt {
            Attempt::Sid(_) => Mode::Popup,
            Attempt::State(_) => Mode::Redirect,
        }
    }

    fn apv(&self) -> &str {
        match self.attempt {
            Attempt::Sid(v) | Attempt::State(v) => v,
        }
    }
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
        && decrypted.header_bytes("apv").as_deref() == Some(expected.apv().as_bytes())
        && decrypted.header_bytes("apu").as_deref() == Some(expected.client_origin.as_bytes());
    if !bound {
        return Err(Rejected);
    }
    let plaintext: Plaintext =
        serde_json::from_slice(&decrypted.plaintext).map_err(|_| Rejected)?;
    if !plaintext.is_fresh(expected.mode(), now) || !plaintext.is_well_formed() {
        return Err(Rejected);
    }
    let digest = binding::card_digest(&plaintext.pan, plaintext.exp_month, plaintext.exp_year);
    let card = verify_activation(issuer_keys, &plaintext.activation, expected, &digest, now)?;
    Ok(Accepted {
        nonce: plaintext.nonce.clone(),
        card,
        display: CardDisplay {
            last4: plaintext.last4.clone(),
            network: plaintext.network.clone(),
            product: plaintext.product.clone(),
            art: plaintext.art.clone().filter(|a| is_http_url(a)),
        },
        cid: plaintext.cid.clone().filter(|c| ids::is_token_like(c, 64)),
    })
}

/// The activation token's claims as the wallet reads them.
#[derive(Deserialize)]
struct Activation {
    card: String,
    wallet: String,
    exp: i64,
    card_digest: String,
    #[serde(default)]
    sid: Option<String>,
    #[serde(default)]
    state: Option<String>,
}

/// Verifies the issuer's activation token (docs/design.md §3 step 4): an ES256 JWS by an issuer
/// key, `typ: walletpush-activation+jwt`, not expired, for `expected.wallet`, naming this
/// attempt (`sid` in popup mode, `state` in redirect mode, never both), and approving the card
/// whose `card_digest` is `digest`. Returns the issuer's card reference.
pub fn verify_activation(
    issuer_keys: &KeySet,
    token: &str,
    expected: &Expected<'_>,
    digest: &str,
    now: i64,
) -> Result<String, Rejected> {
    let verified = jws::verify(issuer_keys, token, now).map_err(|_| Rejected)?;
    if verified.header.get("typ").and_then(|t| t.as_str()) != Some(ACTIVATION_TYP) {
        return Err(Rejected);
    }
    let claims: Activation = serde_json::from_slice(&verified.payload).map_err(|_| Rejected)?;
    let names_attempt = match expected.attempt {
        Attempt::Sid(sid) => claims.sid.as_deref() == Some(sid) && claims.state.is_none(),
        Attempt::State(state) => claims.state.as_deref() == Some(state) && claims.sid.is_none(),
    };
    let valid = names_attempt
        && !claims.card.is_empty()
        && claims.wallet == expected.wallet
        && now < claims.exp
        && claims.card_digest == digest;
    if valid {
        Ok(claims.card)
    } else {
        Err(Rejected)
    }
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
/// mode). Members the wallet does not read, such as `billing`, are skipped unparsed; `name`
/// comes only when the wallet's configuration asks for it.
#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
struct Plaintext {
    pan: String,
    exp_month: u8,
    exp_year: u16,
    #[serde(default)]
    name: Option<String>,
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
            && self.name.as_deref().is_none_or(text_ok)
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

    const ORIGIN: &str = "http://walletpush.bank.localhost:8081";
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

        /// The issuer's activation for `attempt` and the card 4111111111111111, 12/2030.
        fn activation(&self, attempt: &Attempt) -> Value {
            let mut claims = json!({
                "card": "gift-1", "wallet": "sandbox", "exp": NOW + 300,
                "card_digest": binding::card_digest("4111111111111111", 12, 2030),
            });
            match attempt {
                Attempt::Sid(sid) => claims["sid"] = json!(sid),
                Attempt::State(state) => claims["state"] = json!(state),
            }
            claims
        }

        fn sign(&self, claims: &Value, typ: &str) -> String {
            jws::sign(&self.issuer, Some(typ), claims.to_string().as_bytes())
        }

        fn plaintext(&self, sid: &str) -> Value {
            self.plaintext_for(&Attempt::Sid(sid.into()))
        }

        fn plaintext_for(&self, attempt: &Attempt) -> Value {
            let activation = self.sign(&self.activation(attempt), ACTIVATION_TYP);
            json!({
                "pan": "4111111111111111", "exp_month": 12, "exp_year": 2030,
                "name": "A. Holder", "billing": {"country": "US"},
                "product": "Gift card", "network": "visa", "last4": "1111",
                "art": "http://walletpush.bank.localhost:8081/art/gift.svg", "activation": activation,
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
            let attempt = match mode {
                Mode::Popup => Attempt::Sid("sid-1".into()),
                Mode::Redirect => Attempt::State("sid-1".into()),
            };
            let decrypted = jwe::decrypt(&self.session_key, jwe).map_err(|_| Rejected)?;
            let expected = Expected {
                kid: "sk-1",
                attempt: &attempt,
                client_origin: ORIGIN,
                wallet: "sandbox",
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
    fn an_activation_approves_one_card_one_attempt_one_wallet() {
        let f = Fixture::new();
        let popup = Attempt::Sid("sid-1".into());
        // Another card's PAN and expiry under this card's activation.
        for (pan, last4, month, year) in [
            ("5555555555554444", "4444", 12, 2030),
            ("4111111111111111", "1111", 11, 2030),
            ("4111111111111111", "1111", 12, 2031),
        ] {
            let mut p = f.plaintext("sid-1");
            p["pan"] = json!(pan);
            p["last4"] = json!(last4);
            p["exp_month"] = json!(month);
            p["exp_year"] = json!(year);
            let jwe = f.encrypt(&p, "sk-1", ORIGIN, "sid-1");
            assert_eq!(
                f.check(&jwe, Mode::Popup, NOW),
                Err(Rejected),
                "{pan} {month}/{year}"
            );
        }
        let tampered: [(&str, Value); 6] = [
            ("wallet", json!("other-wallet")),
            ("exp", json!(NOW)),
            ("card", json!("")),
            (
                "card_digest",
                json!(binding::card_digest("5555555555554444", 12, 2030)),
            ),
            ("state", json!("sid-1")),
            ("sid", json!("sid-2")),
        ];
        for (claim, value) in tampered {
            let mut claims = f.activation(&popup);
            claims[claim] = value;
            let mut p = f.plaintext("sid-1");
            p["activation"] = json!(f.sign(&claims, ACTIVATION_TYP));
            let jwe = f.encrypt(&p, "sk-1", ORIGIN, "sid-1");
            assert_eq!(f.check(&jwe, Mode::Popup, NOW), Err(Rejected), "{claim}");
        }
        // Another typ, or another signer.
        let mut p = f.plaintext("sid-1");
        p["activation"] = json!(f.sign(&f.activation(&popup), "walletpush-handle+jwt"));
        let jwe = f.encrypt(&p, "sk-1", ORIGIN, "sid-1");
        assert_eq!(f.check(&jwe, Mode::Popup, NOW), Err(Rejected), "typ");
        let rogue = PrivateJwk::generate(&mut UnwrapErr(SysRng)).with_meta("issuer-1", KeyUse::Sig);
        let claims = f.activation(&popup).to_string();
        p["activation"] = json!(jws::sign(&rogue, Some(ACTIVATION_TYP), claims.as_bytes()));
        let jwe = f.encrypt(&p, "sk-1", ORIGIN, "sid-1");
        assert_eq!(f.check(&jwe, Mode::Popup, NOW), Err(Rejected), "signer");
        // A popup activation (sid) does not serve a redirect attempt with that value as state.
        let mut p = f.plaintext("sid-1");
        p["exp"] = json!(NOW + 300);
        let jwe = f.encrypt(&p, "sk-1", ORIGIN, "sid-1");
        assert_eq!(
            f.check(&jwe, Mode::Redirect, NOW),
            Err(Rejected),
            "sid for state"
        );
    }

    #[test]
    fn redirect_mode_requires_a_short_exp() {
        let f = Fixture::new();
        let mut p = f.plaintext_for(&Attempt::State("sid-1".into()));
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

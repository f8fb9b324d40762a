//! The green-path activation token (docs/design.md §3 step 4): an issuer ES256 JWS,
//! `typ: "walletpush-activation+jwt"`, over `{card, wallet, exp, card_digest}` and either `sid`
//! (popup mode: the wallet session it is for) or `state` (redirect mode: the attempt the frame
//! made). The issuer API mints it into the card payload; the wallet checks it against the
//! issuer's published keys, its own session or the JWE's `apv`, and `card_digest` against the
//! card it decrypted ([`walletpush::binding::card_digest`]), which binds the credential to this
//! session and this card without an OTP.

use serde::{Deserialize, Serialize};
use walletpush::jwk::KeySet;
use walletpush::{jws, Error, ErrorCode};

use crate::signer::Signer;

/// The JWS `typ` of an activation token.
pub const ACTIVATION_TYP: &str = "walletpush-activation+jwt";
/// How long an activation token is valid, in seconds.
pub const LIFETIME: i64 = 300;

/// The claims of an activation token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationClaims {
    /// The issuer's card reference.
    pub card: String,
    /// The wallet id.
    pub wallet: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Which card it approves: [`walletpush::binding::card_digest`] of its PAN and expiry.
    pub card_digest: String,
    /// The wallet session it is for (popup mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The attempt it is for (redirect mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// What an activation is bound to: exactly one of the two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound<'a> {
    /// Popup mode's wallet session id.
    Sid(&'a str),
    /// Redirect mode's `state`.
    State(&'a str),
}

impl Bound<'_> {
    /// The claims' `sid` and `state` for this binding.
    pub fn claims(self) -> (Option<String>, Option<String>) {
        match self {
            Bound::Sid(sid) => (Some(sid.to_owned()), None),
            Bound::State(state) => (None, Some(state.to_owned())),
        }
    }
}

/// The activation token was refused. Says nothing more, like every crypto check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused;

/// Signs an activation token: the issuer's side.
pub fn mint(signer: &dyn Signer, claims: &ActivationClaims) -> Result<String, Error> {
    let payload = serde_json::to_vec(claims)
        .map_err(|_| Error::new(ErrorCode::Internal, "could not serialise the activation"))?;
    signer.sign(ACTIVATION_TYP, &payload)
}

/// Verifies an activation token for `bound` (the wallet's session or the redirect's `state`),
/// wallet `wallet` and the card whose digest is `card_digest`, at `now`: the wallet's side.
/// Checks the signature against the issuer's keys, `typ`, that `sid`/`state` is exactly `bound`
/// (the other absent), `wallet`, `card_digest`, `exp` and that `card` is present.
pub fn verify(
    issuer_keys: &KeySet,
    token: &str,
    bound: Bound<'_>,
    wallet: &str,
    card_digest: &str,
    now: i64,
) -> Result<ActivationClaims, Refused> {
    let verified = jws::verify(issuer_keys, token, now).map_err(|_| Refused)?;
    if verified.header.get("typ").and_then(|t| t.as_str()) != Some(ACTIVATION_TYP) {
        return Err(Refused);
    }
    let claims: ActivationClaims =
        serde_json::from_slice(&verified.payload).map_err(|_| Refused)?;
    let valid = !claims.card.is_empty()
        && (claims.sid.clone(), claims.state.clone()) == bound.claims()
        && claims.wallet == wallet
        && claims.card_digest == card_digest
        && now < claims.exp;
    if valid {
        Ok(claims)
    } else {
        Err(Refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signer::KeyRing;
    use walletpush::binding::card_digest;
    use walletpush::jwk::{KeyUse, PrivateJwk};

    fn digest() -> String {
        card_digest("4111111111111111", 12, 2030)
    }

    fn claims() -> ActivationClaims {
        ActivationClaims {
            card: "gift-1".into(),
            wallet: "sandbox".into(),
            exp: 1300,
            card_digest: digest(),
            sid: Some("sid-1".into()),
            state: None,
        }
    }

    #[test]
    fn verifies_and_refuses_each_mismatch() {
        let key = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng))
            .with_meta("i1", KeyUse::Sig);
        let keys = KeySet::new(vec![key.public().clone()]);
        let ring = KeyRing::new(key.clone(), vec![]).unwrap();
        let token = mint(&ring, &claims()).unwrap();
        let sid = Bound::Sid("sid-1");
        let d = digest();
        assert_eq!(
            verify(&keys, &token, sid, "sandbox", &d, 1000),
            Ok(claims())
        );
        let refusals = [
            (Bound::Sid("sid-2"), "sandbox", d.clone(), 1000),
            (Bound::State("sid-1"), "sandbox", d.clone(), 1000),
            (sid, "google", d.clone(), 1000),
            (
                sid,
                "sandbox",
                card_digest("4111111111111111", 11, 2030),
                1000,
            ),
            (
                sid,
                "sandbox",
                card_digest("4012888888881881", 12, 2030),
                1000,
            ),
            (sid, "sandbox", d.clone(), 1300),
        ];
        for (bound, wallet, digest, now) in refusals {
            assert_eq!(
                verify(&keys, &token, bound, wallet, &digest, now),
                Err(Refused),
                "{bound:?} {wallet} {now}"
            );
        }
        let untyped = jws::sign(&key, None, &serde_json::to_vec(&claims()).unwrap());
        assert_eq!(
            verify(&keys, &untyped, sid, "sandbox", &d, 1000),
            Err(Refused)
        );
        let rogue = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng))
            .with_meta("i1", KeyUse::Sig);
        let forged = mint(&KeyRing::new(rogue, vec![]).unwrap(), &claims()).unwrap();
        assert_eq!(
            verify(&keys, &forged, sid, "sandbox", &d, 1000),
            Err(Refused)
        );
        let mut cardless = claims();
        cardless.card.clear();
        let cardless = mint(&ring, &cardless).unwrap();
        assert_eq!(
            verify(&keys, &cardless, sid, "sandbox", &d, 1000),
            Err(Refused)
        );
    }

    #[test]
    fn a_redirect_activation_names_its_state_and_nothing_else() {
        let key = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng))
            .with_meta("i1", KeyUse::Sig);
        let keys = KeySet::new(vec![key.public().clone()]);
        let ring = KeyRing::new(key, vec![]).unwrap();
        let (sid, state) = Bound::State("st-1").claims();
        let redirect = ActivationClaims {
            sid,
            state,
            ..claims()
        };
        let token = mint(&ring, &redirect).unwrap();
        let d = digest();
        assert!(verify(&keys, &token, Bound::State("st-1"), "sandbox", &d, 1000).is_ok());
        assert_eq!(
            verify(&keys, &token, Bound::Sid("st-1"), "sandbox", &d, 1000),
            Err(Refused)
        );
        // Both named: neither binding accepts it.
        let both = ActivationClaims {
            sid: Some("st-1".into()),
            state: Some("st-1".into()),
            ..claims()
        };
        let token = mint(&ring, &both).unwrap();
        for bound in [Bound::Sid("st-1"), Bound::State("st-1")] {
            assert_eq!(
                verify(&keys, &token, bound, "sandbox", &d, 1000),
                Err(Refused)
            );
        }
        let payload: serde_json::Value =
            serde_json::from_slice(&jws::peek(&mint(&ring, &redirect).unwrap()).unwrap().1)
                .unwrap();
        assert!(payload.get("sid").is_none() && payload["state"] == "st-1");
    }
}

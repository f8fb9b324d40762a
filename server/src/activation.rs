//! The green-path activation token (docs/design.md §3 step 4): an issuer ES256 JWS,
//! `typ: "walletpush-activation+jwt"`, over `{card, sid, wallet, exp}`. The issuer API mints it
//! into the credential payload; the wallet checks it against the issuer's published keys, which
//! binds the credential to this wallet session without an OTP.

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
    /// The wallet session the credential is for.
    pub sid: String,
    /// The wallet id.
    pub wallet: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
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

/// Verifies an activation token for session `sid` and wallet `wallet` at `now`: the wallet's
/// side. Checks the signature against the issuer's keys, `typ`, `sid`, `wallet`, `exp` and that
/// `card` is present.
pub fn verify(
    issuer_keys: &KeySet,
    token: &str,
    sid: &str,
    wallet: &str,
    now: i64,
) -> Result<ActivationClaims, Refused> {
    let verified = jws::verify(issuer_keys, token, now).map_err(|_| Refused)?;
    if verified.header.get("typ").and_then(|t| t.as_str()) != Some(ACTIVATION_TYP) {
        return Err(Refused);
    }
    let claims: ActivationClaims =
        serde_json::from_slice(&verified.payload).map_err(|_| Refused)?;
    let valid =
        !claims.card.is_empty() && claims.sid == sid && claims.wallet == wallet && now < claims.exp;
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
    use walletpush::jwk::{KeyUse, PrivateJwk};

    fn claims() -> ActivationClaims {
        ActivationClaims {
            card: "gift-1".into(),
            sid: "sid-1".into(),
            wallet: "sandbox".into(),
            exp: 1300,
        }
    }

    #[test]
    fn verifies_and_refuses_each_mismatch() {
        let key = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng))
            .with_meta("i1", KeyUse::Sig);
        let keys = KeySet::new(vec![key.public().clone()]);
        let ring = KeyRing::new(key.clone(), vec![]).unwrap();
        let token = mint(&ring, &claims()).unwrap();
        assert_eq!(
            verify(&keys, &token, "sid-1", "sandbox", 1000),
            Ok(claims())
        );
        assert_eq!(
            verify(&keys, &token, "sid-2", "sandbox", 1000),
            Err(Refused)
        );
        assert_eq!(verify(&keys, &token, "sid-1", "google", 1000), Err(Refused));
        assert_eq!(
            verify(&keys, &token, "sid-1", "sandbox", 1300),
            Err(Refused)
        );
        let untyped = jws::sign(&key, None, &serde_json::to_vec(&claims()).unwrap());
        assert_eq!(
            verify(&keys, &untyped, "sid-1", "sandbox", 1000),
            Err(Refused)
        );
        let rogue = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng))
            .with_meta("i1", KeyUse::Sig);
        let forged = mint(&KeyRing::new(rogue, vec![]).unwrap(), &claims()).unwrap();
        assert_eq!(
            verify(&keys, &forged, "sid-1", "sandbox", 1000),
            Err(Refused)
        );
        let mut cardless = claims();
        cardless.card.clear();
        let cardless = mint(&ring, &cardless).unwrap();
        assert_eq!(
            verify(&keys, &cardless, "sid-1", "sandbox", 1000),
            Err(Refused)
        );
    }
}

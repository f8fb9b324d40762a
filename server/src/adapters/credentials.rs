//! The issuer API's answers for the wallets reached through adapters (docs/design.md §4): what the
//! frame relays to Google Wallet, Apple Wallet or a Token Connect requestor. Real wallets want
//! credentials made on the issuer's (or its processor's) servers with keys they issue at
//! onboarding; until those are configured, the server answers with **stand-ins** of the same
//! shape, each an issuer ES256 JWS over claims that bind it to the card, the redeemed handle
//! (`hid`, the handle's `jti`), the wallet session where there is one, and the attempt's
//! correlation id. None carries card data. docs/wire.md lists the claims.

use serde::Serialize;
use serde_json::{json, Value};
use walletpush::handle::HandleClaims;
use walletpush::{b64, Error, ErrorCode};

use crate::ids;
use crate::signer::Signer;

/// How long a stand-in credential is valid, in seconds (Apple's JWS and Google's OPC are
/// short-lived too).
pub const LIFETIME: i64 = 300;

/// What every stand-in is bound to.
#[derive(Clone, Copy, Debug)]
pub struct Binding<'a> {
    /// The issuer id (`iss`).
    pub issuer: &'a str,
    /// The redeemed handle (its `card` and `jti`).
    pub handle: &'a HandleClaims,
    /// The attempt's correlation id, when the request carried a well-formed one.
    pub cid: Option<&'a str>,
    /// Seconds since the epoch.
    pub now: i64,
}

/// The Google Wallet session that `onSessionCreated` reported to the frame, with its final
/// settings: Google forces `tokenSetting` to 0 when the user has no Android device that
/// supports tokenized payments, and then reports no device or wallet (Google's sample
/// `littlebear-web-push-provisioning`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoogleSession {
    /// `serverSessionId`.
    pub server_session_id: String,
    /// `publicDeviceId` and `publicWalletId`: present exactly when `tokenSetting` is 1, for the
    /// TSP's OPC (a device token in that wallet).
    pub device: Option<GoogleDevice>,
    /// `cardSetting` 1: Google's OPC, to save the card to the user's Google account.
    pub save_card: bool,
}

/// The device and wallet a token goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoogleDevice {
    /// `publicDeviceId`.
    pub public_device_id: String,
    /// `publicWalletId`.
    pub public_wallet_id: String,
}

/// `{google_opc, tsp_opc}`, each only when the session's final settings ask for it: Google's
/// opaque payment card (cardSetting 1: to save the card to the Google account) and the TSP's
/// (tokenSetting 1: to tokenize it on the device), as processors return them (Lithic's
/// `google_opc`/`tsp_opc`). Real ones are encrypted by the
/// issuer's processor to Google's and the network's keys; these stand-ins are base64url of an
/// issuer JWS (`typ: walletpush-google-opc+jwt`), opaque to the widget.
pub fn google(key: &dyn Signer, b: Binding<'_>, session: &GoogleSession) -> Result<Value, Error> {
    let opc = |target: &str| -> Result<String, Error> {
        let claims = json!({
            "iss": b.issuer,
            "target": target,
            "card": b.handle.card,
            "hid": b.handle.jti,
            "server_session_id": session.server_session_id,
            "public_device_id": session.device.as_ref().map(|d| &d.public_device_id),
            "public_wallet_id": session.device.as_ref().map(|d| &d.public_wallet_id),
            "cid": b.cid,
            "iat": b.now,
            "exp": b.now + LIFETIME,
        });
        Ok(b64::encode(
            sign(key, "walletpush-google-opc+jwt", &claims)?.as_bytes(),
        ))
    };
    let mut answer = serde_json::Map::new();
    if session.save_card {
        answer.insert("google_opc".to_owned(), Value::String(opc("google")?));
    }
    if session.device.is_some() {
        answer.insert("tsp_opc".to_owned(), Value::String(opc("tsp")?));
    }
    Ok(Value::Object(answer))
}

/// The content type of Apple's provisioning JWS, as processors publish it.
pub const APPLE_CTY: &str = "application/credential;charset=utf-8";

/// `{jws, state}` for Apple's `jwsResolver`: an ES256 JWS in the flattened JSON serialization
/// (RFC 7515 §7.2.2) with the claims issuers' processors publish for Apple's web provisioning
/// (`iss`, `sub: "provisioningTarget"`, `aud: "Apple"`, `iat`, `exp`, `jti`; Apple's own
/// specification is not public), plus the binding claims. `state` is a fresh id that Apple
/// echoes back and that the JWS carries, which binds the JWS to this one wallet session.
pub fn apple(key: &dyn Signer, b: Binding<'_>) -> Result<Value, Error> {
    let state = ids::random("st-");
    let claims = json!({
        "iss": b.issuer,
        "sub": "provisioningTarget",
        "aud": "Apple",
        "jti": ids::random("a-"),
        "state": state,
        "card": b.handle.card,
        "hid": b.handle.jti,
        "cid": b.cid,
        "iat": b.now,
        "exp": b.now + LIFETIME,
    });
    let payload = serde_json::to_vec(&claims)
        .map_err(|_| Error::new(ErrorCode::Internal, "could not serialise a credential"))?;
    // The header processors publish for it: `typ: JOSE+JSON`, `cty:
    // application/credential;charset=utf-8`.
    let compact = key.sign_with_cty("JOSE+JSON", APPLE_CTY, &payload)?;
    let mut parts = compact.splitn(3, '.');
    let (Some(protected), Some(payload), Some(signature)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::new(ErrorCode::Internal, "malformed JWS"));
    };
    Ok(json!({
        "jws": {
            "protected": protected,
            "header": { "kid": key.kid() },
            "payload": payload,
            "signature": signature,
        },
        "state": state,
    }))
}

/// How long a push account receipt is valid, in seconds: MDES's default, 15 minutes (MDES Token
/// Connect release notes, February 2023; an issuer may ask MDES for another validity).
pub const RECEIPT_LIFETIME: i64 = 15 * 60;

/// `{receipt, signature, uri, callback_url}` for Token Connect, shaped as an issuer gets it from
/// MDES `pushMultipleAccounts`: the push account receipt the requestor redeems with MDES (a
/// stand-in: an issuer JWS, `typ: walletpush-push-receipt+jwt`, over the card, handle,
/// requestor and correlation id, valid [`RECEIPT_LIFETIME`]), MDES's signature over the pushed
/// receipts that requestors check and that must reach them unaltered (a stand-in: an issuer
/// JWS, `typ: walletpush-mdes-signature+jwt`, over the receipts and the requestor), the
/// requestor's page, and the page it returns to.
pub fn token_connect(
    key: &dyn Signer,
    b: Binding<'_>,
    token_requestor: &str,
    requestor_url: &str,
    callback_url: &str,
) -> Result<Value, Error> {
    let claims = json!({
        "iss": b.issuer,
        "card": b.handle.card,
        "hid": b.handle.jti,
        "token_requestor": token_requestor,
        // The requestor shows it, as it would the token's PAN suffix from MDES.
        "last4": b.handle.display.last4,
        "cid": b.cid,
        "iat": b.now,
        "exp": b.now + RECEIPT_LIFETIME,
    });
    let receipt = sign(key, "walletpush-push-receipt+jwt", &claims)?;
    let signed = json!({
        "iss": b.issuer,
        "pushAccountReceipts": [receipt],
        "token_requestor": token_requestor,
        "iat": b.now,
    });
    Ok(json!({
        "signature": sign(key, "walletpush-mdes-signature+jwt", &signed)?,
        "receipt": receipt,
        "uri": requestor_url,
        "callback_url": callback_url,
    }))
}

fn sign(key: &dyn Signer, typ: &str, claims: &impl Serialize) -> Result<String, Error> {
    let payload = serde_json::to_vec(claims)
        .map_err(|_| Error::new(ErrorCode::Internal, "could not serialise a credential"))?;
    key.sign(typ, &payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signer::KeyRing;
    use walletpush::handle::CardDisplay;
    use walletpush::jwk::{KeySet, KeyUse, PrivateJwk};
    use walletpush::jws;

    const ISSUER_ID: &str = "sandbox-bank";

    fn handle() -> HandleClaims {
        HandleClaims {
            iss: ISSUER_ID.into(),
            sub: "gift-demo".into(),
            card: "gift-1".into(),
            aud: "http://127.0.0.1:8081".into(),
            iat: 1000,
            nbf: None,
            exp: 1300,
            jti: "h-1".into(),
            wallets: vec!["google".into()],
            display: CardDisplay {
                last4: "1111".into(),
                network: "visa".into(),
                product: "Gift card".into(),
                art: None,
            },
            bnd: walletpush::binding::bnd(&[1; walletpush::binding::SECRET_LEN]),
        }
    }

    fn key() -> KeyRing {
        let key = PrivateJwk::generate(&mut rand_core::UnwrapErr(getrandom::SysRng))
            .with_meta("i1", KeyUse::Sig);
        KeyRing::new(key, vec![]).unwrap()
    }

    fn claims_of(keys: &KeySet, compact: &str) -> Value {
        let verified = jws::verify(keys, compact, 1000).unwrap();
        serde_json::from_slice(&verified.payload).unwrap()
    }

    #[test]
    fn google_opcs_are_bound_to_the_session_and_handle() {
        let key = key();
        let keys = key.public_keys().clone();
        let h = handle();
        let session = GoogleSession {
            server_session_id: "s1".into(),
            device: Some(GoogleDevice {
                public_device_id: "d1".into(),
                public_wallet_id: "w1".into(),
            }),
            save_card: true,
        };
        let b = Binding {
            issuer: ISSUER_ID,
            handle: &h,
            cid: Some("c1"),
            now: 1000,
        };
        let answer = google(&key, b, &session).unwrap();
        for (field, target) in [("google_opc", "google"), ("tsp_opc", "tsp")] {
            let compact =
                String::from_utf8(b64::decode(answer[field].as_str().unwrap()).unwrap()).unwrap();
            let claims = claims_of(&keys, &compact);
            assert_eq!(claims["target"], target);
            assert_eq!(claims["server_session_id"], "s1");
            assert_eq!(claims["public_wallet_id"], "w1");
            assert_eq!(claims["hid"], "h-1");
            assert_eq!(claims["cid"], "c1");
        }
    }

    #[test]
    fn google_without_a_device_gets_only_googles_opc() {
        let key = key();
        let keys = key.public_keys().clone();
        let h = handle();
        let session = GoogleSession {
            server_session_id: "s1".into(),
            device: None,
            save_card: true,
        };
        let b = Binding {
            issuer: ISSUER_ID,
            handle: &h,
            cid: None,
            now: 1000,
        };
        let answer = google(&key, b, &session).unwrap();
        assert_eq!(answer.as_object().unwrap().len(), 1, "no tsp_opc");
        let compact =
            String::from_utf8(b64::decode(answer["google_opc"].as_str().unwrap()).unwrap())
                .unwrap();
        let claims = claims_of(&keys, &compact);
        assert_eq!(claims["target"], "google");
        assert_eq!(claims["public_device_id"], Value::Null);
    }

    #[test]
    fn apple_jws_is_flattened_and_carries_the_state() {
        let key = key();
        let keys = key.public_keys().clone();
        let h = handle();
        let answer = apple(
            &key,
            Binding {
                issuer: ISSUER_ID,
                handle: &h,
                cid: None,
                now: 1000,
            },
        )
        .unwrap();
        let jws = &answer["jws"];
        assert_eq!(jws["header"]["kid"], "i1");
        let compact = format!(
            "{}.{}.{}",
            jws["protected"].as_str().unwrap(),
            jws["payload"].as_str().unwrap(),
            jws["signature"].as_str().unwrap()
        );
        let verified = jws::verify(&keys, &compact, 1000).unwrap();
        assert_eq!(
            verified.header.get("typ").and_then(|v| v.as_str()),
            Some("JOSE+JSON")
        );
        assert_eq!(
            verified.header.get("cty").and_then(|v| v.as_str()),
            Some(APPLE_CTY)
        );
        let claims = claims_of(&keys, &compact);
        assert_eq!(claims["aud"], "Apple");
        assert_eq!(claims["sub"], "provisioningTarget");
        assert_eq!(claims["state"], answer["state"]);
        assert_eq!(claims["exp"], 1300);
    }

    #[test]
    fn token_connect_receipt_names_the_requestor() {
        let key = key();
        let keys = key.public_keys().clone();
        let h = handle();
        let b = Binding {
            issuer: ISSUER_ID,
            handle: &h,
            cid: Some("c1"),
            now: 1000,
        };
        let answer = token_connect(
            &key,
            b,
            "trid-1",
            "http://r.example/push",
            "http://h.example/gift",
        )
        .unwrap();
        let claims = claims_of(&keys, answer["receipt"].as_str().unwrap());
        assert_eq!(claims["token_requestor"], "trid-1");
        assert_eq!(claims["card"], "gift-1");
        assert_eq!(claims["exp"], 1000 + RECEIPT_LIFETIME);
        let signed = claims_of(&keys, answer["signature"].as_str().unwrap());
        assert_eq!(signed["pushAccountReceipts"][0], answer["receipt"]);
        assert_eq!(signed["token_requestor"], "trid-1");
        assert_eq!(answer["uri"], "http://r.example/push");
        assert_eq!(answer["callback_url"], "http://h.example/gift");
    }
}

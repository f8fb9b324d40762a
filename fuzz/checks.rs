//! What each fuzz target checks, for every input: no panic, and the invariants of its parser.
//!
//! One function per parser or decoder of the core. The fuzz targets (`fuzz/fuzz_targets/`) call
//! them through this crate, and `tests/fuzz_corpus.rs` includes this same file to replay the
//! committed corpus (`fuzz/corpus/<target>/`) natively, on stable, in `cargo test`. A check
//! panics (an `assert!`) exactly when an invariant fails; a refused input is not a failure.
//!
//! Inputs of the targets that sign or encrypt start with a mode byte: even, the rest is a token
//! as it arrives (any text); odd, the rest is a payload that the check signs or encrypts with a
//! fixed key, so that the fuzzer reaches what lies behind a valid signature (claims, lifetimes).
// A failed check is a crash report: unwrap and expect say which invariant broke.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![forbid(unsafe_code)]

use std::sync::OnceLock;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use walletpush::error::Error;
use walletpush::error::ErrorCode;
use walletpush::flow::{Flow, Mode as FlowMode, Outcome, Proof, Step};
use walletpush::handle::{
    self, CardHandle, HandleClaims, CLOCK_SKEW, HANDLE_TYP, MAX_LIFETIME, MAX_TIME,
};
use walletpush::json;
use walletpush::jwe::{self, JweParams};
use walletpush::jwk::{KeySet, KeyUse, PrivateJwk, PublicJwk, UsePolicy};
use walletpush::payload;
use walletpush::result::{self, Answers, ResultClaims, Status};
use walletpush::session::{self, SessionClaims, SESSION_TYP};
use walletpush::wallet::{self, PinnedWallet, Pins, WalletDocument};
use walletpush::{b64, jws};

/// A target's check of one input.
pub type Check = fn(&[u8]);

/// Every target by name, as `npm run fuzz` and the corpus directories name them.
pub const TARGETS: &[(&str, Check)] = &[
    ("json", json),
    ("b64", b64),
    ("jwk", jwk),
    ("jws", jws),
    ("jwe", jwe),
    ("handle", handle),
    ("session", session),
    ("wallet", wallet),
    ("payload", payload),
    ("result", result),
    ("flow", flow),
];

/// The time the checks run at (seconds since the epoch), and the widget origin they are for.
pub const NOW: i64 = 1_700_000_000;
pub const ORIGIN: &str = "https://walletpush.bank.example";

// RFC 7518 Appendix C's two published example keys: Alice's signs (handles, sessions, JWSs),
// Bob's decrypts.
const SIGNER: &str = r#"{"kty":"EC","crv":"P-256","kid":"sig-1","use":"sig","alg":"ES256",
    "x":"gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0",
    "y":"SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps",
    "d":"0_NxaRPUMQoAJt50Gz8YiTr8gRTwyEaCumd-MToTmIo"}"#;
const RECIPIENT: &str = r#"{"kty":"EC","crv":"P-256","kid":"enc-1","use":"enc",
    "x":"weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ",
    "y":"e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck",
    "d":"VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw"}"#;

struct Keys {
    signer: PrivateJwk,
    recipient: PrivateJwk,
    verifiers: KeySet,
}

/// The keys, parsed once per process (a private key's check costs a scalar multiplication).
fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let signer = PrivateJwk::from_json(SIGNER).expect("the signing key");
        let recipient = PrivateJwk::from_json(RECIPIENT).expect("the decryption key");
        let verifiers = KeySet::new(vec![signer.public().clone()]);
        Keys {
            signer,
            recipient,
            verifiers,
        }
    })
}

/// The JSON parser against serde_json: both accept or both refuse, and what both accept means
/// the same; our text of a parsed value parses back to the same value.
///
/// serde_json is made as strict as the core with [`Strict`], which refuses duplicate member
/// names. Two limits are serde_json's own, not JSON's, and let the core accept what serde_json
/// refuses: its recursion limit (127 levels, the core's [`json::MAX_DEPTH`] is 128) and numbers
/// beyond an `f64` (`1e400`; the core keeps a number's text). One is the core's: objects of
/// more than [`json::MAX_MEMBERS`] members.
pub fn json(data: &[u8]) {
    let ours = json::parse(data);
    let theirs = serde_json::from_slice::<Strict>(data);
    match (&ours, &theirs) {
        (Ok(value), Ok(Strict(theirs))) => {
            let text = value.to_json();
            let again: serde_json::Value =
                serde_json::from_str(&text).expect("serde_json reads the core's output");
            assert_eq!(&again, theirs, "different meaning for {data:?}");
            assert_eq!(
                json::parse(text.as_bytes()).as_ref(),
                Ok(value),
                "round trip"
            );
        }
        (Err(_), Err(_)) => {}
        (Ok(value), Err(e)) => {
            let message = e.to_string();
            assert!(
                message.starts_with("recursion limit exceeded")
                    || message.starts_with("number out of range"),
                "the core accepts what serde_json refuses ({message}): {data:?}"
            );
            // Accepted text is still written back to itself.
            let text = value.to_json();
            assert_eq!(
                json::parse(text.as_bytes()).as_ref(),
                Ok(value),
                "round trip"
            );
        }
        // The core's own limit (json::MAX_MEMBERS), which serde_json does not have.
        (Err(_), Ok(Strict(theirs))) if most_members(theirs) > json::MAX_MEMBERS => {}
        (Err(_), Ok(_)) => panic!("the core refuses what serde_json accepts: {data:?}"),
    }
}

/// The most members of any object in `value`.
fn most_members(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::Array(items) => items.iter().map(most_members).max().unwrap_or(0),
        serde_json::Value::Object(members) => {
            let inner = members.values().map(most_members).max().unwrap_or(0);
            inner.max(members.len())
        }
        _ => 0,
    }
}

/// base64url: every byte string has one encoding that decodes back to it, and text decodes
/// exactly when it is that encoding (the alphabet, no padding, zero trailing bits).
pub fn b64(data: &[u8]) {
    let encoded = b64::encode(data);
    assert_eq!(encoded.len(), (data.len() * 4).div_ceil(3));
    assert_eq!(b64::decode(&encoded).as_deref(), Some(data));
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let decoded = b64::decode(text);
    assert_eq!(decoded.is_some(), canonical_b64(text), "{text:?}");
    if let Some(bytes) = &decoded {
        assert_eq!(b64::encode(bytes), text);
    }
    let exact = |n: usize| decoded.clone().filter(|d| d.len() == n);
    assert_eq!(b64::decode_array::<32>(text).map(Vec::from), exact(32));
    assert_eq!(b64::decode_array::<64>(text).map(Vec::from), exact(64));
}

/// Whether `text` is the unpadded base64url encoding of some bytes (RFC 4648 §5): written out
/// here as the reference the decoder is held to.
fn canonical_b64(text: &str) -> bool {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let digits: Option<Vec<u8>> = text
        .bytes()
        .map(|b| ALPHABET.iter().position(|&a| a == b).map(|d| d as u8))
        .collect();
    let Some(digits) = digits else {
        return false;
    };
    // The bits of the last digit that fall past the last whole byte must be zero.
    match (digits.len() % 4, digits.last()) {
        (1, _) => false,
        (2, Some(last)) => last & 0b1111 == 0,
        (3, Some(last)) => last & 0b11 == 0,
        _ => true,
    }
}

/// JWKs, public and private, and key sets: what parses is written back and parses to the same
/// key; a private key's public part is the public parse of the same text.
pub fn jwk(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let public = PublicJwk::from_json(text);
    if let Ok(key) = &public {
        assert_eq!(PublicJwk::from_json(&key.to_json()).as_ref(), Ok(key));
        for key_use in [KeyUse::Enc, KeyUse::Sig] {
            let required = key.check_for(key_use, UsePolicy::Required, NOW);
            let if_present = key.check_for(key_use, UsePolicy::IfPresent, NOW);
            // Requiring `use` refuses more, never less.
            assert!(required.is_err() || if_present.is_ok());
            if key.key_use().is_some() {
                assert_eq!(required, if_present);
            }
        }
    }
    if let Ok(private) = PrivateJwk::from_json(text) {
        assert_eq!(public.as_ref(), Ok(private.public()));
        let again = PrivateJwk::from_json(&private.to_json()).expect("a private key reads back");
        assert_eq!(again.public(), private.public());
    }
    if let Ok(set) = KeySet::from_json(text) {
        assert_eq!(KeySet::from_json(&set.to_json()), Ok(set));
    }
}

/// JWS: a token that verifies reads the same without verification, is ES256 without `crit`,
/// and was signed by the key it names; a payload signed here verifies to itself.
pub fn jws(data: &[u8]) {
    let keys = keys();
    match split_mode(data) {
        Mode::Token(text) => {
            if let Ok(verified) = jws::verify(&keys.verifiers, text, NOW) {
                let (header, payload) = jws::peek(text).expect("a verified JWS reads");
                assert_eq!((&header, &payload), (&verified.header, &verified.payload));
                assert_eq!(header.string("alg"), Ok("ES256"));
                assert!(!header.contains_key("crit"));
                assert!(jws::verify_with(keys.signer.public(), text).is_ok());
            }
        }
        Mode::Payload(payload) => {
            let token = jws::sign(&keys.signer, Some("fuzz+jwt"), payload);
            let verified = jws::verify(&keys.verifiers, &token, NOW).expect("our own signature");
            assert_eq!(verified.payload, payload);
            assert_eq!(verified.header.string("typ"), Ok("fuzz+jwt"));
        }
    }
}

/// JWE: what decrypts is `ECDH-ES` + `A256GCM` with a header that reads alone; what is
/// encrypted here decrypts to itself with its `kid`, `apu` and `apv`.
pub fn jwe(data: &[u8]) {
    let keys = keys();
    match split_mode(data) {
        Mode::Token(text) => {
            if let Ok(decrypted) = jwe::decrypt(&keys.recipient, text) {
                assert_eq!(jwe::peek_header(text).as_ref(), Ok(&decrypted.header));
                assert_eq!(decrypted.header.string("alg"), Ok("ECDH-ES"));
                assert_eq!(decrypted.header.string("enc"), Ok("A256GCM"));
            }
        }
        Mode::Payload(plaintext) => {
            // apv from the input, so that its encoding is fuzzed too.
            let apv = &plaintext[..plaintext.len().min(12)];
            let params = JweParams {
                kid: Some("enc-1"),
                apu: Some(ORIGIN.as_bytes()),
                apv: Some(apv),
            };
            let mut rng = TestRng::new(plaintext);
            let compact = jwe::encrypt(keys.recipient.public(), plaintext, &params, &mut rng)
                .expect("encryption to a valid key");
            let decrypted = jwe::decrypt(&keys.recipient, &compact).expect("our own JWE");
            assert_eq!(&decrypted.plaintext[..], plaintext);
            assert_eq!(decrypted.header.string("kid"), Ok("enc-1"));
            assert_eq!(
                decrypted.header_bytes("apu").as_deref(),
                Some(ORIGIN.as_bytes())
            );
            assert_eq!(decrypted.header_bytes("apv").as_deref(), Some(apv));
        }
    }
}

/// The card handle: what the widget reads unverified is what the claims say; what the issuer
/// API accepts keeps every rule of docs/design.md §2, computed here without overflow: times
/// from 1970 to 2^53 s, a lifetime in (0, 300] s, issued and valid no later than `now` + skew,
/// not expired, and for this origin.
pub fn handle(data: &[u8]) {
    let keys = keys();
    let (token, claims) = match split_mode(data) {
        Mode::Token(text) => (text.to_owned(), None),
        Mode::Payload(payload) => {
            let Ok(claims) = HandleClaims::from_json(payload) else {
                // Claims that do not read fail the same after a signature: the widget's
                // unverified read is checked, and signing (the costly part) is skipped.
                let unsigned = [&unsigned_token(HANDLE_TYP, payload)[..], ".AAAA"].concat();
                assert!(CardHandle::parse(&unsigned).is_err());
                return;
            };
            let again = claims.to_value().to_json();
            assert_eq!(
                HandleClaims::from_json(again.as_bytes()).as_ref(),
                Ok(&claims)
            );
            (
                jws::sign(&keys.signer, Some(HANDLE_TYP), payload),
                Some(claims),
            )
        }
    };
    let parsed = CardHandle::parse(&token);
    if let Ok(parsed) = &parsed {
        let last4 = &parsed.display().last4;
        assert!(last4.len() == 4 && last4.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(parsed.token(), token);
        if let Some(claims) = &claims {
            assert_eq!(parsed.claims(), claims);
        }
    }
    if let Ok(verified) = handle::verify(&keys.verifiers, &token, ORIGIN, NOW) {
        assert_eq!(parsed.as_ref().map(CardHandle::claims), Ok(&verified));
        let (iat, exp) = (i128::from(verified.iat), i128::from(verified.exp));
        let (now, skew) = (i128::from(NOW), i128::from(CLOCK_SKEW));
        let lifetime = exp - iat;
        assert!(
            0 < lifetime && lifetime <= MAX_LIFETIME.into(),
            "lifetime {lifetime}"
        );
        assert!(iat <= now + skew, "issued in the future");
        assert!(verified
            .nbf
            .map_or(true, |nbf| i128::from(nbf) <= now + skew));
        assert!(now < exp + skew, "expired");
        assert_eq!(verified.aud, ORIGIN);
        let times = [Some(verified.iat), verified.nbf, Some(verified.exp)];
        assert!(times
            .into_iter()
            .flatten()
            .all(|t| (0..=MAX_TIME).contains(&t)));
    }
}

/// The wallet's session token: what verifies is for this origin, unexpired, with a session id
/// and an encryption key usable now.
pub fn session(data: &[u8]) {
    let keys = keys();
    let token = match split_mode(data) {
        Mode::Token(text) => text.to_owned(),
        Mode::Payload(payload) => {
            // Claims that do not read fail the same after a signature: signing is skipped.
            let Ok(claims) = SessionClaims::from_json(payload) else {
                return;
            };
            let again = claims.to_value().to_json();
            assert_eq!(SessionClaims::from_json(again.as_bytes()), Ok(claims));
            jws::sign(&keys.signer, Some(SESSION_TYP), payload)
        }
    };
    if let Ok(session) = session::verify(&keys.verifiers, &token, ORIGIN, NOW) {
        assert!(NOW < session.exp && !session.sid.is_empty());
        assert!(session
            .key
            .check_for(KeyUse::Enc, UsePolicy::IfPresent, NOW)
            .is_ok());
        let kid = session
            .key
            .kid()
            .map_or_else(|| session.key.thumbprint(), str::to_owned);
        assert_eq!(session.kid, kid);
    }
}

/// The wallet's discovery document: what is accepted has both URLs on one `http(s)` origin and
/// keys that say their use; the wallet window's URL the flow builds from it starts with
/// `entry_url` and escapes what it appends. Also `origin_of` on the raw text.
pub fn wallet(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(origin) = wallet::origin_of(text) {
        assert!(origin.starts_with("http://") || origin.starts_with("https://"));
        assert!(text.to_ascii_lowercase().starts_with(&origin));
        let authority = origin.split_once("://").map(|(_, a)| a).unwrap_or_default();
        assert!(!authority.is_empty());
        assert!(!authority.contains(['@', '/', '?', '#']), "{origin}");
    }
    let Ok(document) = WalletDocument::from_json(text) else {
        return;
    };
    assert_eq!(
        wallet::origin_of(&document.entry_url),
        Some(document.origin.clone())
    );
    assert_eq!(
        wallet::origin_of(&document.provision_url),
        Some(document.origin.clone())
    );
    assert!(document.keys.keys().iter().all(|k| k.key_use().is_some()));
    if let Ok(key) = document.encryption_key(None, NOW) {
        assert!(key.check_for(KeyUse::Enc, UsePolicy::Required, NOW).is_ok());
    }
    // Pinned to its own origin and signing keys, the document is the flow's.
    let thumbprints = document
        .keys
        .keys()
        .iter()
        .filter(|k| k.key_use() == Some(KeyUse::Sig))
        .map(PublicJwk::thumbprint)
        .collect::<Vec<_>>();
    let Ok(pins) = Pins::new(&document.origin, &thumbprints.join(" ")) else {
        return;
    };
    let pinned = WalletDocument::pinned(text, &pins).expect("a document pinned as it is");
    assert_eq!(pinned.document(), &document);
    let mut flow = Flow::new(ORIGIN, "fuzz", pinned);
    let opened = flow
        .open("c i/d".to_owned(), "é&x")
        .expect("an idle flow opens");
    let query = opened
        .entry_url
        .strip_prefix(document.entry_url.as_str())
        .expect("the window opens at entry_url");
    assert!(query.starts_with(['?', '&']), "{query}");
    assert!(
        query[1..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~%&=".contains(&b)),
        "{query}"
    );
    assert!(
        flow.open("again".to_owned(), "en").is_none(),
        "one flow per click"
    );
}

/// The issuer's card payload: what is accepted has a PAN of 12 to 19 digits whose last four are
/// the summary, and seals into a plaintext that the core's parser and serde_json (the sandbox
/// wallet's) both read as the payload's members, then `iat`, `nonce`, `cid` and `exp`.
pub fn payload(data: &[u8]) {
    let Ok(summary) = payload::check(data) else {
        return;
    };
    let original = json::parse_object(data).expect("a checked payload");
    let pan = original.string("pan").expect("a PAN");
    assert!((12..=19).contains(&pan.len()) && pan.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(summary.last4, pan[pan.len() - 4..]);
    let nonce = [7u8; 16];
    let sealed = payload::seal(data, NOW, &nonce, "cid-\"1\"", Some(NOW + 300))
        .expect("a checked payload seals");
    let ours = json::parse_object(&sealed).expect("the wallet's parser reads the plaintext");
    // The payload's members in order, then the four the seal adds.
    let members: Vec<_> = ours.iter().collect();
    assert_eq!(members.len(), original.len() + 4);
    assert!(original
        .iter()
        .eq(members[..original.len()].iter().copied()));
    assert_eq!(ours.integer("iat"), Ok(NOW));
    assert_eq!(ours.integer("exp"), Ok(NOW + 300));
    assert_eq!(ours.string("cid"), Ok("cid-\"1\""));
    assert_eq!(
        ours.string("nonce").map(b64::decode),
        Ok(Some(nonce.to_vec()))
    );
    // serde_json, as the sandbox wallet reads the plaintext, where it reads the payload (it
    // refuses numbers beyond an f64).
    if let Ok(original) = serde_json::from_slice::<serde_json::Value>(data) {
        let mut theirs: serde_json::Value = serde_json::from_slice(&sealed).expect("serde_json");
        let theirs = theirs.as_object_mut().expect("an object");
        assert_eq!(theirs.remove("iat"), Some(NOW.into()));
        for added in ["nonce", "cid", "exp"] {
            theirs.remove(added);
        }
        assert_eq!(
            Some(&*theirs),
            original.as_object(),
            "the payload's own members"
        );
    }
}

/// The wallet's result (popup message or redirect fragment): raw tokens, or claims signed here
/// (mode byte). What verifies is fresh and names exactly one of `sid` and `state`; a success
/// outcome has a token reference and four digits; a code parses only from its own text; a
/// redirect result is taken only for a recorded attempt with its `state`.
pub fn result(data: &[u8]) {
    let keys = keys();
    let token = match split_mode(data) {
        Mode::Token(text) => {
            if let Some(code) = ErrorCode::parse(text) {
                assert_eq!(code.as_str(), text);
            }
            text.to_owned()
        }
        Mode::Payload(payload) => {
            let Ok(claims) = ResultClaims::from_json(payload) else {
                return;
            };
            let again = claims.to_value().to_json();
            assert_eq!(ResultClaims::from_json(again.as_bytes()), Ok(claims));
            jws::sign(&keys.signer, Some(result::RESULT_TYP), payload)
        }
    };
    let Some(claims) = result::verify(&keys.verifiers, &token, NOW) else {
        return;
    };
    let (_, payload) = jws::peek(&token).expect("a verified JWS");
    let read = ResultClaims::from_json(&payload).expect("verified claims read as claims");
    assert!((NOW - result::MAX_AGE..=NOW + result::MAX_AGE).contains(&read.iat));
    assert_eq!(read.outcome(), claims.outcome());
    assert_eq!(read.status, claims.status());
    let message = json::parse_object(&payload).expect("verified claims parse");
    assert!(message.contains_key("sid") != message.contains_key("state"));
    match claims.outcome() {
        Outcome::Added { token_ref, last4 } => {
            assert_eq!(claims.status(), Status::Success);
            assert_eq!(message.string("token_ref"), Ok(token_ref.as_str()));
            assert!(!token_ref.is_empty());
            assert!(last4.len() == 4 && last4.bytes().all(|b| b.is_ascii_digit()));
        }
        Outcome::Cancelled => assert_eq!(claims.status(), Status::Cancelled),
        Outcome::Failed(error) => assert_ne!(error.code(), ErrorCode::Internal),
    }
    let recorded = format!(r#"[{{"state":"state-1","cid":"cid-1","at":{}}}]"#, NOW - 10);
    let back = result::returned(pinned_wallet(), &token, &recorded, NOW);
    if let Some(back) = back {
        assert_eq!(read.answers, Answers::State("state-1".to_owned()));
        assert!(!matches!(claims.cid(), Some(cid) if cid != "cid-1"));
        assert_eq!(back.outcome, claims.outcome());
    }
}

/// One attempt's state machine driven by the frame's messages in any order: each input is a
/// list of operations (a byte, then for most a length byte and that many bytes): clicks in
/// popup and redirect mode, session tokens (raw, or valid ones signed here), issuer payloads
/// (raw, or a valid one; two sessions or payloads per input), wallet results (raw tokens, or a
/// wallet-signed success naming the attempt's session or another), failures and cancellations.
/// After each, the step is the one docs/design.md §3 allows; a success comes only after the
/// hand-off; a result that does not verify for the attempt changes nothing; a sealed JWE names
/// `apu` = the widget origin and `apv` = the session id or the redirect's `state`, and goes to
/// the wallet's origin (popup) or its `provision_url` (redirect).
pub fn flow(data: &[u8]) {
    const CARD: &[u8] = br#"{"pan":"4111111111111111","exp_month":12,"exp_year":2030,"name":"A","product":"Gift card","activation":"a.b.c"}"#;
    let keys = keys();
    let mut flow = Flow::new(ORIGIN, "fuzz", pinned_wallet().clone());
    let mut sid: Option<String> = None;
    let mut ops = data.iter().copied();
    // Signatures and encryptions are most of an execution's time: two per input, and the
    // operations after them that would need one are skipped.
    let mut crypto = 0;
    while let Some(op) = ops.next() {
        let before = flow.step();
        let cid_before = flow.cid().map(str::to_owned);
        let flow_mode = flow.mode();
        let chunk: Vec<u8> = match op % 10 {
            8 | 9 => Vec::new(),
            _ => {
                let len = ops.next().unwrap_or(0);
                ops.by_ref().take(usize::from(len)).collect()
            }
        };
        if matches!(op % 10, 2..=5) {
            if crypto == 2 {
                continue;
            }
            crypto += 1;
        }
        let text = String::from_utf8_lossy(&chunk).into_owned();
        let idle = matches!(before, Step::Idle | Step::Added);
        match op % 10 {
            0 => {
                let opened = flow.open(text.clone(), "en");
                assert_eq!(opened.is_some(), idle);
                if let Some(opened) = opened {
                    assert_eq!(opened.cid, text);
                    assert_eq!(flow.step(), Step::WalletOpened);
                    assert!(opened
                        .entry_url
                        .starts_with(&pinned_wallet().document().entry_url));
                    sid = None;
                }
            }
            1 => match flow.redirect(text.clone(), ["r-", &text].concat(), NOW) {
                Ok(Some(request)) => {
                    assert!(idle || before == Step::WalletOpened);
                    assert_eq!(flow.step(), Step::CredentialRequested);
                    assert_eq!(flow.mode(), Some(FlowMode::Redirect));
                    let Proof::State(state) = request.proof else {
                        panic!("a redirect asks with its state");
                    };
                    assert_eq!(state, ["r-", &text].concat());
                    sid = Some(state);
                }
                Ok(None) => assert!(!idle && before != Step::WalletOpened),
                Err(e) => panic!("the document has a valid static key: {e:?}"),
            },
            2 | 3 => {
                let token = if op % 10 == 2 {
                    text
                } else {
                    // A session valid but for what the chunk's first byte changes.
                    let flags = chunk.first().copied().unwrap_or(0);
                    let claims = SessionClaims {
                        sid: text.chars().skip(1).collect(),
                        epk: keys.recipient.public().to_value(),
                        aud: if flags & 1 == 0 { ORIGIN } else { "https://x" }.to_owned(),
                        exp: if flags & 2 == 0 { NOW + 600 } else { NOW },
                    };
                    session::issue(&keys.signer, &claims).expect("a session token")
                };
                match flow.session_ready(&token, NOW) {
                    Ok(request) => {
                        assert_eq!(before, Step::WalletOpened);
                        assert_eq!(flow.step(), Step::CredentialRequested);
                        assert_eq!(request.proof, Proof::Session(token.clone()));
                        // The session's sid, read without a second verification.
                        let (_, payload) = jws::peek(&token).expect("a verified session");
                        let claims = SessionClaims::from_json(&payload).expect("its claims");
                        assert!(!claims.sid.is_empty());
                        sid = Some(claims.sid);
                    }
                    Err(_) => assert!(flow.step() == Step::Idle || flow.step() == before),
                }
            }
            4 | 5 => {
                let body = if op % 10 == 4 { &chunk[..] } else { CARD };
                let mut rng = TestRng::new(data);
                match flow.seal(body, NOW, &mut rng) {
                    Ok(sealed) => {
                        assert_eq!(before, Step::CredentialRequested);
                        assert_eq!(flow.step(), Step::HandedOff);
                        // The header only: decrypting would cost a third of the time, and
                        // the jwe target holds encryption to its round trip.
                        let header = jwe::peek_header(&sealed.jwe).expect("our own JWE");
                        let part = |name| header.string(name).ok().and_then(b64::decode);
                        assert_eq!(part("apu").as_deref(), Some(ORIGIN.as_bytes()));
                        assert_eq!(part("apv").as_deref(), sid.as_deref().map(str::as_bytes));
                        let document = pinned_wallet().document();
                        let target = match flow_mode {
                            Some(FlowMode::Popup) => &document.origin,
                            _ => &document.provision_url,
                        };
                        assert_eq!(&sealed.target, target);
                        if op % 10 == 5 {
                            assert_eq!(sealed.last4, "1111");
                        }
                    }
                    Err(_) => assert!(flow.step() == Step::Idle || flow.step() == before),
                }
            }
            6 | 7 => {
                let token = if op % 10 == 6 {
                    text
                } else {
                    // A success signed by the wallet, for this attempt or (flags) another.
                    let flags = chunk.first().copied().unwrap_or(0);
                    let ours = sid.clone().unwrap_or_default();
                    let claims = ResultClaims {
                        status: Status::Success,
                        token_ref: Some("tok-1".to_owned()),
                        last4: Some("1111".to_owned()),
                        code: None,
                        answers: Answers::Sid(if flags & 1 == 0 {
                            ours
                        } else {
                            "another".to_owned()
                        }),
                        cid: cid_before.clone(),
                        iat: NOW,
                    };
                    result::issue(&keys.signer, &claims)
                };
                match flow.result(&token, NOW) {
                    Some(Outcome::Added { .. }) => {
                        assert_eq!(before, Step::HandedOff, "a success before the hand-off");
                        assert_eq!(flow_mode, Some(FlowMode::Popup));
                        assert_eq!(flow.step(), Step::Added);
                    }
                    Some(_) => {
                        assert!(!idle && flow_mode == Some(FlowMode::Popup));
                        assert_eq!(flow.step(), Step::Idle);
                    }
                    None => assert_eq!(flow.step(), before, "a dropped result changes nothing"),
                }
            }
            8 => {
                let _: Error = flow.fail(Error::new(ErrorCode::Timeout, "timeout"));
                assert_eq!(flow.step(), Step::Idle);
            }
            _ => {
                assert_eq!(flow.cancel(), Outcome::Cancelled);
                assert_eq!(flow.step(), Step::Idle);
            }
        }
        assert_eq!(
            flow.cid().is_some(),
            !matches!(flow.step(), Step::Idle | Step::Added)
        );
    }
}

/// A wallet document with the fixed keys, pinned: the decryption key as its static `enc` key,
/// the signing key for its sessions and results.
fn pinned_wallet() -> &'static PinnedWallet {
    static WALLET: OnceLock<PinnedWallet> = OnceLock::new();
    WALLET.get_or_init(|| {
        let keys = keys();
        let jwks = KeySet::new(vec![
            keys.signer.public().clone(),
            keys.recipient.public().clone().with_exp(NOW + 1000),
        ]);
        let mut document = json::Object::new();
        document.insert("protocol", "walletpush/1");
        document.insert("name", "Fuzz");
        document.insert("entry_url", "https://wallet.example/entry?x=1");
        document.insert("provision_url", "https://wallet.example/provision");
        document.insert("jwks", jwks.to_value());
        let pins = Pins::new("https://wallet.example", &keys.signer.public().thumbprint())
            .expect("the pins");
        WalletDocument::pinned(&document.to_json(), &pins).expect("the wallet document")
    })
}

/// The first two parts of a compact JWS of `payload` with header `{"alg":"ES256","typ":typ}`.
fn unsigned_token(typ: &str, payload: &[u8]) -> String {
    let mut header = json::Object::new();
    header.insert("alg", "ES256");
    header.insert("typ", typ);
    [
        b64::encode(header.to_json().as_bytes()),
        b64::encode(payload),
    ]
    .join(".")
}

/// How a signing or encrypting target reads its input (see the module's documentation).
enum Mode<'a> {
    Token(&'a str),
    Payload(&'a [u8]),
}

fn split_mode(data: &[u8]) -> Mode<'_> {
    match data.split_first() {
        Some((mode, rest)) if mode % 2 == 1 => Mode::Payload(rest),
        Some((_, rest)) => Mode::Token(std::str::from_utf8(rest).unwrap_or_default()),
        None => Mode::Token(""),
    }
}

/// serde_json's value, refusing duplicate member names as the core does (RFC 7515 §5.2).
struct Strict(serde_json::Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Strict, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Strict;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON")
    }

    fn visit_unit<E>(self) -> Result<Strict, E> {
        Ok(Strict(serde_json::Value::Null))
    }

    fn visit_bool<E>(self, b: bool) -> Result<Strict, E> {
        Ok(Strict(b.into()))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Strict, E> {
        Ok(Strict(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Strict, E> {
        Ok(Strict(n.into()))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Strict, E> {
        serde_json::Number::from_f64(n)
            .map(|n| Strict(n.into()))
            .ok_or_else(|| E::custom("number out of range"))
    }

    fn visit_str<E>(self, s: &str) -> Result<Strict, E> {
        Ok(Strict(s.into()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Strict(items.into()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
        let mut members = serde_json::Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let Strict(value) = map.next_value()?;
            if members.insert(name, value).is_some() {
                return Err(de::Error::custom("duplicate member name"));
            }
        }
        Ok(Strict(members.into()))
    }
}

/// Deterministic bytes for the encryption round trip: SHA-256 of the input and a counter, so
/// that a failing input fails again when replayed. A test device, not a generator of keys.
struct TestRng {
    seed: [u8; 32],
    counter: u64,
}

impl TestRng {
    fn new(input: &[u8]) -> TestRng {
        use sha2::Digest;
        TestRng {
            seed: sha2::Sha256::digest(input).into(),
            counter: 0,
        }
    }
}

impl rand_core::TryRng for TestRng {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut bytes = [0u8; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut bytes = [0u8; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        use sha2::Digest;
        for chunk in dst.chunks_mut(32) {
            let mut hasher = sha2::Sha256::new();
            hasher.update(self.seed);
            hasher.update(self.counter.to_le_bytes());
            self.counter += 1;
            let block = hasher.finalize();
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for TestRng {}

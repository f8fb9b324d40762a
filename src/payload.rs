//! The card payload: read from the issuer API's response bytes, sealed into the JWE plaintext.
//!
//! The payload never becomes a JS string and is parsed without copying its strings: the parsed
//! value borrows from the response buffer (only strings with escapes are copied, and wiped
//! after the check), and the plaintext is the response object with `iat`, `nonce` and `cid`
//! (and `exp` in redirect mode) spliced in before its closing brace (docs/design.md §3 step 5).
//! Every buffer that holds card data is zeroized on drop.

use alloc::{string::String, vec::Vec};
use zeroize::Zeroizing;

use crate::b64;
use crate::error::{Error, ErrorCode};
use crate::json::{self, JsonError, Object};

/// What the widget may learn from a payload: nothing but display data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayloadSummary {
    /// The last four digits of the PAN.
    pub last4: String,
}

/// The members a payload must have, borrowed from the parsed response.
struct PayloadView<'a> {
    pan: &'a str,
    exp_month: i64,
    exp_year: i64,
    name: Option<&'a str>,
    activation: &'a str,
    product: &'a str,
}

impl<'a> PayloadView<'a> {
    fn read(object: &'a Object<'_>) -> Result<PayloadView<'a>, JsonError> {
        Ok(PayloadView {
            pan: object.string("pan")?,
            exp_month: object.integer("exp_month")?,
            exp_year: object.integer("exp_year")?,
            name: object.optional_string("name")?,
            activation: object.string("activation")?,
            product: object.string("product")?,
        })
    }
}

/// The members [`seal`] adds: a payload that has one already is refused, since the plaintext
/// would then name it twice, and a wallet might read the issuer's `exp` instead of the frame's
/// (the core's parser refuses such a plaintext; serde_json takes the last member).
const SEALED_MEMBERS: [&str; 4] = ["iat", "nonce", "cid", "exp"];

/// Checks an issuer payload and returns its summary. Refuses, with `ISSUER_REJECTED`, anything
/// that is not a JSON object with a PAN of 12 to 19 digits, a month 1–12, a year, a product and
/// an activation token, and none of the members that [`seal`] adds. The cardholder's name (and
/// billing address) come only for a wallet that asks for them (docs/design.md §3 step 4): when
/// `name` is there, it is a non-empty string.
pub fn check(payload: &[u8]) -> Result<PayloadSummary, Error> {
    let parsed = Zeroizing::new(json::parse(payload).map_err(|_| malformed())?);
    let object = parsed.as_object().ok_or_else(malformed)?;
    if SEALED_MEMBERS.iter().any(|name| object.contains_key(name)) {
        return Err(malformed());
    }
    let view = PayloadView::read(object).map_err(|_| malformed())?;
    let pan = view.pan.as_bytes();
    let digits_only = pan.iter().all(u8::is_ascii_digit);
    if !(12..=19).contains(&pan.len())
        || !digits_only
        || !(1..=12).contains(&view.exp_month)
        || !(2000..=i64::from(u16::MAX)).contains(&view.exp_year)
        || view.name.is_some_and(str::is_empty)
        || view.product.is_empty()
        || view.activation.split('.').count() != 3
    {
        return Err(malformed());
    }
    // ASCII digits, 12 or more, checked above.
    let last4 = pan
        .get(pan.len() - 4..)
        .unwrap_or_default()
        .iter()
        .copied()
        .map(char::from)
        .collect();
    Ok(PayloadSummary { last4 })
}

/// Builds the JWE plaintext: the payload object with `iat`, `nonce`, `cid` and, when given,
/// `exp` added. `payload` must have passed [`check`].
pub fn seal(
    payload: &[u8],
    iat: i64,
    nonce: &[u8; 16],
    cid: &str,
    exp: Option<i64>,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let body = trim_ascii(payload);
    let inner = body
        .strip_prefix(b"{")
        .and_then(|b| b.strip_suffix(b"}"))
        .ok_or_else(malformed)?;
    let mut extra = json::Object::new();
    extra.insert("iat", iat);
    extra.insert("nonce", b64::encode(nonce));
    extra.insert("cid", cid);
    if let Some(exp) = exp {
        extra.insert("exp", exp);
    }
    // `{"iat":...,"exp":...}` without its braces: the members to append.
    let extra = extra.to_json();
    let extra = extra
        .as_bytes()
        .get(1..extra.len() - 1)
        .ok_or_else(malformed)?;
    let mut out = Zeroizing::new(Vec::with_capacity(body.len() + extra.len() + 2));
    out.push(b'{');
    out.extend_from_slice(inner);
    if !trim_ascii(inner).is_empty() {
        out.push(b',');
    }
    out.extend_from_slice(extra);
    out.push(b'}');
    Ok(out)
}

fn trim_ascii(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    bytes.get(start..end).unwrap_or_default()
}

fn malformed() -> Error {
    Error::new(
        ErrorCode::IssuerRejected,
        "the issuer API answered with a malformed card payload",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const GOOD: &[u8] = br#" {"pan":"4111111111111111","exp_month":12,"exp_year":2030,"name":"A. Holder","product":"Gift card","activation":"a.b.c","billing":{"city":"X"}} "#;

    #[test]
    fn checks_and_seals() {
        assert_eq!(check(GOOD).unwrap().last4, "1111");
        let sealed = seal(GOOD, 1000, &[0u8; 16], "c\"id", Some(1300)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&sealed).unwrap();
        assert_eq!(v["pan"], "4111111111111111");
        assert_eq!(v["iat"], 1000);
        assert_eq!(v["exp"], 1300);
        assert_eq!(v["cid"], "c\"id");
        assert_eq!(v["nonce"], "AAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(v["billing"]["city"], "X");
    }

    #[test]
    fn name_and_billing_are_optional_but_a_name_is_never_empty() {
        let bare = br#"{"pan":"4111111111111111","exp_month":12,"exp_year":2030,"product":"Gift card","activation":"a.b.c","network":"visa","last4":"1111"}"#;
        assert_eq!(check(bare).unwrap().last4, "1111");
        let empty = br#"{"pan":"4111111111111111","exp_month":12,"exp_year":2030,"name":"","product":"Gift card","activation":"a.b.c"}"#;
        assert_eq!(check(empty).unwrap_err().code(), ErrorCode::IssuerRejected);
        let number = br#"{"pan":"4111111111111111","exp_month":12,"exp_year":2030,"name":7,"product":"Gift card","activation":"a.b.c"}"#;
        assert_eq!(check(number).unwrap_err().code(), ErrorCode::IssuerRejected);
    }

    #[test]
    fn accepts_escaped_strings() {
        // serde's borrowed `&str` refused any escape: a name with a quote was "malformed".
        let escaped = br#"{"pan":"4111111111111111","exp_month":12,"exp_year":2030,"name":"A. \"Al\" O\u2019Holder","product":"Gift card","activation":"a.b.c"}"#;
        assert_eq!(check(escaped).unwrap().last4, "1111");
    }

    #[test]
    fn refuses_malformed_payloads() {
        let cases: &[&[u8]] = &[
            b"",
            b"[]",
            b"{}",
            br#"{"pan":"4111","exp_month":12,"exp_year":2030,"name":"A","product":"p","activation":"a.b.c"}"#,
            br#"{"pan":"41111111111111x1","exp_month":12,"exp_year":2030,"name":"A","product":"p","activation":"a.b.c"}"#,
            br#"{"pan":"4111111111111111","exp_month":13,"exp_year":2030,"name":"A","product":"p","activation":"a.b.c"}"#,
            br#"{"pan":"4111111111111111","exp_month":12,"exp_year":2030,"name":"A","product":"p","activation":"nope"}"#,
        ];
        for case in cases {
            assert_eq!(check(case).unwrap_err().code(), ErrorCode::IssuerRejected);
        }
        let err = check(cases[4]).unwrap_err();
        assert!(!err.message().contains("4111"));
    }

    /// A payload that already has a member the seal adds would seal into a plaintext with that
    /// member twice, which the core's parser refuses. Regression inputs:
    /// `fuzz/corpus/payload/regression-member-*`.
    #[test]
    fn refuses_members_the_seal_adds() {
        let good = core::str::from_utf8(GOOD).unwrap().trim();
        let inner = &good[1..good.len() - 1];
        for member in [r#""iat":1"#, r#""nonce":"x""#, r#""cid":"c""#, r#""exp":9"#] {
            let payload = ["{", member, ",", inner, "}"].concat();
            assert_eq!(
                check(payload.as_bytes()).unwrap_err().code(),
                ErrorCode::IssuerRejected,
                "{member}"
            );
        }
        let sealed = seal(GOOD, 1000, &[0u8; 16], "c", Some(1300)).unwrap();
        assert!(json::parse(&sealed).is_ok(), "each member once");
    }
}

//! Token Connect's return (docs/design.md §4): the token requestor sends the user back to the
//! issuer's callback URL with a `result` query parameter (MDES Token Connect release notes,
//! April 2022, which add `DUPLICATE_REQUEST`: "this card/account is already associated with
//! wallet/merchant"). The callback URL the issuer API gives is
//! `GET /walletpush/v1/token-connect/return?to=<host page>&wallet=<id>&cid=<cid>`; this endpoint
//! checks `to` against the host origins (no open redirect), turns `result` into the shim's
//! `#walletpush=` fragment (docs/wire.md) and answers 303 to the host page.
//!
//! Only `DUPLICATE_REQUEST` is public. Inferred: `SUCCESS`, `CANCELLED` (or `CANCEL`),
//! `DECLINED`, and `EXPIRED` for a receipt the requestor could no longer redeem. Any other or
//! absent result is an error outcome, never a success. The result is not authenticated, so a
//! success is `verified: false`: the issuer confirms it with MDES before relying on it.

use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{json, Value};

use crate::ids;
use crate::urls;

/// The path of the callback endpoint.
pub const PATH: &str = "/walletpush/v1/token-connect/return";

/// The callback URL for an attempt: on the widget origin, naming the host page to return to
/// (already checked against the host origins), the wallet id and the attempt's correlation id.
/// Nothing secret: the card stays on the issuer's side.
pub fn callback_url(widget_origin: &str, to: &str, wallet: &str, cid: Option<&str>) -> String {
    let mut url = format!(
        "{widget_origin}{PATH}?to={}&wallet={}",
        encode(to),
        encode(wallet)
    );
    if let Some(cid) = cid {
        url.push_str("&cid=");
        url.push_str(&encode(cid));
    }
    url
}

/// The fragment's JSON for the requestor's `result`.
pub fn outcome(result: Option<&str>, wallet: &str, cid: Option<&str>) -> Value {
    let mut out = match result {
        Some("SUCCESS") => json!({ "status": "success", "verified": false }),
        Some("CANCELLED" | "CANCEL") => json!({ "status": "cancelled" }),
        Some("EXPIRED") => json!({ "status": "error", "code": "WALLET_SESSION_INVALID" }),
        _ => json!({ "status": "error", "code": "WALLET_REJECTED" }),
    };
    if let Some(object) = out.as_object_mut() {
        object.insert("wallet".into(), Value::String(wallet.to_owned()));
        if let Some(cid) = cid {
            object.insert("cid".into(), Value::String(cid.to_owned()));
        }
        // The requestor's code, echoed only when it has the form of one, so that the page can
        // say what happened (`DUPLICATE_REQUEST`: the card is already there).
        let code = result.filter(|r| {
            !r.is_empty() && r.len() <= 40 && r.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
        });
        if let (Some(code), Some("error")) = (code, object["status"].as_str()) {
            object.insert("reason".into(), Value::String(code.to_owned()));
        }
    }
    out
}

/// Where to send the user: the host page with the fragment, or `None` when `to` is not a page
/// of a host origin or the wallet is not one of this deployment's Token Connect wallets.
pub fn location(
    hosts: &[impl AsRef<str>],
    is_wallet: impl Fn(&str) -> bool,
    to: &str,
    wallet: &str,
    cid: Option<&str>,
    result: Option<&str>,
) -> Option<String> {
    let page = urls::return_url(to, hosts)?;
    if !ids::is_token_like(wallet, 64) || !is_wallet(wallet) {
        return None;
    }
    let cid = cid.filter(|c| ids::is_token_like(c, 64));
    let fragment = outcome(result, wallet, cid).to_string();
    Some(format!(
        "{page}#walletpush={}",
        Base64UrlUnpadded::encode_string(fragment.as_bytes())
    ))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTS: &[&str] = &["http://127.0.0.1:8080"];

    fn decode(location: &str) -> Value {
        let (_, b64) = location.split_once("#walletpush=").unwrap();
        serde_json::from_slice(&Base64UrlUnpadded::decode_vec(b64).unwrap()).unwrap()
    }

    fn go(to: &str, wallet: &str, result: Option<&str>) -> Option<String> {
        location(
            HOSTS,
            |w| w == "token-connect",
            to,
            wallet,
            Some("c1"),
            result,
        )
    }

    #[test]
    fn callback_url_encodes_the_page() {
        assert_eq!(
            callback_url("https://w.example", "http://h.example/gift?a=1&b=2", "token-connect", Some("c1")),
            "https://w.example/walletpush/v1/token-connect/return?to=http%3A%2F%2Fh.example%2Fgift%3Fa%3D1%26b%3D2&wallet=token-connect&cid=c1"
        );
    }

    #[test]
    fn results_become_fragments() {
        let page = "http://127.0.0.1:8080/gift?x=1#old";
        let ok = go(page, "token-connect", Some("SUCCESS")).unwrap();
        assert!(ok.starts_with("http://127.0.0.1:8080/gift?x=1#walletpush="));
        assert_eq!(
            decode(&ok),
            json!({"status": "success", "verified": false, "wallet": "token-connect", "cid": "c1"})
        );
        let cancel = decode(&go(page, "token-connect", Some("CANCELLED")).unwrap());
        assert_eq!(cancel["status"], "cancelled");
        let duplicate = decode(&go(page, "token-connect", Some("DUPLICATE_REQUEST")).unwrap());
        assert_eq!(duplicate["status"], "error");
        assert_eq!(duplicate["code"], "WALLET_REJECTED");
        assert_eq!(duplicate["reason"], "DUPLICATE_REQUEST");
        let expired = decode(&go(page, "token-connect", Some("EXPIRED")).unwrap());
        assert_eq!(expired["code"], "WALLET_SESSION_INVALID");
        for odd in [None, Some(""), Some("success"), Some("<b>")] {
            let out = decode(&go(page, "token-connect", odd).unwrap());
            assert_eq!(out["status"], "error", "{odd:?}");
            assert_eq!(out["code"], "WALLET_REJECTED", "{odd:?}");
            assert!(out.get("reason").is_none(), "{odd:?}");
        }
    }

    #[test]
    fn refuses_foreign_pages_and_unknown_wallets() {
        for to in [
            "https://evil.example/",
            "http://127.0.0.1:8081/gift",
            "//evil.example/",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(go(to, "token-connect", Some("SUCCESS")), None, "{to}");
        }
        assert_eq!(
            go("http://127.0.0.1:8080/", "sandbox", Some("SUCCESS")),
            None
        );
        assert_eq!(go("http://127.0.0.1:8080/", "a b", Some("SUCCESS")), None);
        let no_cid = location(
            HOSTS,
            |_| true,
            "http://127.0.0.1:8080/",
            "token-connect",
            Some("a b"),
            None,
        )
        .unwrap();
        assert!(decode(&no_cid).get("cid").is_none());
    }
}

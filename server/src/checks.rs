//! The issuer API's checks of a request that need nothing but its headers (and the rate
//! limiters): the client's and the card's rates, where the request comes from (`Origin`,
//! `Sec-Fetch-Site`), and the binding cookie (docs/design.md §2). [`crate::issuer`] runs them in
//! the order of docs/wire.md.

use std::net::IpAddr;
use std::time::Instant;

use axum::http::{header, HeaderMap};
use walletpush::binding;
use walletpush::ErrorCode;

use crate::http::ApiError;
use crate::state::Limiters;

/// The client's rate: refused with `Retry-After` when its bucket is empty. Requests without a
/// known address (an embedding program's own calls) share one bucket.
pub fn limit_client(limiters: &Limiters, ip: Option<IpAddr>) -> Result<(), ApiError> {
    let Some(limiter) = &limiters.client else {
        return Ok(());
    };
    let key = ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    limiter.check(&key, Instant::now()).map_err(|wait| {
        ApiError::rate_limited(
            wait,
            "too many requests from this address: try again after Retry-After seconds",
        )
    })
}

/// The card's rate, counted once the handle and its binding cookie hold (so that a stolen
/// handle cannot use up its card's budget).
pub fn limit_card(limiters: &Limiters, card: &str) -> Result<(), ApiError> {
    let Some(limiter) = &limiters.card else {
        return Ok(());
    };
    limiter.check(card, Instant::now()).map_err(|wait| {
        ApiError::rate_limited(
            wait,
            "too many attempts for this card: try again after Retry-After seconds",
        )
    })
}

/// `Origin`: exactly one, exactly `expected` (`None`: no origin may call); `Sec-Fetch-Site`,
/// where sent: exactly `fetch_site` (`same-origin` from the widget origin, `same-site` from the
/// adapter origin).
pub fn caller(
    headers: &HeaderMap,
    expected: Option<&str>,
    fetch_site: &str,
) -> Result<(), ApiError> {
    let refuse = |message| ApiError::new(ErrorCode::OriginNotAllowed, message);
    let Some(expected) = expected else {
        return Err(refuse(
            "no adapter origin is configured: Google and Apple are called from the adapter \
             frame only",
        ));
    };
    let Some(origin) = single(headers, header::ORIGIN) else {
        return Err(refuse(
            "the request needs one Origin header: call the issuer API from the widget frame",
        ));
    };
    if origin != expected {
        return Err(refuse(
            "the request comes from an origin this wallet's flow does not run on",
        ));
    }
    let mut sites = headers.get_all("sec-fetch-site").iter();
    let site_ok = match (sites.next(), sites.next()) {
        (None, _) => true,
        (Some(site), None) => site.as_bytes() == fetch_site.as_bytes(),
        (Some(_), Some(_)) => false,
    };
    if !site_ok {
        return Err(refuse(
            "the browser says this request was not made by the widget frame (Sec-Fetch-Site)",
        ));
    }
    Ok(())
}

/// The binding cookie (docs/design.md §2): exactly one `walletpush_binding` cookie across all
/// `Cookie` headers, whose secret hashes to the handle's `bnd`.
pub fn binding_cookie(headers: &HeaderMap, bnd: &str) -> Result<(), ApiError> {
    let unbound = |message| ApiError::new(ErrorCode::HandleUnbound, message);
    let mut found = None;
    let mut count = 0usize;
    for line in headers.get_all(header::COOKIE) {
        for (name, value) in cookies(line.as_bytes()) {
            if name == binding::COOKIE_NAME.as_bytes() {
                count += 1;
                found = Some(value);
            }
        }
    }
    match (count, found) {
        (0, _) | (_, None) => Err(unbound(
            "cookies are blocked or the widget origin is not same-site with the host page",
        )),
        (1, Some(value)) => {
            let matches =
                std::str::from_utf8(value).is_ok_and(|value| binding::cookie_matches(value, bnd));
            if matches {
                Ok(())
            } else {
                Err(unbound("the binding cookie does not match this handle"))
            }
        }
        _ => Err(unbound("more than one binding cookie")),
    }
}

/// The `name=value` pairs of a `Cookie` header (RFC 6265 §4.2.1, leniently: pairs separated by
/// `;`, spaces around them ignored; a pair without `=` has an empty name, as browsers read it).
fn cookies(header: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    header.split(|&b| b == b';').map(|pair| {
        let pair = pair.trim_ascii();
        match pair.iter().position(|&b| b == b'=') {
            Some(i) => (pair[..i].trim_ascii(), pair[i + 1..].trim_ascii()),
            None => (&[][..], pair),
        }
    })
}

/// The value of header `name` when the request carries it exactly once, as text.
pub fn single(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    if values.next().is_some() {
        return None;
    }
    first.to_str().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn names(header: &str) -> Vec<(String, String)> {
        cookies(header.as_bytes())
            .map(|(n, v)| {
                (
                    String::from_utf8(n.to_vec()).unwrap(),
                    String::from_utf8(v.to_vec()).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn cookie_pairs_as_browsers_send_them() {
        assert_eq!(
            names("a=1; walletpush_binding=xyz;b= 2 ;; c"),
            [
                ("a".into(), "1".into()),
                ("walletpush_binding".into(), "xyz".into()),
                ("b".into(), "2".into()),
                (String::new(), String::new()),
                (String::new(), "c".into()),
            ]
        );
        assert_eq!(names("x=a=b"), [("x".into(), "a=b".into())]);
    }

    #[test]
    fn a_binding_cookie_hidden_in_a_header_that_is_not_text_still_counts() {
        let secret = [3u8; binding::SECRET_LEN];
        let value = walletpush::b64::encode(&secret);
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_str(&format!("walletpush_binding={value}")).unwrap(),
        );
        assert!(binding_cookie(&headers, &binding::bnd(&secret)).is_ok());
        headers.append(
            header::COOKIE,
            HeaderValue::from_bytes(b"\xffx=1; walletpush_binding=other").unwrap(),
        );
        let refused = binding_cookie(&headers, &binding::bnd(&secret)).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::HandleUnbound);
    }

    #[test]
    fn one_origin_and_the_right_fetch_site() {
        let widget = "https://walletpush.bank.example";
        let headers = |pairs: &[(&'static str, &str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.append(*name, HeaderValue::from_str(value).unwrap());
            }
            map
        };
        let ok = headers(&[("origin", widget), ("sec-fetch-site", "same-origin")]);
        assert!(caller(&ok, Some(widget), "same-origin").is_ok());
        assert!(caller(&ok, Some(widget), "same-site").is_err());
        assert!(caller(&ok, None, "same-origin").is_err());
        assert!(caller(&headers(&[("origin", widget)]), Some(widget), "same-origin").is_ok());
        assert!(caller(&headers(&[]), Some(widget), "same-origin").is_err());
        let upper = headers(&[("origin", "https://WALLETPUSH.bank.example")]);
        assert!(caller(&upper, Some(widget), "same-origin").is_err());
        let trailing = headers(&[("origin", "https://walletpush.bank.example/")]);
        assert!(caller(&trailing, Some(widget), "same-origin").is_err());
    }
}

//! The portals' login sessions (docs/design.md §2): lifetime, CSRF tokens, and the cookies the
//! portals set. A session lives [`IDLE_TIMEOUT`] without a request and [`ABSOLUTE_TIMEOUT`]
//! at most; it starts anonymous (the login form's CSRF token needs one) and is replaced by a
//! fresh one at login.

use axum::http::{header, HeaderMap};
use subtle::ConstantTimeEq;
use walletpush_server::ids;

use crate::db::portal::SessionRow;

/// A session ends after this many seconds without a request.
pub const IDLE_TIMEOUT: i64 = 30 * 60;
/// A session ends this many seconds after it started, however busy.
pub const ABSOLUTE_TIMEOUT: i64 = 12 * 60 * 60;

/// Whether `row` is still live at `now`.
pub fn is_live(row: &SessionRow, now: i64) -> bool {
    now - row.seen < IDLE_TIMEOUT && now - row.created < ABSOLUTE_TIMEOUT
}

/// The seconds `row` has left at most (its absolute end): the binding cookie's `Max-Age`.
pub fn rest(row: &SessionRow, now: i64) -> i64 {
    (row.created + ABSOLUTE_TIMEOUT - now).max(0)
}

/// A fresh session id or CSRF token (128 random bits).
pub fn token() -> String {
    ids::random("")
}

/// Whether the form's CSRF token is the session's, compared in constant time.
pub fn csrf_matches(row: &SessionRow, sent: &str) -> bool {
    !sent.is_empty() && bool::from(row.csrf.as_bytes().ct_eq(sent.as_bytes()))
}

/// Whether a state-changing request comes from the portal's own pages: `Origin` is exactly
/// `host_origin`, or `null` (what a browser sends for a form of a page with
/// `Referrer-Policy: no-referrer`, as every sandbox page has) with fetch metadata saying
/// `same-origin`; and fetch metadata, when sent, says `same-origin`.
pub fn same_origin(headers: &HeaderMap, host_origin: &str) -> bool {
    let site = headers.get("sec-fetch-site").map(|v| v.as_bytes());
    let origin_ok = match headers.get(header::ORIGIN).map(|v| v.as_bytes()) {
        Some(origin) if origin == host_origin.as_bytes() => true,
        Some(b"null") | None => site == Some(b"same-origin".as_slice()),
        Some(_) => false,
    };
    origin_ok && site.is_none_or(|s| s == b"same-origin")
}

/// The portal session cookie: host-only, for the whole host origin, `SameSite=Lax` so that
/// the wallet's redirect back (a top-level navigation from another site) still finds the user
/// signed in.
pub fn session_cookie(name: &str, id: &str) -> String {
    format!("{name}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={ABSOLUTE_TIMEOUT}")
}

/// The header that removes the portal session cookie.
pub fn clear_session_cookie(name: &str) -> String {
    format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// The value of cookie `name`, if it is a well-formed id (the first of that name).
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|v| ids::is_token_like(v, 64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn row(created: i64, seen: i64) -> SessionRow {
        SessionRow {
            id: "s".into(),
            portal: "gift".into(),
            user: None,
            csrf: "csrf-token".into(),
            binding: None,
            created,
            seen,
        }
    }

    #[test]
    fn sessions_expire_when_idle_and_when_old() {
        assert!(is_live(&row(0, 0), IDLE_TIMEOUT - 1));
        assert!(!is_live(&row(0, 0), IDLE_TIMEOUT), "idle");
        let busy = row(0, ABSOLUTE_TIMEOUT - 10);
        assert!(is_live(&busy, ABSOLUTE_TIMEOUT - 1));
        assert!(!is_live(&busy, ABSOLUTE_TIMEOUT), "absolute");
        assert_eq!(rest(&busy, 100), ABSOLUTE_TIMEOUT - 100);
        assert_eq!(rest(&busy, ABSOLUTE_TIMEOUT + 5), 0);
    }

    #[test]
    fn csrf_and_origin_checks_refuse_what_differs() {
        let r = row(0, 0);
        assert!(csrf_matches(&r, "csrf-token"));
        for bad in ["", "csrf-toke", "csrf-token2", "CSRF-TOKEN"] {
            assert!(!csrf_matches(&r, bad), "{bad}");
        }
        let host = "http://bank.localhost:8080";
        let mut headers = HeaderMap::new();
        assert!(!same_origin(&headers, host), "no Origin");
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.localhost:8080"),
        );
        assert!(!same_origin(&headers, host));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://bank.localhost:8080"),
        );
        assert!(same_origin(&headers, host));
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-site"));
        assert!(!same_origin(&headers, host));
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_origin(&headers, host));
        // `Origin: null` (a no-referrer page's form) passes only with same-origin metadata.
        headers.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(same_origin(&headers, host));
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&headers, host));
        headers.remove("sec-fetch-site");
        assert!(!same_origin(&headers, host), "null without metadata");
        headers.remove(header::ORIGIN);
        assert!(!same_origin(&headers, host), "nothing at all");
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(
            same_origin(&headers, host),
            "no Origin, same-origin metadata"
        );
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.localhost:8080"),
        );
        assert!(
            !same_origin(&headers, host),
            "a foreign Origin whatever the metadata"
        );
    }

    #[test]
    fn reads_the_portal_cookie_only_when_well_formed() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; wp_gift_session=abc_DEF; b=2"),
        );
        assert_eq!(cookie(&headers, "wp_gift_session"), Some("abc_DEF"));
        assert_eq!(cookie(&headers, "wp_expenses_session"), None);
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("wp_gift_session=a<b"),
        );
        assert_eq!(cookie(&headers, "wp_gift_session"), None);
    }
}

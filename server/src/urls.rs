//! The URL shapes accepted from browsers and from the configuration: a web origin and a return
//! URL (Token Connect's, a wallet's redirect mode). Parsed strictly by hand, since both end up in
//! headers and pages.

/// Whether `value` is an `http(s)` origin as browsers serialise it: scheme, `://`, a host of
/// letters, digits, `.` and `-`, an optional port, and nothing else (no path, no trailing `/`).
pub fn is_origin(value: &str) -> bool {
    let Some(rest) = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = match rest.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    let port_ok = port.map_or(true, |p| {
        !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
    });
    host_ok && port_ok
}

/// The origin of an `http(s)` URL, or `None` if it is not one.
pub fn origin_of(url: &str) -> Option<&str> {
    let scheme_len = if url.starts_with("https://") {
        "https://".len()
    } else if url.starts_with("http://") {
        "http://".len()
    } else {
        return None;
    };
    let end = url[scheme_len..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| scheme_len + i);
    let origin = &url[..end];
    is_origin(origin).then_some(origin)
}

/// Checks a redirect-mode `return_url`: an `http(s)` URL of printable ASCII, at most 2048
/// bytes, whose origin is one of `allowed` (a wallet sends users back only to sites it knows,
/// as OAuth does with registered redirect URIs). Returns it without its fragment, where the
/// result goes.
pub fn return_url<'a>(url: &'a str, allowed: &[impl AsRef<str>]) -> Option<&'a str> {
    let printable = url.len() <= 2048 && url.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if !printable {
        return None;
    }
    let origin = origin_of(url)?;
    if !allowed.iter().any(|a| a.as_ref() == origin) {
        return None;
    }
    Some(url.split_once('#').map_or(url, |(base, _)| base))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        for good in ["http://127.0.0.1:8081", "https://walletpush.bank.example"] {
            assert!(is_origin(good), "{good}");
        }
        for bad in [
            "",
            "null",
            "http://",
            "http://a/",
            "http://a:",
            "http://a:8a",
            "javascript://a",
            "ftp://a",
            "http://a b",
            "http://a\"b",
            "http://user@a",
        ] {
            assert!(!is_origin(bad), "{bad}");
        }
    }

    #[test]
    fn return_urls() {
        let allowed = ["http://127.0.0.1:8080"];
        assert_eq!(
            return_url("http://127.0.0.1:8080/gift?x=1#old", &allowed),
            Some("http://127.0.0.1:8080/gift?x=1")
        );
        assert_eq!(
            return_url("http://127.0.0.1:8080", &allowed),
            Some("http://127.0.0.1:8080")
        );
        for bad in [
            "javascript:alert(1)",
            "http://evil.example/gift",
            "http://127.0.0.1:8080.evil.example/",
            "http://127.0.0.1:8080/a b",
            "http://127.0.0.1:8080/\r\nSet-Cookie:x",
            "/gift",
        ] {
            assert_eq!(return_url(bad, &allowed), None, "{bad}");
        }
    }
}

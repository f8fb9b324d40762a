//! Same-site, as browsers decide it for cookies (docs/design.md §2): the binding cookie reaches
//! the issuer API only when the widget origin and the host page are same-site.
//!
//! The rule (RFC 6265bis "same-site", with the scheme: "schemeful same-site"):
//! - the schemes are equal;
//! - a host that is an IP address (v4, or v6 in brackets) is its own site: the other host must
//!   be the same address;
//! - otherwise each host's site is its registrable domain: its public suffix (from the Public
//!   Suffix List, with the default rule "the last label" for names the list does not have)
//!   plus one label. `walletpush.bank.example` and `bank.example` share `bank.example`;
//!   `a.github.io` and `b.github.io` do not (`github.io` is a public suffix).
//! - `localhost` is not in the list, so the default rule makes it a public suffix, as in
//!   Chromium: `walletpush.bank.localhost` and `bank.localhost` are same-site
//!   (`bank.localhost`), `wallet.localhost` is another site, and a bare `localhost` (itself a
//!   suffix, with no registrable domain) is same-site only with `localhost`.
//!
//! Ports never matter.

/// Whether origins `a` and `b` (`scheme://host[:port]`) are same-site.
pub fn same_site(a: &str, b: &str) -> bool {
    match (split(a), split(b)) {
        (Some((scheme_a, host_a)), Some((scheme_b, host_b))) => {
            scheme_a == scheme_b && site(&host_a) == site(&host_b)
        }
        _ => false,
    }
}

/// The site of a host name: the host itself for an IP address or a public suffix, else its
/// registrable domain. Lower case.
pub fn site(host: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if is_ip(&host) {
        return host;
    }
    match psl::domain_str(&host) {
        Some(domain) => domain.to_owned(),
        None => host,
    }
}

/// The host of an origin (`scheme://host[:port]`), lower case; `None` if it is not one.
pub fn host_of(origin: &str) -> Option<String> {
    split(origin).map(|(_, host)| host)
}

fn is_ip(host: &str) -> bool {
    host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok()
}

/// `scheme://host[:port]` -> (scheme, host).
fn split(origin: &str) -> Option<(&str, String)> {
    let (scheme, rest) = origin.split_once("://")?;
    let host = if rest.starts_with('[') {
        &rest[..=rest.find(']')?]
    } else {
        rest.split(':').next()?
    };
    (!host.is_empty()).then(|| (scheme, host.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domains_decide() {
        let same = [
            ("https://walletpush.bank.example", "https://bank.example"),
            (
                "https://walletpush.bank.example",
                "https://www.bank.example:8443",
            ),
            ("https://walletpush.bank.co.uk", "https://bank.co.uk"),
            (
                "http://walletpush.bank.localhost:8081",
                "http://bank.localhost:8080",
            ),
            ("http://127.0.0.1:8081", "http://127.0.0.1:8080"),
            ("http://localhost:8081", "http://localhost:8080"),
            ("http://[::1]:8081", "http://[::1]:8080"),
            ("https://WALLETPUSH.Bank.Example", "https://bank.example"),
        ];
        for (a, b) in same {
            assert!(same_site(a, b), "{a} {b}");
        }
        let other = [
            ("https://walletpush.bank.example", "http://bank.example"),
            ("https://walletpush.bank.example", "https://bank.test"),
            ("https://bank.co.uk", "https://other.co.uk"),
            ("https://a.github.io", "https://b.github.io"),
            (
                "http://walletpush.bank.localhost:8081",
                "http://wallet.localhost:8082",
            ),
            ("http://bank.localhost", "http://localhost"),
            ("http://127.0.0.1:8081", "http://127.0.0.2:8080"),
            ("http://127.0.0.1:8081", "http://localhost:8080"),
            ("not an origin", "https://bank.example"),
        ];
        for (a, b) in other {
            assert!(!same_site(a, b), "{a} {b}");
        }
    }
}

//! The Content-Security-Policy of the sandbox's own pages (docs/design.md §6): the host demo
//! pages and the wallet's. None allows `'unsafe-inline'` or `'unsafe-eval'`, so every page's
//! script and style come from files. `frame.html`'s policy is the server's
//! ([`walletpush_server::csp`]).

use axum::http::header::InvalidHeaderValue;
use axum::http::HeaderValue;

use crate::config::Origins;

/// The policies, built once from the origins.
#[derive(Clone, Debug)]
pub struct Policies {
    /// Host demo pages (`:8080`).
    pub host: HeaderValue,
    /// Wallet pages (`:8082`).
    pub wallet: HeaderValue,
}

impl Policies {
    /// Builds the policies. Fails only if an origin cannot go into a header, which
    /// [`crate::config`] rules out.
    pub fn new(origins: &Origins) -> Result<Policies, InvalidHeaderValue> {
        Ok(Policies {
            host: HeaderValue::from_str(&host_page(origins))?,
            wallet: HeaderValue::from_str(&wallet_page(origins))?,
        })
    }
}

/// The host page: the shim and the frame come from the widget origin, card art too. No site
/// may frame a portal page (a page that holds handles and a sign-out form).
pub fn host_page(o: &Origins) -> String {
    let w = &o.widget;
    format!(
        "default-src 'self'; script-src 'self' {w}; frame-src {w}; img-src 'self' {w} data:; \
         style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// Wallet pages: card art comes from the widget origin; the redirect-mode confirmation form
/// posts to the wallet, which answers 303 to the host page, and browsers check `form-action`
/// on that redirect too, so the host origins are listed.
pub fn wallet_page(o: &Origins) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' {widget} data:; \
         object-src 'none'; form-action 'self' {hosts}; frame-ancestors 'none'; base-uri 'none'",
        widget = o.widget,
        hosts = o.all_hosts().join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins() -> Origins {
        Origins::new(crate::config::Names::DEFAULT, 8080, 8081, 8082).unwrap()
    }

    #[test]
    fn no_policy_allows_inline_or_eval() {
        let o = origins();
        for policy in [host_page(&o), wallet_page(&o)] {
            assert!(!policy.contains("'unsafe-inline'") && !policy.contains("'unsafe-eval'"));
            assert!(policy.contains("base-uri 'none'"));
        }
        assert!(Policies::new(&o).is_ok());
        assert!(host_page(&o).contains("frame-src http://walletpush.bank.localhost:8081;"));
        assert!(host_page(&o).ends_with("frame-ancestors 'none'"));
    }
}

//! The Content-Security-Policy of each kind of response (DESIGN.md §6): none allows
//! `'unsafe-inline'` or `'unsafe-eval'`, so every page's script and style come from files.

use axum::http::header::InvalidHeaderValue;
use axum::http::HeaderValue;

use crate::config::Origins;

/// The policies, built once from the origins.
#[derive(Clone, Debug)]
pub struct Policies {
    /// Host demo pages (`:8080`).
    pub host: HeaderValue,
    /// `frame.html` on the widget origin.
    pub frame: HeaderValue,
    /// `frame.html` under the `frame-csp: no-wasm` fault.
    pub frame_no_wasm: HeaderValue,
    /// Wallet pages (`:8082`).
    pub wallet: HeaderValue,
}

impl Policies {
    /// Builds the policies; `scripts` are the origins of the wallet scripts that run in the
    /// frame (DESIGN.md §6). Fails only if an origin cannot go into a header, which
    /// [`crate::config`] rules out.
    pub fn new(origins: &Origins, scripts: &[&str]) -> Result<Policies, InvalidHeaderValue> {
        Ok(Policies {
            host: HeaderValue::from_str(&host_page(origins))?,
            frame: HeaderValue::from_str(&frame(origins, scripts, true))?,
            frame_no_wasm: HeaderValue::from_str(&frame(origins, scripts, false))?,
            wallet: HeaderValue::from_str(&wallet_page(origins))?,
        })
    }
}

/// The host page: the shim and the frame come from the widget origin, card art too.
pub fn host_page(o: &Origins) -> String {
    let w = &o.widget;
    format!(
        "default-src 'self'; script-src 'self' {w}; frame-src {w}; img-src 'self' {w} data:; \
         style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
    )
}

/// `frame.html`: Wasm needs `'wasm-unsafe-eval'`; the frame talks to its own origin (issuer
/// API) and the wallet; redirect mode submits a form to the wallet; only the host may frame it.
/// The adapter wallets' scripts (`scripts`) run in the frame: they are allowed as scripts, and,
/// since their interfaces are not public, to call and embed their own origin too.
pub fn frame(o: &Origins, scripts: &[&str], wasm: bool) -> String {
    // The frame page's inline scripts are allowed by their hashes, whatever the Wasm policy.
    let early = crate::www::inline_script_hashes();
    let wasm = if wasm { " 'wasm-unsafe-eval'" } else { "" };
    let extra: String = scripts.iter().map(|s| format!(" {s}")).collect();
    let frames = if scripts.is_empty() {
        String::new()
    } else {
        format!(" frame-src{extra};")
    };
    format!(
        "default-src 'none'; script-src 'self' {early}{wasm}{extra}; connect-src 'self' {wallet}{extra};{frames} \
         style-src 'self'; img-src 'self' data:; form-action {wallet}; \
         frame-ancestors {host}; base-uri 'none'",
        wallet = o.wallet,
        host = o.host
    )
}

/// Wallet pages: card art comes from the widget origin; the redirect-mode confirmation form
/// posts to the wallet, which answers 303 to the host page, and browsers check `form-action`
/// on that redirect too, so the host origin is listed.
pub fn wallet_page(o: &Origins) -> String {
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' {widget} data:; \
         object-src 'none'; form-action 'self' {host}; frame-ancestors 'none'; base-uri 'none'",
        widget = o.widget,
        host = o.host
    )
}

/// Everything that is not a page (API answers, scripts, styles, images, Wasm): nothing may
/// load or frame it as a document. Set by [`crate::http::secure_headers`].
pub const RESOURCE: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

#[cfg(test)]
mod tests {
    use super::*;

    fn origins() -> Origins {
        Origins::new("127.0.0.1", 8080, 8081, 8082)
    }

    #[test]
    fn no_policy_allows_inline_or_eval() {
        let o = origins();
        for policy in [
            host_page(&o),
            frame(&o, &[], true),
            frame(&o, &["http://127.0.0.1:9000"], false),
            wallet_page(&o),
        ] {
            assert!(!policy.contains("'unsafe-inline'") && !policy.contains("'unsafe-eval'"));
            assert!(policy.contains("base-uri 'none'"));
        }
        assert!(Policies::new(&o, &[]).is_ok());
    }

    #[test]
    fn frame_policy_names_the_other_origins_and_wasm() {
        let o = origins();
        let with = frame(&o, &[], true);
        let early = crate::www::inline_script_hashes();
        assert!(with.contains(&format!("script-src 'self' {early} 'wasm-unsafe-eval';")));
        assert!(with.contains("connect-src 'self' http://127.0.0.1:8082;"));
        assert!(with.contains("frame-ancestors http://127.0.0.1:8080;"));
        assert!(!with.contains("frame-src"));
        assert!(!frame(&o, &[], false).contains("wasm"));
        assert!(frame(&o, &[], false).contains(&format!("script-src 'self' {early};")));
        assert!(host_page(&o).contains("frame-src http://127.0.0.1:8081;"));
    }

    #[test]
    fn frame_policy_allows_the_adapter_scripts() {
        let o = origins();
        let scripts = ["http://127.0.0.1:9000", "https://pay.example"];
        let policy = frame(&o, &scripts, true);
        let early = crate::www::inline_script_hashes();
        assert!(policy.contains(&format!(
            "script-src 'self' {early} 'wasm-unsafe-eval' http://127.0.0.1:9000 https://pay.example;"
        )));
        assert!(policy.contains(
            "connect-src 'self' http://127.0.0.1:8082 http://127.0.0.1:9000 https://pay.example;"
        ));
        assert!(policy.contains("frame-src http://127.0.0.1:9000 https://pay.example;"));
    }
}

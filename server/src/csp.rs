//! The Content-Security-Policy of `frame.html` and of everything else the widget origin serves
//! (docs/design.md §6, §9): none allows `'unsafe-inline'` or `'unsafe-eval'`; the frame's two
//! start-up scripts are allowed by their hashes ([`crate::frame`]).

use crate::frame;

/// What `frame.html`'s policy is built from: the deployment's origins.
#[derive(Clone, Copy, Debug)]
pub struct FrameSources<'a> {
    /// The host pages that may embed the frame (`frame-ancestors`).
    pub hosts: &'a [String],
    /// The `walletpush/1` wallets' origins: the frame fetches their documents and sessions
    /// (`connect-src`) and submits redirect mode's form to them (`form-action`).
    pub wallets: &'a [String],
    /// The adapter origin, whose `adapter.html` the frame nests for Google's and Apple's
    /// buttons (`frame-src`). The wallets' own scripts run there, never in this frame: this
    /// policy names no script origin of theirs.
    pub adapter: Option<&'a str>,
}

/// `frame.html`'s policy. Wasm needs `'wasm-unsafe-eval'`; the frame talks to its own origin
/// (the issuer API) and the wallets, nests only the adapter origin; only the host pages may
/// frame it.
pub fn frame(sources: FrameSources<'_>) -> String {
    let early = frame::inline_script_hashes();
    let list = |origins: &[String]| -> String { origins.iter().map(|o| format!(" {o}")).collect() };
    let wallets = list(sources.wallets);
    let frames = match sources.adapter {
        Some(adapter) => format!(" frame-src {adapter};"),
        None => String::new(),
    };
    let form_action = if sources.wallets.is_empty() {
        " 'none'".to_owned()
    } else {
        wallets.clone()
    };
    let ancestors = if sources.hosts.is_empty() {
        " 'none'".to_owned()
    } else {
        list(sources.hosts)
    };
    format!(
        "default-src 'none'; script-src 'self' {early} 'wasm-unsafe-eval'; \
         connect-src 'self'{wallets};{frames} style-src 'self'; img-src 'self' data:; \
         form-action{form_action}; frame-ancestors{ancestors}; base-uri 'none'"
    )
}

/// Everything that is not a page (API answers, scripts, styles, images, Wasm): nothing may
/// load or frame it as a document. Set by [`crate::http::secure_headers`].
pub const RESOURCE: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn frame_policy_names_the_other_origins_and_wasm() {
        let hosts = strings(&["http://127.0.0.1:8080"]);
        let wallets = strings(&["http://127.0.0.1:8082"]);
        let policy = frame(FrameSources {
            hosts: &hosts,
            wallets: &wallets,
            adapter: None,
        });
        let early = frame::inline_script_hashes();
        assert!(policy.contains(&format!("script-src 'self' {early} 'wasm-unsafe-eval';")));
        assert!(policy.contains("connect-src 'self' http://127.0.0.1:8082;"));
        assert!(policy.contains("form-action http://127.0.0.1:8082;"));
        assert!(policy.contains("frame-ancestors http://127.0.0.1:8080;"));
        assert!(!policy.contains("frame-src"));
        assert!(!policy.contains("'unsafe-inline'") && !policy.contains("'unsafe-eval'"));
        assert!(policy.ends_with("base-uri 'none'"));
    }

    #[test]
    fn frame_policy_nests_the_adapter_origin_and_runs_no_wallet_script() {
        let hosts = strings(&["https://bank.example", "https://cards.bank.example"]);
        let policy = frame(FrameSources {
            hosts: &hosts,
            wallets: &[],
            adapter: Some("https://wallets.bank.example"),
        });
        let early = frame::inline_script_hashes();
        assert!(policy.contains(&format!("script-src 'self' {early} 'wasm-unsafe-eval';")));
        assert!(policy.contains("connect-src 'self';"));
        assert!(policy.contains(" frame-src https://wallets.bank.example;"));
        assert!(policy.contains("form-action 'none';"));
        assert!(policy.contains("frame-ancestors https://bank.example https://cards.bank.example;"));
    }

    #[test]
    fn without_hosts_no_page_may_frame_it() {
        let policy = frame(FrameSources {
            hosts: &[],
            wallets: &[],
            adapter: None,
        });
        assert!(policy.contains("frame-ancestors 'none';"));
    }
}

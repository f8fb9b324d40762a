//! Minting card handles (docs/design.md §2), as the issuer's backend does after the user has
//! logged in: the binding secret of the user's session at the host and its cookie, and the
//! claims of a fresh handle for a card, bound to that secret by `bnd` and signed with the
//! issuer's handle key. `walletpush-server mint-handle` runs it from the command line.
//!
//! The backend makes one [`BindingSecret`] at the first mint of a login session (a new one at
//! login and at logout), keeps it with the session on its side, sends
//! [`set_cookie_header`]`(secret.cookie_value(), ..)` with the page, and mints every handle of
//! that session with `bnd` = [`BindingSecret::bnd`]. It never computes `bnd` from a cookie the
//! browser sent: a script of the host page can plant cookies of its own.

use std::fmt;

use getrandom::SysRng;
use rand_core::{Rng, UnwrapErr};
use walletpush::binding::{self, SECRET_LEN};
use walletpush::handle::{self, CardDisplay, HandleClaims};
use walletpush::jwk::PrivateJwk;
use walletpush::{b64, Error};
use zeroize::Zeroizing;

use crate::cards::CardData;
use crate::deployment::Deployment;
use crate::{ids, site};

/// The lifetime of a handle minted for a page: the longest the format allows.
pub const HANDLE_LIFETIME: i64 = handle::MAX_LIFETIME;

/// The binding cookie's name.
pub const COOKIE_NAME: &str = binding::COOKIE_NAME;

/// The binding cookie's path: the issuer API's, so the cookie goes nowhere else.
pub const COOKIE_PATH: &str = "/walletpush/";

/// The binding secret of one login session at the host: 256 random bits. Its [`Debug`] shows
/// nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct BindingSecret(Zeroizing<[u8; SECRET_LEN]>);

impl BindingSecret {
    /// A fresh secret from the OS's randomness.
    pub fn generate() -> BindingSecret {
        let mut bytes = Zeroizing::new([0u8; SECRET_LEN]);
        UnwrapErr(SysRng).fill_bytes(&mut bytes[..]);
        BindingSecret(bytes)
    }

    /// The secret that [`BindingSecret::cookie_value`] gave, as the backend stored it with the
    /// user's session; `None` if `stored` is not one. Never for a cookie the browser sent.
    pub fn restore(stored: &str) -> Option<BindingSecret> {
        binding::secret_from_cookie(stored).map(BindingSecret)
    }

    /// The `bnd` claim of every handle minted in this session.
    pub fn bnd(&self) -> String {
        binding::bnd(&self.0)
    }

    /// The cookie's value: base64url of the secret, 43 characters.
    pub fn cookie_value(&self) -> String {
        b64::encode(self.0.as_ref())
    }
}

impl fmt::Debug for BindingSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BindingSecret(..)")
    }
}

/// The `Domain` of the binding cookie for a deployment: the site (registrable domain) of the
/// widget origin, which the host pages share (`bank.example` for
/// `https://walletpush.bank.example`). `None` where a cookie cannot name a domain (an IP
/// address, `localhost`): then the cookie is host-only (pass `""` as the domain).
pub fn cookie_domain(widget_origin: &str) -> Option<String> {
    let host = site::host_of(widget_origin)?;
    let site = site::site(&host);
    let is_domain =
        site.contains('.') && !site.starts_with('[') && site.parse::<std::net::Ipv4Addr>().is_err();
    is_domain.then_some(site)
}

/// The `Set-Cookie` value of the binding cookie `value` (from [`BindingSecret::cookie_value`]):
/// `Domain=domain` (none when `domain` is empty), `Path=/walletpush/`, `HttpOnly`,
/// `SameSite=Strict`, `Max-Age` = the rest of the host session in seconds, and `Secure` when
/// the site is served over https. `domain` comes from the configuration ([`cookie_domain`]).
pub fn set_cookie_header(value: &str, domain: &str, secure: bool, max_age_secs: u64) -> String {
    cookie(value, domain, secure, max_age_secs)
}

/// The `Set-Cookie` value that deletes the binding cookie (at logout): empty, `Max-Age=0`,
/// with the same `Domain` and `Path`.
pub fn clear_cookie_header(domain: &str, secure: bool) -> String {
    cookie("", domain, secure, 0)
}

fn cookie(value: &str, domain: &str, secure: bool, max_age_secs: u64) -> String {
    let domain = if domain.is_empty() {
        String::new()
    } else {
        format!("; Domain={domain}")
    };
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE_NAME}={value}{domain}; Path={COOKIE_PATH}; HttpOnly; SameSite=Strict; \
         Max-Age={max_age_secs}{secure}"
    )
}

/// The claims of a fresh handle for `card` of user `sub`, redeemable at the deployment's widget
/// origin for [`HANDLE_LIFETIME`] seconds, for every wallet the deployment offers, bound by
/// `bnd` ([`BindingSecret::bnd`] of the user's session) to the browser that holds the cookie.
pub fn claims(
    deployment: &Deployment,
    sub: &str,
    card: &CardData,
    now: i64,
    bnd: &str,
) -> HandleClaims {
    HandleClaims {
        iss: deployment.issuer_id.clone(),
        sub: sub.to_owned(),
        card: card.card_ref.clone(),
        aud: deployment.widget_origin.clone(),
        iat: now,
        nbf: None,
        exp: now + HANDLE_LIFETIME,
        jti: ids::random("h-"),
        wallets: deployment
            .wallet_ids()
            .into_iter()
            .map(str::to_owned)
            .collect(),
        display: CardDisplay {
            last4: card.last4.clone(),
            network: card.network.clone(),
            product: card.product.clone(),
            art: card.art.clone(),
        },
        bnd: bnd.to_owned(),
    }
}

/// Signs a handle with the issuer's handle key.
pub fn mint(key: &PrivateJwk, claims: &HandleClaims) -> Result<String, Error> {
    handle::mint(key, claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_carries_the_secret_whose_digest_is_bnd() {
        let secret = BindingSecret::generate();
        let value = secret.cookie_value();
        assert_eq!(value.len(), 43);
        assert!(binding::cookie_matches(&value, &secret.bnd()));
        assert!(!binding::cookie_matches(
            &BindingSecret::generate().cookie_value(),
            &secret.bnd()
        ));
        assert_eq!(BindingSecret::restore(&value), Some(secret.clone()));
        assert_eq!(BindingSecret::restore("not-a-secret"), None);
        assert_eq!(format!("{secret:?}"), "BindingSecret(..)");
        assert_ne!(secret, BindingSecret::generate());
    }

    #[test]
    fn the_cookie_attributes_are_exactly_these() {
        let value = "A".repeat(43);
        assert_eq!(
            set_cookie_header(&value, "bank.example", true, 1800),
            format!(
                "walletpush_binding={value}; Domain=bank.example; Path=/walletpush/; HttpOnly; \
                 SameSite=Strict; Max-Age=1800; Secure"
            )
        );
        assert_eq!(
            set_cookie_header(&value, "bank.localhost", false, 60),
            format!(
                "walletpush_binding={value}; Domain=bank.localhost; Path=/walletpush/; \
                 HttpOnly; SameSite=Strict; Max-Age=60"
            )
        );
        assert_eq!(
            clear_cookie_header("bank.localhost", false),
            "walletpush_binding=; Domain=bank.localhost; Path=/walletpush/; HttpOnly; \
             SameSite=Strict; Max-Age=0"
        );
        assert_eq!(
            clear_cookie_header("", true),
            "walletpush_binding=; Path=/walletpush/; HttpOnly; SameSite=Strict; Max-Age=0; Secure"
        );
    }

    #[test]
    fn the_cookie_domain_is_the_widget_origins_site() {
        let cases = [
            ("https://walletpush.bank.example", Some("bank.example")),
            ("https://walletpush.bank.co.uk:8443", Some("bank.co.uk")),
            (
                "http://walletpush.bank.localhost:8081",
                Some("bank.localhost"),
            ),
            ("http://127.0.0.1:8081", None),
            ("http://localhost:8081", None),
            ("http://[::1]:8081", None),
        ];
        for (origin, domain) in cases {
            assert_eq!(cookie_domain(origin).as_deref(), domain, "{origin}");
        }
    }
}

//! The host pages' HTML. A card shows its product, network and last 4 (never more); the embed
//! is the documented one: the shim's script tag once, and one `<wallet-push-button>` per card
//! with a handle minted for this render.

use super::Portal;
use crate::db::cards::{Card, User};
use crate::html::{document, escape, Page};

/// One card on a portal page.
#[derive(Debug)]
pub struct CardEntry<'a> {
    /// The card (display fields only).
    pub card: &'a Card,
    /// Its art's URL.
    pub art: String,
    /// The handle minted for this render.
    pub handle: String,
}

/// `/`: links to both portals.
pub fn index() -> String {
    let body = r#"<main class="page">
<h1>walletpush sandbox</h1>
<p>Two demo issuer sites that put a card into a wallet from the browser.</p>
<ul class="links">
<li><a id="gift-link" href="/gift">Gift card portal</a>: redeem a gift card at once.</li>
<li><a id="expenses-link" href="/expenses">Expense dashboard</a>: company cards for expenses.</li>
</ul>
</main>"#;
    shell("walletpush sandbox", &[], body)
}

/// A portal's sign-in page; the form carries the session's CSRF token.
pub fn login(portal: Portal, csrf: &str) -> String {
    let body = format!(
        r#"<main class="page">
<h1>{title}</h1>
<p>Sign in to see your cards. This is a demo: no password is needed.</p>
<form method="post" action="/{slug}/login">
<input type="hidden" name="csrf" value="{csrf}">
<button id="login" type="submit" class="primary">Sign in as demo user</button>
</form>
<p><a href="/">All demos</a></p>
</main>"#,
        title = title(portal),
        slug = portal.slug(),
        csrf = escape(csrf),
    );
    shell(title(portal), &[], &body)
}

/// A refused login or logout: the form was not the session's own, or the session ended.
pub fn refused(portal: Portal) -> String {
    let body = format!(
        r#"<main class="page">
<h1>{title}</h1>
<p id="refused">This form has expired or did not come from this site. Open the page again.</p>
<p><a href="/{slug}">Back to {title}</a></p>
</main>"#,
        title = title(portal),
        slug = portal.slug(),
    );
    shell(title(portal), &[], &body)
}

/// A portal with the user's cards; the logout form carries the session's CSRF token.
pub fn portal(
    portal: Portal,
    user: &User,
    cards: &[CardEntry<'_>],
    widget_origin: &str,
    csrf: &str,
) -> String {
    let items: String = cards.iter().map(card_item).collect();
    let body = format!(
        r#"<header class="bar">
<a href="/">walletpush sandbox</a>
<span id="user">Signed in as {name} (demo)</span>
<form method="post" action="/{slug}/logout"><input type="hidden" name="csrf" value="{csrf}"><button id="logout" type="submit">Sign out</button></form>
</header>
<main class="page">
<h1>{title}</h1>
<p>{intro}</p>
<ul class="cards">
{items}</ul>
<p id="status" class="status" role="status" aria-live="polite"></p>
</main>
<script src="{widget}/walletpush.js" async></script>"#,
        name = escape(&user.name),
        slug = portal.slug(),
        title = title(portal),
        intro = match portal {
            Portal::Gift => "Add a gift card to your wallet and spend it right away.",
            Portal::Expenses => "Put a company card into your wallet to pay expenses.",
        },
        widget = escape(widget_origin),
        csrf = escape(csrf),
    );
    shell(title(portal), &["/assets/host.js"], &body)
}

/// The blank page of the test hooks: the same policy, only the shim.
pub fn embed(widget_origin: &str) -> String {
    let body = format!(
        r#"<main id="root" class="page"></main>
<script src="{}/walletpush.js" async></script>"#,
        escape(widget_origin)
    );
    shell("walletpush embed", &[], &body)
}

fn card_item(entry: &CardEntry<'_>) -> String {
    let card = entry.card;
    let inactive = if card.active {
        ""
    } else {
        r#"<span class="badge">inactive</span>"#
    };
    format!(
        r#"<li class="card" data-card="{card_ref}">
<img class="art" src="{art}" alt="" width="160" height="100">
<div class="info"><p class="product">{product}</p><p class="meta">{network} &bull;&bull;&bull;&bull; {last4}</p>{inactive}</div>
<wallet-push-button handle="{handle}" wallets="sandbox"></wallet-push-button>
</li>
"#,
        card_ref = escape(&card.card_ref),
        art = escape(&entry.art),
        product = escape(&card.product),
        network = escape(&network_name(&card.network)),
        last4 = escape(&card.last4),
        handle = escape(&entry.handle),
    )
}

fn network_name(network: &str) -> String {
    match network {
        "visa" => "Visa".to_owned(),
        "mastercard" => "Mastercard".to_owned(),
        other => other.to_owned(),
    }
}

fn title(portal: Portal) -> &'static str {
    match portal {
        Portal::Gift => "Sandbox Gift Cards",
        Portal::Expenses => "Sandbox Expenses",
    }
}

fn shell(title: &str, scripts: &[&str], body: &str) -> String {
    document(&Page {
        title,
        lang: "en",
        stylesheet: "/assets/host.css",
        scripts,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portal_embeds_the_shim_once_and_one_button_per_card() {
        let card = Card {
            card_ref: "gift-1".into(),
            user_id: "u".into(),
            product: "Gift <card>".into(),
            network: "visa".into(),
            last4: "1111".into(),
            art: "gift".into(),
            active: true,
        };
        let user = User {
            id: "u".into(),
            portal: "gift".into(),
            name: "Demo".into(),
        };
        let entries = [
            CardEntry {
                card: &card,
                art: "http://w/art/gift.svg".into(),
                handle: "a.b.c".into(),
            },
            CardEntry {
                card: &card,
                art: "http://w/art/gift.svg".into(),
                handle: "d.e.f".into(),
            },
        ];
        let html = portal(
            Portal::Gift,
            &user,
            &entries,
            "http://walletpush.bank.localhost:8081",
            "tok\"en",
        );
        assert_eq!(
            html.matches(
                r#"<script src="http://walletpush.bank.localhost:8081/walletpush.js" async></script>"#
            )
            .count(),
            1
        );
        assert!(html.contains(r#"name="csrf" value="tok&quot;en""#));
        assert!(html.contains(r#"<wallet-push-button handle="a.b.c" wallets="sandbox">"#));
        assert!(html.contains("Gift &lt;card&gt;"));
        assert!(!html.contains("style="));
    }
}

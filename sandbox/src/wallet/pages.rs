//! The wallet's pages. Their behaviour is `/assets/wallet.js`, which reads its parameters from
//! the `data-*` attributes of `<main id="wallet">`. No page shows more of a card than its
//! product, art and last 4.

use walletpush::handle::CardDisplay;

use super::WALLET_NAME;
use crate::db::wallet::Token;
use crate::html::{document, escape, Page};
use walletpush_server::clock;

/// The popup wallet window: sign-in, then waiting, confirmation, done or error, switched by
/// the script.
pub fn entry(client_origin: &str, locale: &str, cid: Option<&str>) -> String {
    let body = format!(
        r#"<main id="wallet" class="wallet" data-mode="popup" data-client-origin="{origin}" data-cid="{cid}">
{header}
{signin}
<section id="step-wait" class="step" hidden>
<p class="lead">Waiting for the card&hellip;</p>
</section>
<section id="step-confirm" class="step" hidden>
<h2>Add this card?</h2>
<img id="card-art" class="art" alt="" width="320" height="200">
<p id="card-product" class="product"></p>
<p class="meta">Card ending in <span id="card-last4"></span></p>
<div class="actions">
<button id="confirm" type="button" class="primary">Add to {name}</button>
<button id="cancel" type="button">Cancel</button>
</div>
</section>
<section id="step-done" class="step" hidden>
<h2>Added</h2>
<p>The card is in your {name}. This window closes by itself.</p>
</section>
{error}
</main>"#,
        origin = escape(client_origin),
        cid = escape(cid.unwrap_or_default()),
        header = header(),
        signin = signin(),
        name = WALLET_NAME,
        error = error_section("", None, true),
    );
    shell(locale, &body)
}

/// Redirect mode's sign-in and confirmation; the form answers with a 303 to the host page.
pub fn redirect_confirm(sid: &str, display: &CardDisplay) -> String {
    let art = display
        .art
        .as_deref()
        .map(|src| {
            format!(
                r#"<img id="card-art" class="art" src="{}" alt="" width="320" height="200">"#,
                escape(src)
            )
        })
        .unwrap_or_default();
    let body = format!(
        r#"<main id="wallet" class="wallet" data-mode="redirect">
{header}
{signin}
<section id="step-confirm" class="step" hidden>
<h2>Add this card?</h2>
{art}
<p id="card-product" class="product">{product}</p>
<p class="meta">Card ending in <span id="card-last4">{last4}</span></p>
<form method="post" action="/provision/confirm" class="actions">
<input type="hidden" name="sid" value="{sid}">
<button id="confirm" type="submit" name="decision" value="confirm" class="primary">Add to {name}</button>
<button id="cancel" type="submit" name="decision" value="cancel">Cancel</button>
</form>
</section>
</main>"#,
        header = header(),
        signin = signin(),
        product = escape(&display.product),
        last4 = escape(&display.last4),
        sid = escape(sid),
        name = WALLET_NAME,
    );
    shell("en", &body)
}

/// A refusal. With `back`, a link to the host page carrying the error result, which the
/// script follows after a moment.
pub fn error(message: &str, back: Option<&str>) -> String {
    let body = format!(
        r#"<main id="wallet" class="wallet" data-mode="error">
{header}
{error}
</main>"#,
        header = header(),
        error = error_section(message, back, false),
    );
    shell("en", &body)
}

/// `GET /cards`: the provisioned cards, newest first.
pub fn cards(tokens: &[Token]) -> String {
    let rows: String = tokens
        .iter()
        .map(|t| {
            format!(
                "<tr><td><code>{reference}</code></td><td>{product}</td><td>{network}</td>\
                 <td>&bull;&bull;&bull;&bull; {last4}</td><td>{when}</td></tr>\n",
                reference = escape(&t.reference),
                product = escape(&t.display.product),
                network = escape(&t.display.network),
                last4 = escape(&t.display.last4),
                when = clock::format_utc(t.created),
            )
        })
        .collect();
    let table = if tokens.is_empty() {
        r#"<p id="no-cards">No cards yet.</p>"#.to_owned()
    } else {
        format!(
            "<table id=\"cards\">\n<thead><tr><th>Token</th><th>Product</th><th>Network</th>\
             <th>Card</th><th>Added</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>"
        )
    };
    let body = format!(
        "<main class=\"wallet wide\">\n{header}\n<h2>Your cards</h2>\n{table}\n</main>",
        header = header()
    );
    shell("en", &body)
}

/// `GET /cards` without sign-in: the sign-in button, which reloads the page once signed in.
pub fn signin_first() -> String {
    let body = format!(
        "<main id=\"wallet\" class=\"wallet\" data-mode=\"signin\">\n{header}\n{signin}\n</main>",
        header = header(),
        signin = signin(),
    );
    shell("en", &body)
}

fn shell(lang: &str, body: &str) -> String {
    document(&Page {
        title: WALLET_NAME,
        lang,
        stylesheet: "/assets/wallet.css",
        scripts: &["/assets/wallet.js"],
        body,
    })
}

fn header() -> String {
    format!(
        "<header class=\"brand\"><span class=\"logo\" aria-hidden=\"true\"></span>\
         <h1>{WALLET_NAME}</h1></header>"
    )
}

fn signin() -> &'static str {
    r#"<section id="step-signin" class="step">
<h2>Sign in</h2>
<p>This is a demo wallet: no password is needed.</p>
<button id="signin" type="button" class="primary">Sign in as demo user</button>
</section>"#
}

fn error_section(message: &str, back: Option<&str>, hidden: bool) -> String {
    let link = back
        .map(|href| {
            format!(
                r#"<p><a id="return" href="{}">Back to the site</a></p>"#,
                escape(href)
            )
        })
        .unwrap_or_default();
    format!(
        r#"<section id="step-error" class="step"{hidden}>
<h2>Something went wrong</h2>
<p id="error-text">{message}</p>
{link}
</section>"#,
        hidden = if hidden { " hidden" } else { "" },
        message = escape(message),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_escape_what_they_show_and_carry_no_inline_code() {
        let page = entry(
            "http://walletpush.bank.localhost:8081",
            "en",
            Some("cid\"x"),
        );
        assert!(page.contains(r#"data-client-origin="http://walletpush.bank.localhost:8081""#));
        assert!(page.contains(r#"data-cid="cid&quot;x""#));
        let display = CardDisplay {
            last4: "1111".into(),
            network: "visa".into(),
            product: "<b>Gift</b>".into(),
            art: Some("http://walletpush.bank.localhost:8081/art/gift.svg".into()),
        };
        let confirm = redirect_confirm("r-1", &display);
        assert!(confirm.contains("&lt;b&gt;Gift&lt;/b&gt;"));
        for html in [
            page,
            confirm,
            error("<x>", Some("http://h/#a\"b")),
            cards(&[]),
            signin_first(),
        ] {
            assert!(!html.contains("<script>") && !html.contains("style="));
            assert!(!html.contains("<x>") && !html.contains("a\"b"));
        }
    }
}

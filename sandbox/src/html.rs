//! HTML output: escaping and the document shell shared by every page.
//!
//! Pages are small format functions; every value that is not a literal of this crate goes
//! through [`escape`]. No inline script or `style` attribute anywhere (the CSP forbids both):
//! behaviour and looks come from `/assets/*` files.

/// Escapes text for an HTML text node or a double- or single-quoted attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A page to render with [`document`].
#[derive(Clone, Copy, Debug)]
pub struct Page<'a> {
    /// The `<title>`, as text.
    pub title: &'a str,
    /// The `lang` attribute.
    pub lang: &'a str,
    /// The stylesheet's URL.
    pub stylesheet: &'a str,
    /// Scripts to load with `defer`, by URL.
    pub scripts: &'a [&'a str],
    /// The body's HTML, already escaped where needed.
    pub body: &'a str,
}

/// The full document of `page`.
pub fn document(page: &Page<'_>) -> String {
    let scripts: String = page
        .scripts
        .iter()
        .map(|src| format!("<script src=\"{}\" defer></script>\n", escape(src)))
        .collect();
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<link rel=\"stylesheet\" href=\"{css}\">\n{scripts}</head>\n\
         <body>\n{body}\n</body>\n</html>\n",
        lang = escape(page.lang),
        title = escape(page.title),
        css = escape(page.stylesheet),
        body = page.body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_both_quotes() {
        assert_eq!(
            escape(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(escape("plain ü"), "plain ü");
    }

    #[test]
    fn document_escapes_its_fields_and_has_no_inline_code() {
        let html = document(&Page {
            title: "<x>",
            lang: "en\"",
            stylesheet: "/assets/a.css",
            scripts: &["/assets/a.js"],
            body: "<main></main>",
        });
        assert!(html.contains("<title>&lt;x&gt;</title>"));
        assert!(html.contains("lang=\"en&quot;\""));
        assert!(html.contains("<script src=\"/assets/a.js\" defer></script>"));
        assert!(!html.contains("style="));
        assert!(!html.contains("<script>"));
    }
}

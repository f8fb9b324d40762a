//! Card art (`/art/<name>.svg` on the widget origin): simple generated SVGs, one per design.
//! They use presentation attributes only, no `style`, so no CSP needs `'unsafe-inline'`.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// `GET /art/{name}.svg` on the widget origin.
pub async fn serve(Path(file): Path<String>) -> Response {
    match file.strip_suffix(".svg").and_then(svg) {
        Some(svg) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("image/svg+xml"),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("max-age=3600"),
                ),
            ],
            svg,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A card design: the art's file name (without `.svg`), its colours and its label.
struct Design {
    name: &'static str,
    from: &'static str,
    to: &'static str,
    label: &'static str,
}

const DESIGNS: [Design; 5] = [
    Design {
        name: "gift",
        from: "#6d28d9",
        to: "#db2777",
        label: "GIFT CARD",
    },
    Design {
        name: "gift-gold",
        from: "#b45309",
        to: "#facc15",
        label: "GIFT CARD",
    },
    Design {
        name: "company",
        from: "#0f172a",
        to: "#1d4ed8",
        label: "COMPANY CARD",
    },
    Design {
        name: "company-teal",
        from: "#134e4a",
        to: "#0d9488",
        label: "COMPANY CARD",
    },
    Design {
        name: "company-closed",
        from: "#374151",
        to: "#9ca3af",
        label: "COMPANY CARD",
    },
];

/// The SVG of the design `name`, or `None` if there is no such design.
pub fn svg(name: &str) -> Option<String> {
    let design = DESIGNS.iter().find(|d| d.name == name)?;
    Some(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200" viewBox="0 0 320 200" role="img" aria-label="{label}">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="{from}"/><stop offset="1" stop-color="{to}"/></linearGradient></defs>
<rect width="320" height="200" rx="16" fill="url(#g)"/>
<rect x="24" y="72" width="44" height="34" rx="6" fill="#facc15" opacity="0.85"/>
<text x="24" y="44" fill="#ffffff" font-family="system-ui, sans-serif" font-size="18" font-weight="700">SANDBOX BANK</text>
<text x="24" y="176" fill="#ffffff" font-family="system-ui, sans-serif" font-size="14" letter-spacing="2">{label}</text>
</svg>
"##,
        label = design.label,
        from = design.from,
        to = design.to,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_design_renders_without_style_attributes() {
        for design in &DESIGNS {
            let svg = svg(design.name).unwrap();
            assert!(svg.starts_with("<svg") && !svg.contains("style="));
        }
        assert_eq!(svg("../etc/passwd"), None);
    }
}

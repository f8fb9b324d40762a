//! The host demo pages (the issuer's portal, DESIGN.md §1): a gift card portal at `/gift` and
//! an expense-management dashboard at `/expenses`, each with a demo login, listing the user's
//! cards with a freshly minted handle in each card's `<wallet-push-button>`.

pub mod pages;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use walletpush_server::http::{self, ApiError};
use walletpush_server::{clock, ids, mint};

use crate::app::{App, SharedApp};
use crate::assets;
use crate::db::cards::{self, User};
use crate::demo_cards;

/// The host routes.
pub fn routes() -> Router<SharedApp> {
    Router::new()
        .route("/", get(index))
        .route("/gift", get(gift))
        .route("/expenses", get(expenses))
        .route("/{portal}/login", post(login))
        .route("/{portal}/logout", post(logout))
        .route("/assets/{name}", get(assets::serve))
        .route("/favicon.ico", get(assets::no_favicon))
}

/// The two demo portals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Portal {
    /// The gift card portal.
    Gift,
    /// The expense-management dashboard.
    Expenses,
}

impl Portal {
    /// The path segment, and the `portal` of its users in the store.
    pub fn slug(self) -> &'static str {
        match self {
            Portal::Gift => "gift",
            Portal::Expenses => "expenses",
        }
    }

    fn parse(slug: &str) -> Option<Portal> {
        [Portal::Gift, Portal::Expenses]
            .into_iter()
            .find(|p| p.slug() == slug)
    }

    /// Each portal has its own cookie, so one browser can be signed in to both.
    fn cookie_name(self) -> String {
        format!("wp_{}_session", self.slug())
    }
}

async fn index(State(app): State<SharedApp>) -> Response {
    http::page(StatusCode::OK, &app.csp.host, pages::index())
}

async fn gift(State(app): State<SharedApp>, headers: HeaderMap) -> Result<Response, ApiError> {
    portal_page(&app, Portal::Gift, &headers)
}

async fn expenses(State(app): State<SharedApp>, headers: HeaderMap) -> Result<Response, ApiError> {
    portal_page(&app, Portal::Expenses, &headers)
}

/// The portal: a login form, or the user's cards with one embed each.
fn portal_page(app: &App, portal: Portal, headers: &HeaderMap) -> Result<Response, ApiError> {
    let Some(user) = signed_in(app, portal, headers)? else {
        return Ok(http::page(
            StatusCode::OK,
            &app.csp.host,
            pages::login(portal),
        ));
    };
    let now = clock::now();
    let cards = app.db.read(|c| cards::cards_of(c, &user.id))?;
    let entries = cards
        .iter()
        .map(|card| {
            let handle = mint::mint(&app.keys.issuer, &app.handle_claims(card, now))?;
            Ok(pages::CardEntry {
                card,
                art: demo_cards::art_url(&app.origins.widget, card),
                handle,
            })
        })
        .collect::<Result<Vec<_>, walletpush::Error>>()?;
    let html = pages::portal(portal, &user, &entries, &app.origins.widget);
    Ok(http::page(StatusCode::OK, &app.csp.host, html))
}

/// `POST /{portal}/login`: signs the portal's demo user in (no password: a demo).
async fn login(
    State(app): State<SharedApp>,
    Path(slug): Path<String>,
) -> Result<Response, ApiError> {
    let Some(portal) = Portal::parse(&slug) else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let Some(user) = app.db.read(|c| cards::portal_user(c, portal.slug()))? else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let session = ids::random("");
    app.db
        .write(|tx| cards::create_session(tx, &session, &user.id, clock::now()))?;
    let cookie = format!(
        "{}={session}; Path=/; HttpOnly; SameSite=Lax",
        portal.cookie_name()
    );
    Ok(back_to(portal, &cookie))
}

/// `POST /{portal}/logout`.
async fn logout(
    State(app): State<SharedApp>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(portal) = Portal::parse(&slug) else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    if let Some(session) = cookie(&headers, &portal.cookie_name()) {
        app.db.write(|tx| cards::delete_session(tx, session))?;
    }
    let cookie = format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0",
        portal.cookie_name()
    );
    Ok(back_to(portal, &cookie))
}

/// The signed-in user of `portal`, if any.
fn signed_in(app: &App, portal: Portal, headers: &HeaderMap) -> Result<Option<User>, ApiError> {
    let Some(session) = cookie(headers, &portal.cookie_name()) else {
        return Ok(None);
    };
    let user = app.db.read(|c| cards::session_user(c, session))?;
    Ok(user.filter(|u| u.portal == portal.slug()))
}

/// 303 to the portal page, setting `cookie`.
fn back_to(portal: Portal, cookie: &str) -> Response {
    let location = HeaderValue::from_static(match portal {
        Portal::Gift => "/gift",
        Portal::Expenses => "/expenses",
    });
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// The value of cookie `name`, if it is a well-formed session id.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|v| ids::is_token_like(v, 64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_portal_cookie_only_when_well_formed() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; wp_gift_session=abc_DEF; b=2"),
        );
        assert_eq!(cookie(&headers, "wp_gift_session"), Some("abc_DEF"));
        assert_eq!(cookie(&headers, "wp_expenses_session"), None);
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("wp_gift_session=a<b"),
        );
        assert_eq!(cookie(&headers, "wp_gift_session"), None);
        assert_eq!(Portal::parse("gift"), Some(Portal::Gift));
        assert_eq!(Portal::parse("admin"), None);
    }
}

//! The host demo pages (the issuer's portal, docs/design.md §1, §8): a gift card portal at
//! `/gift` and an expense-management dashboard at `/expenses`, each with a demo login, listing
//! the user's cards with a freshly minted handle in each card's `<wallet-push-button>`.
//!
//! As an issuer's backend does (docs/design.md §2): the first page that mints handles in a
//! login session makes the session's binding secret, keeps it with the session and sets the
//! binding cookie; every handle carries its `bnd`. Login replaces the secret, logout clears the
//! cookie. Login and logout need the session's CSRF token and the host's own `Origin`
//! ([`session`]). Both portals live on one host, so a browser signed in to both shares one
//! binding cookie: login or logout at one portal updates the other's session too.

pub mod pages;
pub mod session;

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use walletpush_server::http::{self, ApiError};
use walletpush_server::{clock, mint};

use crate::app::{App, SharedApp};
use crate::assets;
use crate::db::cards;
use crate::db::portal::{self as store, SessionRow};
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
    pub fn cookie_name(self) -> String {
        format!("wp_{}_session", self.slug())
    }

    fn other(self) -> Portal {
        match self {
            Portal::Gift => Portal::Expenses,
            Portal::Expenses => Portal::Gift,
        }
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

/// The portal: a login form (in a fresh anonymous session if need be), or the user's cards
/// with one embed each.
fn portal_page(app: &App, portal: Portal, headers: &HeaderMap) -> Result<Response, ApiError> {
    let now = clock::now();
    let Some(current) = live_session(app, portal, headers, now)? else {
        let row = new_session(portal, None, None, now);
        app.db.write(|tx| {
            store::purge(
                tx,
                now - session::IDLE_TIMEOUT,
                now - session::ABSOLUTE_TIMEOUT,
            )?;
            store::insert(tx, &row)
        })?;
        let mut response = http::page(
            StatusCode::OK,
            &app.csp.host,
            pages::login(portal, &row.csrf),
        );
        let cookie = session::session_cookie(&portal.cookie_name(), &row.id);
        add_cookies(&mut response, &[cookie]);
        return Ok(response);
    };
    let Some(user) = current.user.clone() else {
        app.db.write(|tx| store::touch(tx, &current.id, now))?;
        return Ok(http::page(
            StatusCode::OK,
            &app.csp.host,
            pages::login(portal, &current.csrf),
        ));
    };
    // The first mint of the session makes its binding secret and sets the cookie.
    let (binding, set_cookie) = match &current.binding {
        Some(value) => (value.clone(), None),
        None => {
            let value = mint::BindingSecret::generate().cookie_value();
            let cookie = app.binding_cookie(&value, session::rest(&current, now));
            (value, Some(cookie))
        }
    };
    let bnd = bnd_of(&binding).ok_or_else(ApiError::internal)?;
    app.db.write(|tx| {
        if set_cookie.is_some() {
            store::set_binding(tx, &current.id, Some(&binding))?;
        }
        store::touch(tx, &current.id, now)
    })?;
    let cards = app.db.read(|c| cards::cards_of(c, &user.id))?;
    let entries = cards
        .iter()
        .map(|card| {
            let handle = mint::mint(&app.keys.issuer, &app.handle_claims(card, now, &bnd))?;
            Ok(pages::CardEntry {
                card,
                art: demo_cards::art_url(&app.origins.widget, card),
                handle,
            })
        })
        .collect::<Result<Vec<_>, walletpush::Error>>()?;
    let html = pages::portal(portal, &user, &entries, &app.origins.widget, &current.csrf);
    let mut response = http::page(StatusCode::OK, &app.csp.host, html);
    add_cookies(&mut response, set_cookie.as_slice());
    Ok(response)
}

/// The login and logout forms.
#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /{portal}/login`: signs the portal's demo user in (no password: a demo) in a fresh
/// session with a fresh binding secret.
async fn login(
    State(app): State<SharedApp>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Some(portal) = Portal::parse(&slug) else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let now = clock::now();
    let Some(previous) = checked_session(&app, portal, &headers, form, now)? else {
        return Ok(forbidden(&app, portal));
    };
    let Some(user) = app.db.read(|c| cards::portal_user(c, portal.slug()))? else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let binding = mint::BindingSecret::generate().cookie_value();
    let row = new_session(portal, Some(user), Some(binding.clone()), now);
    let sibling = live_session(&app, portal.other(), &headers, now)?.filter(|s| s.user.is_some());
    app.db.write(|tx| {
        store::delete(tx, &previous.id)?;
        store::insert(tx, &row)?;
        match &sibling {
            Some(s) => store::set_binding(tx, &s.id, Some(&binding)),
            None => Ok(()),
        }
    })?;
    let mut response = back_to(portal);
    add_cookies(
        &mut response,
        &[
            session::session_cookie(&portal.cookie_name(), &row.id),
            app.binding_cookie(&binding, session::rest(&row, now)),
        ],
    );
    Ok(response)
}

/// `POST /{portal}/logout`: ends the session and clears the binding cookie.
async fn logout(
    State(app): State<SharedApp>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Some(portal) = Portal::parse(&slug) else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let now = clock::now();
    let Some(current) = checked_session(&app, portal, &headers, form, now)? else {
        return Ok(forbidden(&app, portal));
    };
    let sibling = live_session(&app, portal.other(), &headers, now)?;
    app.db.write(|tx| {
        store::delete(tx, &current.id)?;
        // The other portal's handles named the cookie cleared here: its next page makes anew.
        match &sibling {
            Some(s) => store::set_binding(tx, &s.id, None),
            None => Ok(()),
        }
    })?;
    let mut response = back_to(portal);
    add_cookies(
        &mut response,
        &[
            session::clear_session_cookie(&portal.cookie_name()),
            app.clear_binding_cookie(),
        ],
    );
    Ok(response)
}

/// The live session of `portal` whose form carried its CSRF token and whose request came from
/// the host's own pages; `None` refuses the request.
fn checked_session(
    app: &App,
    portal: Portal,
    headers: &HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
    now: i64,
) -> Result<Option<SessionRow>, ApiError> {
    let Ok(Form(form)) = form else {
        return Ok(None);
    };
    if !session::same_origin(headers, &app.origins.host) {
        return Ok(None);
    }
    let current = live_session(app, portal, headers, now)?;
    Ok(current.filter(|s| session::csrf_matches(s, &form.csrf)))
}

/// The live session of `portal` named by this request's cookie, if any.
fn live_session(
    app: &App,
    portal: Portal,
    headers: &HeaderMap,
    now: i64,
) -> Result<Option<SessionRow>, ApiError> {
    let Some(id) = session::cookie(headers, &portal.cookie_name()) else {
        return Ok(None);
    };
    let row = app.db.read(|c| store::get(c, id))?;
    Ok(row.filter(|r| r.portal == portal.slug() && session::is_live(r, now)))
}

fn new_session(
    portal: Portal,
    user: Option<cards::User>,
    binding: Option<String>,
    now: i64,
) -> SessionRow {
    SessionRow {
        id: session::token(),
        portal: portal.slug().to_owned(),
        user,
        csrf: session::token(),
        binding,
        created: now,
        seen: now,
    }
}

/// The `bnd` of a stored binding value (computed from what the backend keeps, never from a
/// cookie a browser sent).
fn bnd_of(binding: &str) -> Option<String> {
    walletpush::binding::secret_from_cookie(binding).map(|secret| walletpush::binding::bnd(&secret))
}

/// 403: the form was not the session's own (CSRF) or the session ended.
fn forbidden(app: &App, portal: Portal) -> Response {
    http::page(StatusCode::FORBIDDEN, &app.csp.host, pages::refused(portal))
}

/// 303 to the portal page.
fn back_to(portal: Portal) -> Response {
    let location = HeaderValue::from_static(match portal {
        Portal::Gift => "/gift",
        Portal::Expenses => "/expenses",
    });
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

fn add_cookies(response: &mut Response, cookies: &[String]) {
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portals_parse_and_pair() {
        assert_eq!(Portal::parse("gift"), Some(Portal::Gift));
        assert_eq!(Portal::parse("admin"), None);
        assert_eq!(Portal::Gift.other(), Portal::Expenses);
        assert_eq!(Portal::Expenses.cookie_name(), "wp_expenses_session");
    }

    #[test]
    fn bnd_comes_from_a_well_formed_stored_value_only() {
        let secret = mint::BindingSecret::generate();
        assert_eq!(bnd_of(&secret.cookie_value()), Some(secret.bnd()));
        assert_eq!(bnd_of("short"), None);
    }
}

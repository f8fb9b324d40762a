//! HTTP plumbing: error answers in the wire format, JSON and page responses, security headers,
//! and the request log. Programs that embed the server (the sandbox) use it for their own
//! listeners too.

use std::io::Write;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Serialize;
use walletpush::ErrorCode;

use crate::csp;
use crate::ids;
use crate::store::StoreError;

/// The header that carries an attempt's correlation id (docs/wire.md).
pub const CORRELATION_HEADER: &str = "x-walletpush-correlation-id";

/// A refusal in the wire format: `{"code": "<§5 code>", "message": "..."}` with its status.
/// Messages are fixed texts of this crate: they never echo input, card data or which crypto
/// check failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    message: String,
    /// `Retry-After`, in seconds (`RATE_LIMITED`).
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with the status docs/wire.md gives `code`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError::with_status(status_of(code), code, message)
    }

    /// An error with an explicit status (where the wire reference allows two).
    pub fn with_status(
        status: StatusCode,
        code: ErrorCode,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// `RATE_LIMITED`, 429, with `Retry-After: <seconds>`.
    pub fn rate_limited(retry_after: std::time::Duration, message: impl Into<String>) -> ApiError {
        ApiError {
            retry_after: Some(retry_after.as_secs().max(1)),
            ..ApiError::new(ErrorCode::RateLimited, message)
        }
    }

    /// `INTERNAL`, 500.
    pub fn internal() -> ApiError {
        ApiError::new(
            ErrorCode::Internal,
            "the server failed: see its log, and please report it",
        )
    }

    /// The code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }
}

impl From<walletpush::Error> for ApiError {
    fn from(e: walletpush::Error) -> ApiError {
        ApiError::new(e.code(), e.message())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        log_error(&e);
        ApiError::internal()
    }
}

/// Logs a failure of the server's own (the store, the card source) on stderr, one line. The
/// errors it is given carry no card data.
pub fn log_error(e: &dyn std::fmt::Display) {
    let _ = std::io::stderr().write_all(format!("error: {e}\n").as_bytes());
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "code": self.code.as_str(), "message": self.message });
        let mut response = (self.status, no_store(), Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// The HTTP status of each code (docs/wire.md, "Error bodies").
pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::HandleInvalid | ErrorCode::HandleExpired | ErrorCode::HandleUnbound => {
            StatusCode::UNAUTHORIZED
        }
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::HandleReplayed => StatusCode::CONFLICT,
        ErrorCode::OriginNotAllowed | ErrorCode::IssuerRejected => StatusCode::FORBIDDEN,
        ErrorCode::CardInactive => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// A JSON value of the core (keys, key sets, card display) as a serde value, for answers and
/// `json!` documents: the core has its own small JSON type and no serde.
pub fn from_core(value: &walletpush::json::Value<'_>) -> serde_json::Value {
    // The core writes valid JSON; `Null` is unreachable.
    serde_json::from_str(&value.to_json()).unwrap_or(serde_json::Value::Null)
}

/// A 200 JSON answer that no cache keeps.
pub fn json<T: Serialize>(value: &T) -> Response {
    (no_store(), Json(value)).into_response()
}

/// An HTML page with its policy, never cached (pages carry single-use handles and sessions).
pub fn page(status: StatusCode, policy: &HeaderValue, html: String) -> Response {
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ),
        (header::CONTENT_SECURITY_POLICY, policy.clone()),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    (status, headers, html).into_response()
}

/// Parses a JSON body; `None` for anything that is not the expected shape.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    serde_json::from_slice(body).ok()
}

/// The request's correlation id if it is well-formed, else `None`: it goes into logs and
/// pages, so nothing else passes.
pub fn correlation_id(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(CORRELATION_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| ids::is_token_like(v, 64))
}

/// `Cache-Control: no-store`.
pub fn no_store() -> [(header::HeaderName, HeaderValue); 1] {
    [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))]
}

/// Middleware: `nosniff`, no referrer, and a closed CSP on every response that has none.
pub async fn secure_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp::RESOURCE),
        );
    }
    response
}

/// How [`log_requests`] writes its lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// `listener METHOD route status cid=<id> Nms`, for people.
    #[default]
    Plain,
    /// One JSON object a line, for log collectors:
    /// `{"time", "listener", "method", "route", "status", "cid", "ms"}`.
    Json,
}

/// Middleware: one stderr line per request. It logs the route pattern, not the raw path or the
/// query, so that nothing a client puts into a URL (a handle, a card number) reaches the log.
pub async fn log_requests(
    State((listener, format)): State<(&'static str, LogFormat)>,
    req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let route = route.as_ref().map_or("(no route)", MatchedPath::as_str);
    let cid = correlation_id(req.headers()).map(str::to_owned);
    let response = next.run(req).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_millis();
    // One write per line: `eprintln!` writes each piece of the format on its own to the
    // unbuffered stderr, a dozen system calls a request.
    let line = match format {
        LogFormat::Plain => {
            let cid = cid.as_deref().unwrap_or("-");
            format!("{listener} {method} {route} {status} cid={cid} {ms}ms\n")
        }
        LogFormat::Json => {
            let mut line = serde_json::json!({
                "time": crate::clock::now(),
                "listener": listener,
                "method": method.as_str(),
                "route": route,
                "status": status,
                "cid": cid,
                "ms": ms,
            })
            .to_string();
            line.push('\n');
            line
        }
    };
    let _ = std::io::stderr().write_all(line.as_bytes());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_wire_reference() {
        let cases = [
            (ErrorCode::HandleInvalid, 401),
            (ErrorCode::HandleExpired, 401),
            (ErrorCode::HandleReplayed, 409),
            (ErrorCode::OriginNotAllowed, 403),
            (ErrorCode::CardInactive, 422),
            (ErrorCode::IssuerRejected, 403),
            (ErrorCode::WalletRejected, 400),
            (ErrorCode::Internal, 500),
        ];
        for (code, status) in cases {
            assert_eq!(status_of(code).as_u16(), status, "{code}");
        }
    }

    #[test]
    fn correlation_ids_must_be_token_like() {
        let mut headers = HeaderMap::new();
        headers.insert(CORRELATION_HEADER, HeaderValue::from_static("abc_DEF-123"));
        assert_eq!(correlation_id(&headers), Some("abc_DEF-123"));
        headers.insert(CORRELATION_HEADER, HeaderValue::from_static("a b"));
        assert_eq!(correlation_id(&headers), None);
    }
}

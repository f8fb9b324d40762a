//! Faults injected by tests (`POST /__sandbox/fault`, test hooks only): in memory, lost on
//! restart, and each one stays until it is set to `none` or `POST /__sandbox/reset-faults`.

use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use walletpush_server::http::ApiError;

/// How the issuer's credentials endpoint misbehaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CredentialsFault {
    /// Normal.
    #[default]
    None,
    /// Answers 500 `INTERNAL`.
    ServerError,
    /// Never answers.
    Hang,
}

/// How the wallet's session token misbehaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SessionFault {
    /// Normal.
    #[default]
    None,
    /// Signed by a key with the wallet's `kid` that is not the wallet's key.
    BadSignature,
    /// `aud` is not the client origin.
    WrongAud,
    /// `epk` is a point off the curve.
    OffCurveKey,
    /// The wallet window never posts `walletpush/ready`.
    Silent,
}

/// How `frame.html`'s Content-Security-Policy misbehaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FrameCspFault {
    /// Normal.
    #[default]
    None,
    /// Served without `'wasm-unsafe-eval'`, to provoke `WASM_BLOCKED_BY_CSP`.
    NoWasm,
}

/// The faults in force.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultSet {
    /// Issuer credentials endpoint.
    pub credentials: CredentialsFault,
    /// Wallet session token.
    pub session: SessionFault,
    /// `frame.html` CSP.
    pub frame_csp: FrameCspFault,
}

/// One fault to set, as `POST /__sandbox/fault` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Target `credentials`.
    Credentials(CredentialsFault),
    /// Target `session`.
    Session(SessionFault),
    /// Target `frame-csp`.
    FrameCsp(FrameCspFault),
}

/// The body of `POST /__sandbox/fault`.
#[derive(Clone, Debug, Deserialize)]
pub struct FaultRequest {
    /// `credentials`, `session` or `frame-csp`.
    pub target: String,
    /// A mode of that target.
    pub mode: String,
}

impl Fault {
    /// Parses a target and mode; the error lists what is accepted.
    pub fn parse(target: &str, mode: &str) -> Result<Fault, String> {
        let fault = match (target, mode) {
            ("credentials", "none") => Fault::Credentials(CredentialsFault::None),
            ("credentials", "500") => Fault::Credentials(CredentialsFault::ServerError),
            ("credentials", "hang") => Fault::Credentials(CredentialsFault::Hang),
            ("session", "none") => Fault::Session(SessionFault::None),
            ("session", "bad-signature") => Fault::Session(SessionFault::BadSignature),
            ("session", "wrong-aud") => Fault::Session(SessionFault::WrongAud),
            ("session", "off-curve-key") => Fault::Session(SessionFault::OffCurveKey),
            ("session", "silent") => Fault::Session(SessionFault::Silent),
            ("frame-csp", "none") => Fault::FrameCsp(FrameCspFault::None),
            ("frame-csp", "no-wasm") => Fault::FrameCsp(FrameCspFault::NoWasm),
            _ => return Err(USAGE.to_owned()),
        };
        Ok(fault)
    }
}

const USAGE: &str = "unknown fault: targets and modes are credentials: 500|hang|none; \
                     session: bad-signature|wrong-aud|off-curve-key|silent|none; \
                     frame-csp: no-wasm|none";

/// The faults in force, shared by the three listeners.
#[derive(Debug, Default)]
pub struct Faults {
    set: Mutex<FaultSet>,
}

impl Faults {
    /// The faults in force now.
    pub fn current(&self) -> FaultSet {
        *self.lock()
    }

    /// Sets one fault, leaving the others.
    pub fn apply(&self, fault: Fault) {
        let mut set = self.lock();
        match fault {
            Fault::Credentials(f) => set.credentials = f,
            Fault::Session(f) => set.session = f,
            Fault::FrameCsp(f) => set.frame_csp = f,
        }
    }

    /// Clears every fault.
    pub fn reset(&self) {
        *self.lock() = FaultSet::default();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultSet> {
        // The guarded value is plain data, valid whatever a panicking holder was doing.
        self.set.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Middleware on the widget origin (test hooks only): applies the `credentials` and
/// `frame-csp` faults around walletpush-server, which knows nothing of them.
pub async fn widget_faults(
    State(faults): State<Arc<Faults>>,
    req: Request,
    next: Next,
) -> Response {
    let faults = faults.current();
    let path = req.uri().path();
    if req.method() == Method::POST && path == "/walletpush/v1/credentials" {
        match faults.credentials {
            CredentialsFault::None => {}
            CredentialsFault::ServerError => return ApiError::internal().into_response(),
            CredentialsFault::Hang => std::future::pending::<()>().await,
        }
    }
    let is_frame = path == "/frame.html";
    let mut response = next.run(req).await;
    if is_frame && faults.frame_csp == FrameCspFault::NoWasm {
        let headers = response.headers_mut();
        let policy = headers
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .map(without_wasm);
        if let Some(Ok(policy)) = policy {
            headers.insert(header::CONTENT_SECURITY_POLICY, policy);
        }
    }
    response
}

/// A policy without `'wasm-unsafe-eval'`.
fn without_wasm(policy: &str) -> Result<HeaderValue, header::InvalidHeaderValue> {
    HeaderValue::from_str(&policy.replace(" 'wasm-unsafe-eval'", ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_documented_mode_and_refuses_others() {
        let ok = [
            ("credentials", "500"),
            ("credentials", "hang"),
            ("credentials", "none"),
            ("session", "bad-signature"),
            ("session", "wrong-aud"),
            ("session", "off-curve-key"),
            ("session", "silent"),
            ("session", "none"),
            ("frame-csp", "no-wasm"),
            ("frame-csp", "none"),
        ];
        for (target, mode) in ok {
            assert!(Fault::parse(target, mode).is_ok(), "{target} {mode}");
        }
        for (target, mode) in [("credentials", "404"), ("frame", "no-wasm"), ("", "")] {
            assert!(Fault::parse(target, mode)
                .unwrap_err()
                .contains("credentials: 500"));
        }
    }

    #[test]
    fn no_wasm_takes_only_wasm_out_of_the_policy() {
        let policy = "default-src 'none'; script-src 'self' 'sha256-x' 'wasm-unsafe-eval'; connect-src 'self'";
        assert_eq!(
            without_wasm(policy).unwrap(),
            "default-src 'none'; script-src 'self' 'sha256-x'; connect-src 'self'"
        );
    }

    #[test]
    fn faults_apply_independently_and_reset() {
        let faults = Faults::default();
        faults.apply(Fault::parse("credentials", "hang").unwrap());
        faults.apply(Fault::parse("session", "silent").unwrap());
        faults.apply(Fault::parse("credentials", "none").unwrap());
        assert_eq!(faults.current().credentials, CredentialsFault::None);
        assert_eq!(faults.current().session, SessionFault::Silent);
        faults.reset();
        assert_eq!(faults.current(), FaultSet::default());
    }
}

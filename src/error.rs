//! Errors: one vocabulary for the product (docs/design.md §5) and opaque errors for crypto checks.
//!
//! Low-level operations return their own small error types ([`crate::jwk::KeyError`],
//! [`crate::jwe::JweError`], [`crate::jws::JwsError`]); the code that knows the context (a wallet
//! key, a card handle, a wallet session) maps them to an [`ErrorCode`]. Decryption and signature
//! failures are deliberately opaque: they never say which check failed.

use alloc::string::String;
use core::fmt;

/// The stable error codes of docs/design.md §5. Their string forms never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The embedding page or the widget's configuration is wrong: fix the configuration.
    ConfigInvalid,
    /// The card handle is malformed or its signature does not verify: mint a new one.
    HandleInvalid,
    /// The card handle's lifetime is over: mint a new one.
    HandleExpired,
    /// The card handle was already redeemed: mint a new one for each attempt.
    HandleReplayed,
    /// The handle was redeemed from an origin it was not minted for.
    OriginNotAllowed,
    /// The issuer reports the card as not active.
    CardInactive,
    /// The wallet cannot be used here (not allowed, not reachable or not supported).
    WalletUnavailable,
    /// A wallet key failed validation (curve point, kty/crv/use/alg, expiry).
    WalletKeyInvalid,
    /// The wallet's session token failed verification (signature, audience, expiry).
    WalletSessionInvalid,
    /// The browser blocked the wallet's window.
    PopupBlocked,
    /// The user closed or cancelled the wallet's flow.
    UserCancelled,
    /// A party did not answer in time.
    Timeout,
    /// A request failed at the network level.
    Network,
    /// The issuer API refused the request.
    IssuerRejected,
    /// The wallet refused the credential.
    WalletRejected,
    /// The page's Content-Security-Policy blocks WebAssembly.
    WasmBlockedByCsp,
    /// A bug in walletpush: please report it.
    Internal,
    /// The binding cookie is missing, or more than one, or does not match the handle's `bnd`:
    /// cookies are blocked, or the widget origin is not same-site with the host page.
    HandleUnbound,
    /// Too many requests: try again after the server's `Retry-After`.
    RateLimited,
}

impl ErrorCode {
    /// Every code, in the order of docs/design.md §5.
    pub const ALL: [ErrorCode; 19] = [
        ErrorCode::ConfigInvalid,
        ErrorCode::HandleInvalid,
        ErrorCode::HandleExpired,
        ErrorCode::HandleReplayed,
        ErrorCode::OriginNotAllowed,
        ErrorCode::CardInactive,
        ErrorCode::WalletUnavailable,
        ErrorCode::WalletKeyInvalid,
        ErrorCode::WalletSessionInvalid,
        ErrorCode::PopupBlocked,
        ErrorCode::UserCancelled,
        ErrorCode::Timeout,
        ErrorCode::Network,
        ErrorCode::IssuerRejected,
        ErrorCode::WalletRejected,
        ErrorCode::WasmBlockedByCsp,
        ErrorCode::Internal,
        ErrorCode::HandleUnbound,
        ErrorCode::RateLimited,
    ];

    /// The stable string form, e.g. `"HANDLE_EXPIRED"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ConfigInvalid => "CONFIG_INVALID",
            ErrorCode::HandleInvalid => "HANDLE_INVALID",
            ErrorCode::HandleExpired => "HANDLE_EXPIRED",
            ErrorCode::HandleReplayed => "HANDLE_REPLAYED",
            ErrorCode::OriginNotAllowed => "ORIGIN_NOT_ALLOWED",
            ErrorCode::CardInactive => "CARD_INACTIVE",
            ErrorCode::WalletUnavailable => "WALLET_UNAVAILABLE",
            ErrorCode::WalletKeyInvalid => "WALLET_KEY_INVALID",
            ErrorCode::WalletSessionInvalid => "WALLET_SESSION_INVALID",
            ErrorCode::PopupBlocked => "POPUP_BLOCKED",
            ErrorCode::UserCancelled => "USER_CANCELLED",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::Network => "NETWORK",
            ErrorCode::IssuerRejected => "ISSUER_REJECTED",
            ErrorCode::WalletRejected => "WALLET_REJECTED",
            ErrorCode::WasmBlockedByCsp => "WASM_BLOCKED_BY_CSP",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::HandleUnbound => "HANDLE_UNBOUND",
            ErrorCode::RateLimited => "RATE_LIMITED",
        }
    }

    /// Parses the string form; `None` for anything else.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether trying again (with a fresh handle where one is needed) may succeed.
    pub fn retryable(self) -> bool {
        matches!(
            self,
            ErrorCode::HandleExpired
                | ErrorCode::PopupBlocked
                | ErrorCode::UserCancelled
                | ErrorCode::Timeout
                | ErrorCode::Network
                | ErrorCode::WalletUnavailable
                | ErrorCode::RateLimited
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A product-level error: a stable [`ErrorCode`] and a message for the developer that says what
/// to do. Messages never contain card data or say which cryptographic check failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
}

impl Error {
    /// An error with `code` and a developer-facing `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
        }
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The developer-facing message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn codes_round_trip_and_are_distinct() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        let mut names: Vec<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 19);
        assert_eq!(ErrorCode::parse("NOPE"), None);
    }
}

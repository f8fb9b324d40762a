//! The sandbox wallet's identity, which the sandbox's composition of the server names too.

/// The wallet's id in handles and activation tokens.
pub const WALLET_ID: &str = "sandbox";
/// The wallet's name in its discovery document and pages.
pub const WALLET_NAME: &str = "Sandbox Wallet";

//! The wallet's discovery document (docs/wire.md, "Wallet discovery"), as the wallet publishes
//! it and as the sandbox pins it with `--pin-wallet-document`.

use serde_json::{json, Value};
use walletpush::jwk::PrivateJwk;
use walletpush_server::http;

use super::names::WALLET_NAME;
use crate::keys::{self, EncKey};

/// The wallet's document for the wallet on `wallet_origin`: its signing key and the
/// encryption keys `enc`.
pub fn document_for(wallet_origin: &str, wallet_sig: &PrivateJwk, enc: &[EncKey]) -> Value {
    json!({
        "protocol": "walletpush/1",
        "name": WALLET_NAME,
        "entry_url": format!("{wallet_origin}/entry"),
        "provision_url": format!("{wallet_origin}/provision"),
        "jwks": http::from_core(&keys::wallet_jwks(wallet_sig, enc).to_value()),
    })
}

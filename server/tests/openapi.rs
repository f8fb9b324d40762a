//! server/openapi.yaml agrees with the code on what the code alone decides: the error codes an
//! answer may carry (`ErrorCode::ALL`) and the paths of the issuer API and the operations
//! endpoints. tests/api/openapi.test.mjs checks the running server against it.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

fn description() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap()
}

#[test]
fn the_error_codes_are_the_shared_vocabulary() {
    let text = description();
    let start = text
        .find("description: The shared error vocabulary")
        .expect("the Error schema's code");
    let listed: Vec<&str> = text[start..]
        .lines()
        .skip_while(|line| line.trim() != "enum:")
        .skip(1)
        .map_while(|line| line.trim().strip_prefix("- "))
        .collect();
    let codes: Vec<&str> = walletpush::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(listed, codes);
}

#[test]
fn every_path_is_described_and_nothing_else() {
    let text = description();
    let described: BTreeSet<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("  /")?.strip_suffix(':'))
        .collect();
    let served: BTreeSet<&str> = [
        "walletpush/v1/config",
        "walletpush/v1/jwks",
        "walletpush/v1/credentials",
        walletpush_server::adapters::callback::PATH
            .strip_prefix('/')
            .unwrap(),
        "healthz",
        "readyz",
        "metrics",
    ]
    .into();
    assert_eq!(described, served);
}

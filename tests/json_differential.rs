//! The core's JSON parser against an independent one (serde_json): on a corpus of edge cases,
//! both accept or both refuse, and what both accept means the same. The only intended
//! difference is that the core refuses duplicate member names (RFC 7515 §5.2 lets a JOSE
//! implementation refuse them; accepting "last one wins" invites header confusion).
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use walletpush::json;

const CORPUS: &[&str] = &[
    // Scalars and whitespace.
    "null",
    "true",
    "false",
    " 1 ",
    "\t\r\n{}\n",
    "[]",
    "\"\"",
    "0",
    "-0",
    "12",
    "-12",
    "1.5",
    "-1.5e10",
    "1E+2",
    "1e-2",
    "0.0",
    "9223372036854775807",
    "-9223372036854775808",
    "123456789012345678901234567890",
    // Numbers RFC 8259 refuses.
    "01",
    "-01",
    "1.",
    ".5",
    "-",
    "+1",
    "1e",
    "1e+",
    "0x10",
    "NaN",
    "Infinity",
    "-Infinity",
    "1_000",
    // Strings.
    r#""a\"b""#,
    r#""\\""#,
    r#""\/""#,
    r#""\b\f\n\r\t""#,
    r#""\u0041""#,
    r#""\u00e9""#,
    r#""\ud83d\ude00""#,
    "\"é\"",
    "\"😀\"",
    r#""\u0000""#,
    // Strings RFC 8259 refuses.
    "\"\u{1}\"",
    "\"a\nb\"",
    r#""\x41""#,
    r#""\u12""#,
    r#""\uZZZZ""#,
    r#""\ud800""#,
    r#""\udc00""#,
    r#""\ud800\u0041""#,
    "\"unterminated",
    "'single'",
    // Structure.
    r#"{"a":1,"b":[1,2,{"c":null}]}"#,
    r#"{"a":{}}"#,
    r#"[[[]]]"#,
    r#"{"":0}"#,
    r#"{"a":1,}"#,
    "[1,]",
    "[,1]",
    r#"{"a"}"#,
    r#"{"a":}"#,
    r#"{a:1}"#,
    "{\"a\":1 \"b\":2}",
    "[1 2]",
    "{",
    "[",
    "]",
    "}",
    "",
    " ",
    "1 2",
    "{}{}",
    "[] x",
    "/*c*/1",
    "1 // c",
    "\u{feff}1",
    "\u{a0}1",
];

fn agree(text: &str) {
    let ours = json::parse(text.as_bytes());
    let theirs = serde_json::from_str::<serde_json::Value>(text);
    assert_eq!(
        ours.is_ok(),
        theirs.is_ok(),
        "disagree on {text:?}: ours {ours:?}, serde_json {theirs:?}"
    );
    if let (Ok(ours), Ok(theirs)) = (ours, theirs) {
        let again: serde_json::Value = serde_json::from_str(&ours.to_json()).unwrap();
        assert_eq!(again, theirs, "different meaning for {text:?}");
    }
}

#[test]
fn agrees_with_serde_json_on_the_corpus() {
    for text in CORPUS {
        agree(text);
    }
}

#[test]
fn nests_up_to_its_limit() {
    // serde_json's own recursion limit is one level lower, so agreement is checked below both.
    agree(&format!("{}{}", "[".repeat(100), "]".repeat(100)));
    let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert!(json::parse(nested(json::MAX_DEPTH).as_bytes()).is_ok());
    assert!(json::parse(nested(json::MAX_DEPTH + 1).as_bytes()).is_err());
}

#[test]
fn refuses_duplicate_member_names_where_serde_json_takes_the_last() {
    let text = r#"{"alg":"ES256","alg":"none"}"#;
    assert!(serde_json::from_str::<serde_json::Value>(text).is_ok());
    assert!(json::parse(text.as_bytes()).is_err());
}

#[test]
fn refuses_invalid_utf8() {
    assert!(json::parse(b"\"\xff\"").is_err());
    assert!(json::parse(b"\"\xc3\"").is_err());
    assert!(serde_json::from_slice::<serde_json::Value>(b"\"\xff\"").is_err());
}

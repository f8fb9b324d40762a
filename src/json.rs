//! A small, strict JSON (RFC 8259) for the protocol's messages: keys, headers, claims, payloads.
//!
//! Why not serde_json: in the widget's WebAssembly, serde's generic code and float parsing and
//! formatting were a third of the bytes, and walletpush reads only strings, integers, objects
//! and arrays. Here, numbers keep their literal text (no floats anywhere: [`Value::as_i64`]
//! reads integers), strings borrow from the input unless they contain escapes, and objects
//! keep their members in order. The parser refuses what RFC 8259 refuses, and also duplicate
//! member names (RFC 7515 §5.2 allows refusing them), nesting deeper than [`MAX_DEPTH`] and
//! objects of more than [`MAX_MEMBERS`] members (RFC 8259 §9 lets a parser set such limits).
//! The writer escapes `"`, `\` and control characters, as `JSON.stringify` does.

use alloc::borrow::Cow;
use alloc::{string::String, vec::Vec};
use core::fmt;

use zeroize::Zeroize;

/// How deeply arrays and objects may nest.
pub const MAX_DEPTH: usize = 128;

/// How many members an object may have. Protocol objects (keys, headers, claims, payloads,
/// wallet documents) have a few dozen at most. The limit bounds the duplicate-name check, which
/// compares each name with the names before it, to `MAX_MEMBERS - 1` comparisons per member:
/// linear in the text, where without it an object of 100,000 members took five billion
/// comparisons, before any signature is checked. A sort would do it in O(n log n) for any n,
/// but `sort_unstable_by` made the widget's Wasm 2.1 KB gzip larger, and a heapsort 0.4 KB,
/// more than its 45 KB budget leaves (`npm run build`).
pub const MAX_MEMBERS: usize = 64;

/// The text was not JSON, or not JSON walletpush accepts. Says nothing more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonError;

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("malformed JSON")
    }
}

impl core::error::Error for JsonError {}

/// A JSON value; its strings borrow from the parsed text where they can (`'static` when owned).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as its literal text.
    Number(Number<'a>),
    /// A string.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Value<'a>>),
    /// An object.
    Object(Object<'a>),
}

/// A JSON number, kept as its literal text (valid per RFC 8259 §6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Number<'a>(Cow<'a, str>);

impl Number<'_> {
    /// The number as an `i64`, if it is an integer literal in range (`1.0` and `1e3` are not).
    ///
    /// Read here rather than with `str::parse`, whose general code (any sign, radix checks) was
    /// several hundred bytes of the widget's Wasm: the literal is already valid JSON, so it is
    /// an integer exactly when it is `-`? and digits. Accumulated negatively, so that
    /// `i64::MIN` fits.
    pub fn as_i64(&self) -> Option<i64> {
        let (negative, digits) = match self.0.strip_prefix('-') {
            Some(digits) => (true, digits),
            None => (false, &*self.0),
        };
        if digits.is_empty() {
            return None;
        }
        let mut n: i64 = 0;
        for byte in digits.bytes() {
            let digit = byte.wrapping_sub(b'0');
            if digit > 9 {
                return None;
            }
            n = n.checked_mul(10)?.checked_sub(i64::from(digit))?;
        }
        if negative {
            Some(n)
        } else {
            n.checked_neg()
        }
    }

    /// The literal text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A JSON object: members in order, names unique.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Object<'a>(Vec<(Cow<'a, str>, Value<'a>)>);

/// Parses `text` as one JSON value, with optional whitespace around it.
pub fn parse(text: &[u8]) -> Result<Value<'_>, JsonError> {
    let mut parser = Parser {
        text,
        pos: 0,
        depth: 0,
    };
    let value = parser.value()?;
    parser.skip_whitespace();
    if parser.pos != text.len() {
        return Err(JsonError);
    }
    Ok(value)
}

/// Parses `text`, which must be a JSON object.
pub fn parse_object(text: &[u8]) -> Result<Object<'_>, JsonError> {
    match parse(text)? {
        Value::Object(object) => Ok(object),
        _ => Err(JsonError),
    }
}

impl<'a> Value<'a> {
    /// The member `name` of an object; `None` for a missing member or a non-object.
    pub fn get(&self, name: &str) -> Option<&Value<'a>> {
        self.as_object()?.get(name)
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is an integer number in `i64` range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Value<'a>]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&Object<'a>> {
        match self {
            Value::Object(object) => Some(object),
            _ => None,
        }
    }

    /// The object, mutably, if this is one.
    pub fn as_object_mut(&mut self) -> Option<&mut Object<'a>> {
        match self {
            Value::Object(object) => Some(object),
            _ => None,
        }
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// A copy that borrows nothing.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Number(Number(n)) => Value::Number(Number(Cow::Owned(n.into_owned()))),
            Value::String(s) => Value::String(Cow::Owned(s.into_owned())),
            Value::Array(items) => Value::Array(items.into_iter().map(Value::into_owned).collect()),
            Value::Object(object) => Value::Object(object.into_owned()),
        }
    }

    /// The value as compact JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(n.as_str()),
            Value::String(s) => write_string(s, out),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Value::Object(object) => object.write(out),
        }
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json())
    }
}

/// Wipes every owned string (escaped strings of a parsed value are owned copies).
impl Zeroize for Value<'_> {
    fn zeroize(&mut self) {
        match self {
            Value::String(Cow::Owned(s)) | Value::Number(Number(Cow::Owned(s))) => s.zeroize(),
            Value::Array(items) => items.iter_mut().for_each(Zeroize::zeroize),
            Value::Object(Object(members)) => {
                for (name, value) in members {
                    if let Cow::Owned(name) = name {
                        name.zeroize();
                    }
                    value.zeroize();
                }
            }
            _ => {}
        }
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(s: &'a str) -> Value<'a> {
        Value::String(Cow::Borrowed(s))
    }
}

impl From<String> for Value<'_> {
    fn from(s: String) -> Self {
        Value::String(Cow::Owned(s))
    }
}

impl From<i64> for Value<'_> {
    fn from(n: i64) -> Self {
        Value::Number(Number(Cow::Owned(decimal(n))))
    }
}

/// `n` in decimal, without `core::fmt` (which the widget's Wasm does not otherwise link).
fn decimal(n: i64) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut out = String::with_capacity(21);
    if n < 0 {
        out.push('-');
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
    out
}

impl<'a> From<Object<'a>> for Value<'a> {
    fn from(object: Object<'a>) -> Value<'a> {
        Value::Object(object)
    }
}

impl<'a> From<Vec<Value<'a>>> for Value<'a> {
    fn from(items: Vec<Value<'a>>) -> Value<'a> {
        Value::Array(items)
    }
}

impl<'a> Object<'a> {
    /// An empty object.
    pub fn new() -> Object<'a> {
        Object(Vec::new())
    }

    /// The member `name`.
    pub fn get(&self, name: &str) -> Option<&Value<'a>> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The member `name`, mutably.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value<'a>> {
        self.0.iter_mut().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Whether the member `name` is present.
    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets the member `name`: in place if present, else last.
    pub fn insert(&mut self, name: impl Into<Cow<'a, str>>, value: impl Into<Value<'a>>) {
        self.put(name.into(), value.into());
    }

    /// [`Object::insert`] after the conversions: one copy in the binary, not one per pair of
    /// argument types.
    fn put(&mut self, name: Cow<'a, str>, value: Value<'a>) {
        match self.get_mut(&name) {
            Some(slot) => *slot = value,
            None => self.0.push((name, value)),
        }
    }

    /// Removes the member `name` and returns its value.
    pub fn remove(&mut self, name: &str) -> Option<Value<'a>> {
        let i = self.0.iter().position(|(n, _)| n == name)?;
        Some(self.0.remove(i).1)
    }

    /// The members, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value<'a>)> {
        self.0.iter().map(|(n, v)| (&**n, v))
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The string member `name`; an error when missing or not a string.
    pub fn string(&self, name: &str) -> Result<&str, JsonError> {
        self.optional_string(name)?.ok_or(JsonError)
    }

    /// The string member `name`, `None` when missing or `null`; an error for other types.
    pub fn optional_string(&self, name: &str) -> Result<Option<&str>, JsonError> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(JsonError),
        }
    }

    /// The integer member `name`; an error when missing or not an `i64` integer.
    pub fn integer(&self, name: &str) -> Result<i64, JsonError> {
        self.optional_integer(name)?.ok_or(JsonError)
    }

    /// The integer member `name`, `None` when missing or `null`; an error for other values.
    pub fn optional_integer(&self, name: &str) -> Result<Option<i64>, JsonError> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value.as_i64().map(Some).ok_or(JsonError),
        }
    }

    /// A copy that borrows nothing.
    pub fn into_owned(self) -> Object<'static> {
        Object(
            self.0
                .into_iter()
                .map(|(n, v)| (Cow::Owned(n.into_owned()), v.into_owned()))
                .collect(),
        )
    }

    /// The object as compact JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        out.push('{');
        for (i, (name, value)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_string(name, out);
            out.push(':');
            value.write(out);
        }
        out.push('}');
    }
}

/// Appends `s` as a JSON string: `"` and `\` escaped, control characters as `\n`, `\u001f`...
pub fn write_string(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    // Runs of characters that need no escape are copied whole; the bytes that do are all
    // ASCII, so the text around each is still whole characters (`get` never misses).
    let mut rest = s;
    while let Some(at) = rest
        .bytes()
        .position(|b| b < b' ' || b == b'"' || b == b'\\')
    {
        out.push_str(rest.get(..at).unwrap_or_default());
        match rest.as_bytes().get(at).copied().unwrap_or_default() {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            c => {
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(c >> 4)]));
                out.push(char::from(HEX[usize::from(c & 0xf)]));
            }
        }
        rest = rest.get(at + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out.push('"');
}

struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn value(&mut self) -> Result<Value<'a>, JsonError> {
        self.skip_whitespace();
        match self.peek().ok_or(JsonError)? {
            b'{' => self.nested(Parser::object),
            b'[' => self.nested(Parser::array),
            b'"' => self.string().map(Value::String),
            b't' => self.literal("true", Value::Bool(true)),
            b'f' => self.literal("false", Value::Bool(false)),
            b'n' => self.literal("null", Value::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(JsonError),
        }
    }

    fn nested(
        &mut self,
        inner: fn(&mut Parser<'a>) -> Result<Value<'a>, JsonError>,
    ) -> Result<Value<'a>, JsonError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(JsonError);
        }
        self.pos += 1; // the opening bracket
        let value = inner(self)?;
        self.depth -= 1;
        Ok(value)
    }

    fn object(&mut self) -> Result<Value<'a>, JsonError> {
        let mut members = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(Object::new()));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(JsonError);
            }
            let name = self.string()?;
            // A repeated name is refused: each name is compared with those before it, at most
            // MAX_MEMBERS - 1 of them, so the check is linear in the text (see MAX_MEMBERS).
            if members.len() >= MAX_MEMBERS || members.iter().any(|(n, _)| *n == name) {
                return Err(JsonError);
            }
            self.skip_whitespace();
            self.expect(b':')?;
            let value = self.value()?;
            members.push((name, value));
            self.skip_whitespace();
            match self.next() {
                Some(b',') => {}
                Some(b'}') => return Ok(Value::Object(Object(members))),
                _ => return Err(JsonError),
            }
        }
    }

    fn array(&mut self) -> Result<Value<'a>, JsonError> {
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_whitespace();
            match self.next() {
                Some(b',') => {}
                Some(b']') => return Ok(Value::Array(items)),
                _ => return Err(JsonError),
            }
        }
    }

    /// A string (RFC 8259 §7), at its opening quote. Borrowed unless it has escapes.
    fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        self.pos += 1;
        let start = self.pos;
        let mut escaped = false;
        loop {
            match self.next().ok_or(JsonError)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.next().ok_or(JsonError)?;
                }
                0..=0x1f => return Err(JsonError),
                _ => {}
            }
        }
        let raw = self.text.get(start..self.pos - 1).ok_or(JsonError)?;
        if !escaped {
            return core::str::from_utf8(raw)
                .map(Cow::Borrowed)
                .map_err(|_| JsonError);
        }
        // Unescaping only shortens: one allocation, never moved, so nothing is left behind.
        let mut out = Vec::with_capacity(raw.len());
        let mut bytes = raw.iter().copied();
        while let Some(b) = bytes.next() {
            if b != b'\\' {
                out.push(b);
                continue;
            }
            let c = match bytes.next().ok_or(JsonError)? {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => unicode_escape(&mut bytes)?,
                _ => return Err(JsonError),
            };
            out.extend_from_slice(c.encode_utf8(&mut [0u8; 4]).as_bytes());
        }
        String::from_utf8(out)
            .map(Cow::Owned)
            .map_err(|_| JsonError)
    }

    /// A number (RFC 8259 §6): `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Result<Value<'a>, JsonError> {
        let start = self.pos;
        self.eat(b'-');
        if !self.eat(b'0') {
            self.digits()?;
        }
        if self.eat(b'.') {
            self.digits()?;
        }
        if self.eat(b'e') || self.eat(b'E') {
            let _ = self.eat(b'+') || self.eat(b'-');
            self.digits()?;
        }
        let digits = self.text.get(start..self.pos).ok_or(JsonError)?;
        let literal = core::str::from_utf8(digits).map_err(|_| JsonError)?;
        Ok(Value::Number(Number(Cow::Borrowed(literal))))
    }

    /// One or more decimal digits.
    fn digits(&mut self) -> Result<(), JsonError> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == start {
            Err(JsonError)
        } else {
            Ok(())
        }
    }

    fn literal(&mut self, word: &str, value: Value<'a>) -> Result<Value<'a>, JsonError> {
        let rest = self.text.get(self.pos..).unwrap_or_default();
        if rest.starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(JsonError)
        }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), JsonError> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(JsonError)
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.pos += 1;
        }
        found
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.pos += 1;
        Some(byte)
    }
}

/// The character of a `\uXXXX` escape, after the `u`; a UTF-16 surrogate pair takes two
/// escapes, and a lone surrogate is refused.
fn unicode_escape(bytes: &mut impl Iterator<Item = u8>) -> Result<char, JsonError> {
    let first = hex4(bytes)?;
    let code = match first {
        0xd800..=0xdbff => {
            if bytes.next() != Some(b'\\') || bytes.next() != Some(b'u') {
                return Err(JsonError);
            }
            let second = hex4(bytes)?;
            if !(0xdc00..=0xdfff).contains(&second) {
                return Err(JsonError);
            }
            0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
        }
        0xdc00..=0xdfff => return Err(JsonError),
        _ => first,
    };
    char::from_u32(code).ok_or(JsonError)
}

fn hex4(bytes: &mut impl Iterator<Item = u8>) -> Result<u32, JsonError> {
    let mut code = 0;
    for _ in 0..4 {
        let digit = char::from(bytes.next().ok_or(JsonError)?)
            .to_digit(16)
            .ok_or(JsonError)?;
        code = code * 16 + digit;
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn parses_and_writes_back() {
        let text =
            r#"{"a":[1,-2.5e3,true,false,null],"b":{"c":"d\"\\\n\u00e9\ud83d\ude00"},"e":{}}"#;
        let value = parse(text.as_bytes()).unwrap();
        assert_eq!(
            value.get("a").unwrap().as_array().unwrap()[0].as_i64(),
            Some(1)
        );
        assert_eq!(
            value.get("a").unwrap().as_array().unwrap()[1].as_i64(),
            None
        );
        assert_eq!(
            value.get("b").unwrap().get("c").unwrap().as_str(),
            Some("d\"\\\né😀")
        );
        assert_eq!(
            value.to_json(),
            "{\"a\":[1,-2.5e3,true,false,null],\"b\":{\"c\":\"d\\\"\\\\\\né😀\"},\"e\":{}}"
        );
        assert_eq!(parse(value.to_json().as_bytes()).unwrap(), value);
        let spaced = parse(b" \r\n\t[ 1 , { \"x\" : [ ] } ] ").unwrap();
        assert_eq!(spaced.to_json(), r#"[1,{"x":[]}]"#);
    }

    #[test]
    fn borrows_unescaped_strings_only() {
        let value = parse(br#"["plain","esc\/aped"]"#).unwrap();
        let items = value.as_array().unwrap();
        assert!(matches!(&items[0], Value::String(Cow::Borrowed("plain"))));
        assert!(matches!(&items[1], Value::String(Cow::Owned(s)) if s == "esc/aped"));
    }

    #[test]
    fn refuses_what_rfc8259_refuses_and_duplicates() {
        for text in [
            "",
            " ",
            "{",
            "}",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a:1}",
            "'a'",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "+1",
            "0x10",
            "NaN",
            "Infinity",
            "tru",
            "nul",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"a\nb\"",
            "\"unterminated",
            "1 2",
            "{\"a\":1,\"a\":2}",
            "[1]x",
        ] {
            assert_eq!(parse(text.as_bytes()), Err(JsonError), "{text:?}");
        }
        assert_eq!(parse(b"\"\xff\""), Err(JsonError), "invalid UTF-8");
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(deep.as_bytes()), Err(JsonError));
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(ok.as_bytes()).is_ok());
    }

    /// An object of 100,000 members is refused at its 65th, after at most 63 comparisons per
    /// member; the duplicate check once compared each name with all before it, five billion
    /// comparisons for this text. Up to MAX_MEMBERS, duplicates are refused wherever they are.
    #[test]
    fn member_limit_bounds_the_duplicate_check() {
        let object = |names: &mut dyn Iterator<Item = usize>| {
            let members: Vec<String> = names.map(|i| alloc::format!("\"m{i}\":{i}")).collect();
            ["{", &members.join(","), "}"].concat()
        };
        let huge = object(&mut (0..100_000));
        assert_eq!(parse(huge.as_bytes()), Err(JsonError));
        let full = object(&mut (0..MAX_MEMBERS));
        assert_eq!(
            parse(full.as_bytes()).unwrap().as_object().unwrap().len(),
            MAX_MEMBERS
        );
        assert_eq!(
            parse(object(&mut (0..=MAX_MEMBERS)).as_bytes()),
            Err(JsonError)
        );
        for repeat in [0, 1, MAX_MEMBERS - 2] {
            let names = (0..MAX_MEMBERS - 1).chain([repeat]);
            assert_eq!(parse(object(&mut names.clone()).as_bytes()), Err(JsonError));
        }
        // The limit is per object: many full objects in an array are fine.
        let many = ["[", &[full.as_str(); 100].join(","), "]"].concat();
        assert_eq!(
            parse(many.as_bytes()).unwrap().as_array().unwrap().len(),
            100
        );
    }

    #[test]
    fn integers_only_in_range() {
        for (text, want) in [
            ("0", Some(0)),
            ("-0", Some(0)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("-9223372036854775809", None),
            ("100000000000000000000", None),
            ("-42", Some(-42)),
            ("10", Some(10)),
            ("-0.5", None),
            ("-1E2", None),
            ("1.0", None),
            ("1e3", None),
        ] {
            assert_eq!(parse(text.as_bytes()).unwrap().as_i64(), want, "{text}");
        }
        for n in [0, 7, -42, 1_700_000_000, i64::MAX, i64::MIN] {
            assert_eq!(Value::from(n).to_json(), n.to_string());
        }
    }

    #[test]
    fn escapes_control_characters_like_json_stringify() {
        let mut out = String::new();
        write_string("\u{0}\u{1f}\u{8}\u{c}\t\"\\/é", &mut out);
        assert_eq!(out, r#""\u0000\u001f\b\f\t\"\\/é""#);
    }

    #[test]
    fn objects_keep_order_and_replace_in_place() {
        let mut object = Object::new();
        object.insert("b", "1");
        object.insert("a", 2_i64);
        object.insert("b", Value::Null);
        assert_eq!(object.to_json(), r#"{"b":null,"a":2}"#);
        assert_eq!(object.optional_string("b"), Ok(None));
        assert_eq!(object.optional_string("a"), Err(JsonError));
        assert_eq!(object.integer("a"), Ok(2));
        assert_eq!(object.remove("b"), Some(Value::Null));
        assert_eq!(object.len(), 1);
    }

    #[test]
    fn zeroize_wipes_owned_strings() {
        let mut value = parse(br#"{"k":"a\"b","n":[1]}"#).unwrap();
        value.zeroize();
        assert_eq!(value.get("k").unwrap().as_str(), Some(""));
    }
}

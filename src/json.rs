//! A small JSON value, parser and writer.
//!
//! The core reads provider responses and saved flow documents itself, so that the
//! same bytes behave the same natively, under wasm and under the fuzzer. It is
//! deliberately tiny: serde_json would cost several times the whole size budget.
//! Numbers are kept as integers when they are whole; anything else stays as its
//! text (the core never needs fractional values).

use alloc::string::String;
use alloc::vec::Vec;

/// Nesting deeper than this is refused instead of recursing further.
const MAX_DEPTH: usize = 64;

/// A parsed JSON value. Object members keep their order.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A whole number that fits in an `i64`.
    Int(i64),
    /// Any other number, kept as written.
    Num(String),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<Value>),
    /// An object, members in document order.
    Obj(Vec<(String, Value)>),
}

impl Value {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    /// Follows a dotted path such as `error.details.retryInSeconds`; a segment
    /// indexes an array when it is a whole number (`errors.0.code`), and `*` is
    /// the first member of an object or array (`data.*.code`, `*.0`).
    pub fn path(&self, path: &str) -> Option<&Value> {
        if path.is_empty() {
            return Some(self);
        }
        let (mut v, mut rest) = (self, path);
        while let Some((k, more)) = cut(rest, b'.') {
            v = v.member(k)?;
            rest = more;
        }
        v.member(rest)
    }
    /// One path segment: an object member, an array index, or `*`.
    fn member(&self, k: &str) -> Option<&Value> {
        match self {
            Value::Obj(m) if k == "*" => m.first().map(|(_, v)| v),
            Value::Obj(_) => self.get(k),
            Value::Arr(a) if k == "*" => a.first(),
            Value::Arr(a) => a.get(usize::try_from(parse_int(k)?).ok()?),
            _ => None,
        }
    }
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    /// A non-empty string, if this is one.
    pub fn as_text(&self) -> Option<&str> {
        self.as_str().filter(|s| !s.is_empty())
    }
    /// The integer, if this is a whole number (or a string holding one).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            Value::Str(s) => parse_int(s),
            _ => None,
        }
    }
    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// The items, if this is an array.
    pub fn as_arr(&self) -> Option<&[Value]> {
        match self {
            Value::Arr(a) => Some(a),
            _ => None,
        }
    }
    /// True for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    /// A string member, non-empty.
    pub fn str_at(&self, path: &str) -> Option<&str> {
        self.path(path).and_then(Value::as_text)
    }
    /// An integer member.
    pub fn int_at(&self, path: &str) -> Option<i64> {
        self.path(path).and_then(Value::as_i64)
    }
    /// Serialises to compact JSON.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_value(&mut out, self);
        out
    }
}

/// Builds an object value from members; `Null` members are dropped so optional
/// fields disappear instead of being written as `null`.
pub fn obj(members: Vec<(&str, Value)>) -> Value {
    Value::Obj(
        members
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (String::from(k), v))
            .collect(),
    )
}

/// A string value.
pub fn s(v: &str) -> Value {
    Value::Str(String::from(v))
}

/// An optional string value (`Null` when absent).
pub fn opt_s(v: Option<&str>) -> Value {
    v.map_or(Value::Null, s)
}

/// An optional integer value (`Null` when absent).
pub fn opt_i(v: Option<i64>) -> Value {
    v.map_or(Value::Null, Value::Int)
}

/// Where `needle` first occurs in `hay` (a byte loop: `str` pattern searching
/// costs kilobytes of wasm).
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    if n.is_empty() {
        return Some(0);
    }
    let h = hay.as_bytes();
    (0..h.len().saturating_sub(n.len()) + 1).find(|&i| h.get(i..i + n.len()) == Some(n))
}

/// Where the first byte of `text` in `set` is (a byte loop, like [`find`]).
pub fn find_any(text: &str, set: &[u8]) -> Option<usize> {
    text.bytes().position(|b| set.contains(&b))
}

/// Splits `text` around the first `sep` (an ASCII byte): `(before, after)`.
#[inline(never)]
pub fn cut(text: &str, sep: u8) -> Option<(&str, &str)> {
    let i = text.bytes().position(|b| b == sep)?;
    Some((text.get(..i)?, text.get(i + 1..)?))
}

/// Splits `text` around the last `sep` (an ASCII byte).
pub fn rcut(text: &str, sep: u8) -> Option<(&str, &str)> {
    let i = text.bytes().rposition(|b| b == sep)?;
    Some((text.get(..i)?, text.get(i + 1..)?))
}

/// `text` up to the first byte in `set` (all of it when there is none).
pub fn before_any<'a>(text: &'a str, set: &[u8]) -> &'a str {
    find_any(text, set)
        .and_then(|i| text.get(..i))
        .unwrap_or(text)
}

/// True when `hay` contains `needle` ignoring ASCII case.
pub fn contains_ci(hay: &str, needle: &str) -> bool {
    let n = needle.as_bytes();
    let h = hay.as_bytes();
    (0..h.len().saturating_sub(n.len()) + 1).any(|i| {
        h.get(i..i + n.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(n))
    })
}

/// The number of characters of `text` (a byte loop: counts the bytes that start one).
pub fn char_count(text: &str) -> usize {
    text.bytes().filter(|b| b & 0xC0 != 0x80).count()
}

/// `text` with every `from` replaced by `to`.
pub fn replace(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = find(rest, from).filter(|_| !from.is_empty()) {
        out.push_str(rest.get(..i).unwrap_or(""));
        out.push_str(to);
        rest = rest.get(i + from.len()..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// Parses a whole decimal number with an optional minus sign.
pub fn parse_int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = digits
        .bytes()
        .fold(0i64, |acc, b| acc * 10 + i64::from(b - b'0'));
    Some(if neg { -n } else { n })
}

/// Writes an integer in decimal.
pub fn push_int(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    let mut v = n.unsigned_abs();
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            *slot = b'0' + (v % 10) as u8;
        }
        v /= 10;
        if v == 0 || i == 0 {
            break;
        }
    }
    for b in buf.iter().skip(i) {
        out.push(char::from(*b));
    }
}

/// An integer as a string.
pub fn int_str(n: i64) -> String {
    let mut s = String::new();
    push_int(&mut s, n);
    s
}

/// Writes JSON straight into a string: objects member by member, with `None`
/// members left out (the same output as building an [`obj`] and serialising it,
/// without the tree).
#[derive(Default)]
pub struct Writer {
    /// The text so far.
    pub out: String,
    first: bool,
}

impl Writer {
    /// An empty writer, with room for a typical step's output (growing a
    /// string byte by byte was a tenth of a step's time).
    pub fn new() -> Self {
        Writer {
            out: String::with_capacity(512),
            first: false,
        }
    }
    /// Starts a member: a comma unless it is the first, then `"key":`.
    #[inline(never)]
    pub fn key(&mut self, k: &str) -> &mut Self {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        write_str(&mut self.out, k);
        self.out.push(':');
        self
    }
    /// Opens an object (as a value: after [`Writer::key`], at the top, or as an array item).
    #[inline(never)]
    pub fn open(&mut self) -> &mut Self {
        self.out.push('{');
        self.first = true;
        self
    }
    /// Opens an array (as a value).
    pub fn open_arr(&mut self) -> &mut Self {
        self.out.push('[');
        self.first = true;
        self
    }
    /// Starts an array item: a comma unless it is the first.
    pub fn item(&mut self) -> &mut Self {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        self
    }
    /// Closes an object.
    pub fn close(&mut self) -> &mut Self {
        self.out.push('}');
        self.first = false;
        self
    }
    /// Closes the object and hands over the text.
    pub fn end(&mut self) -> String {
        self.close();
        core::mem::take(&mut self.out)
    }
    /// Closes an array.
    pub fn close_arr(&mut self) -> &mut Self {
        self.out.push(']');
        self.first = false;
        self
    }
    /// Member `k` holding an object; close it with [`Writer::close`].
    pub fn obj(&mut self, k: &str) -> &mut Self {
        self.key(k).open()
    }
    /// A string member.
    #[inline(never)]
    pub fn str(&mut self, k: &str, v: &str) -> &mut Self {
        self.key(k);
        write_str(&mut self.out, v);
        self
    }
    /// A string member, left out when `None`.
    pub fn opt_str(&mut self, k: &str, v: Option<&str>) -> &mut Self {
        if let Some(v) = v {
            self.str(k, v);
        }
        self
    }
    /// An integer member.
    pub fn int(&mut self, k: &str, n: i64) -> &mut Self {
        self.key(k);
        push_int(&mut self.out, n);
        self
    }
    /// An integer member, left out when `None`.
    pub fn opt_int(&mut self, k: &str, n: Option<i64>) -> &mut Self {
        if let Some(n) = n {
            self.int(k, n);
        }
        self
    }
    /// A boolean member.
    pub fn bool(&mut self, k: &str, b: bool) -> &mut Self {
        self.key(k);
        self.out.push_str(if b { "true" } else { "false" });
        self
    }
    /// `k: true` when `on`, else nothing.
    pub fn flag(&mut self, k: &str, on: bool) -> &mut Self {
        if on {
            self.bool(k, true);
        }
        self
    }
    /// A member holding `v`, left out when it is `null`.
    #[inline(never)]
    pub fn value(&mut self, k: &str, v: &Value) -> &mut Self {
        if !v.is_null() {
            self.key(k);
            write_value(&mut self.out, v);
        }
        self
    }
    /// A string value (an array item after [`Writer::item`]).
    pub fn raw_str(&mut self, v: &str) -> &mut Self {
        write_str(&mut self.out, v);
        self
    }
}

/// Writes `v` as compact JSON.
pub fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Int(n) => push_int(out, *n),
        Value::Num(t) => out.push_str(t),
        Value::Str(t) => write_str(out, t),
        Value::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Obj(members) => {
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

fn write_str(out: &mut String, t: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut first = None;
    for (i, &b) in t.as_bytes().iter().enumerate() {
        if b < 0x20 || b == b'"' || b == b'\\' {
            first = Some(i);
            break;
        }
    }
    // Most strings (keys, ids, URLs, codes) need no escape: one copy.
    let Some(first) = first else {
        out.reserve(t.len() + 2);
        out.push('"');
        out.push_str(t);
        out.push('"');
        return;
    };
    out.push('"');
    // Runs of bytes that need no escape are copied whole; every escaped byte is
    // ASCII, so each run ends on a character boundary.
    let mut run = 0;
    for (i, b) in t.bytes().enumerate().skip(first) {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "\\u00",
            _ => continue,
        };
        out.push_str(t.get(run..i).unwrap_or(""));
        out.push_str(esc);
        if esc.len() > 2 {
            for n in [b >> 4, b & 15] {
                out.push(char::from(HEX.get(usize::from(n)).copied().unwrap_or(b'0')));
            }
        }
        run = i + 1;
    }
    out.push_str(t.get(run..).unwrap_or(""));
    out.push('"');
}

/// Parses a complete JSON document; `None` for anything malformed, truncated,
/// nested deeper than 64 levels, or followed by trailing garbage.
pub fn parse(text: &str) -> Option<Value> {
    let mut p = Parser {
        t: text,
        b: text.as_bytes(),
        i: 0,
    };
    let v = p.value(0)?;
    p.ws();
    if p.i == p.b.len() {
        Some(v)
    } else {
        None
    }
}

struct Parser<'a> {
    t: &'a str,
    b: &'a [u8],
    i: usize,
}

// The per-byte helpers are forced inline: at opt-level "z" they stay calls, and
// parsing is most of a step's time. They cost a few hundred bytes of wasm.
impl Parser<'_> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    #[inline(always)]
    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }
    #[inline(always)]
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.i += 1;
        }
    }
    fn lit(&mut self, word: &[u8], v: Value) -> Option<Value> {
        let end = self.i.checked_add(word.len())?;
        if self.b.get(self.i..end)? == word {
            self.i = end;
            Some(v)
        } else {
            None
        }
    }
    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        match self.peek()? {
            b'n' => self.lit(b"null", Value::Null),
            b't' => self.lit(b"true", Value::Bool(true)),
            b'f' => self.lit(b"false", Value::Bool(false)),
            b'"' => self.string().map(Value::Str),
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(Value::Arr(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.bump()? {
                        b',' => continue,
                        b']' => return Some(Value::Arr(items)),
                        _ => return None,
                    }
                }
            }
            b'{' => {
                self.i += 1;
                let mut members = Vec::new();
                self.ws();
                if self.peek()? == b'}' {
                    self.i += 1;
                    return Some(Value::Obj(members));
                }
                loop {
                    self.ws();
                    if self.peek()? != b'"' {
                        return None;
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.bump()? != b':' {
                        return None;
                    }
                    let v = self.value(depth + 1)?;
                    members.push((k, v));
                    self.ws();
                    match self.bump()? {
                        b',' => continue,
                        b'}' => return Some(Value::Obj(members)),
                        _ => return None,
                    }
                }
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }
    fn number(&mut self) -> Option<Value> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        if self.i == int_start {
            return None;
        }
        let mut whole = true;
        if self.peek() == Some(b'.') {
            whole = false;
            self.i += 1;
            let s = self.i;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
            if self.i == s {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            whole = false;
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            let s = self.i;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
            if self.i == s {
                return None;
            }
        }
        let text = self.t.get(start..self.i)?;
        if whole {
            if let Some(n) = parse_int(text) {
                return Some(Value::Int(n));
            }
        }
        Some(Value::Num(String::from(text)))
    }
    fn hex4(&mut self) -> Option<u32> {
        let mut n = 0u32;
        for _ in 0..4 {
            let d = match self.bump()? {
                c @ b'0'..=b'9' => c - b'0',
                c @ b'a'..=b'f' => c - b'a' + 10,
                c @ b'A'..=b'F' => c - b'A' + 10,
                _ => return None,
            };
            n = n * 16 + u32::from(d);
        }
        Some(n)
    }
    fn string(&mut self) -> Option<String> {
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            let run = self.i;
            while matches!(self.peek(), Some(c) if c != b'"' && c != b'\\' && c >= 0x20) {
                self.i += 1;
            }
            // The run starts and ends next to ASCII bytes, so it is whole characters.
            let chunk = self.t.get(run..self.i)?;
            if out.is_empty() && self.peek() == Some(b'"') {
                self.i += 1;
                return Some(String::from(chunk));
            }
            out.push_str(chunk);
            match self.bump()? {
                b'"' => return Some(out),
                b'\\' => {
                    let c = match self.bump()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if self.bump()? != b'\\' || self.bump()? != b'u' {
                                    return None;
                                }
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return None;
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            char::from_u32(code)?
                        }
                        _ => return None,
                    };
                    out.push(c);
                }
                _ => return None, // raw control character
            }
        }
    }
}

/// The one check of a saved flow document, for every engine: FNV-1a 64 of the
/// document text, hex. Catches accidental damage (a truncated file, a stray
/// edit), not tampering: it is unkeyed, so anyone who can write the document
/// can recompute it. Documents are protected from other users by the
/// store (owner-only files, ownership checks), not by this check.
pub fn checksum(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut out = String::with_capacity(16);
    for i in (0..16).rev() {
        let d = ((h >> (i * 4)) & 15) as u8;
        out.push(char::from(if d < 10 { b'0' + d } else { b'a' + d - 10 }));
    }
    out
}

/// Ends the object `w` has written since byte `start` with its `check` member:
/// the [`checksum`] of the object's text as written.
pub fn seal(w: &mut Writer, start: usize) {
    let check = checksum(w.out.get(start..).unwrap_or(""));
    w.out.pop(); // the closing brace: the check goes inside
    w.str("check", &check).close();
}

/// The parts one after another (`concat` links a generic join with a panic path).
#[inline(never)]
pub fn join(parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts {
        out.push_str(p);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn round_trips() {
        let text = r#"{"a":[1,-2,3.5,true,null,"x\"\n\u00e9\ud83d\ude00"],"b":{}}"#;
        let v = parse(text).unwrap();
        assert_eq!(v.path("a").unwrap().as_arr().unwrap()[1], Value::Int(-2));
        let again = parse(&v.to_json()).unwrap();
        assert_eq!(v, again);
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "",
            "{",
            "[1,",
            "{\"a\" 1}",
            "01x",
            "\"\\x\"",
            "[1] 2",
            "tru",
            "\"\u{1}\"",
            "-",
            "1.",
            "1e",
            "\"\\ud800\"",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert!(parse(&deep).is_none());
    }

    #[test]
    fn ints() {
        assert_eq!(int_str(0), "0");
        assert_eq!(int_str(-120), "-120");
        assert_eq!(int_str(i64::MIN), "-9223372036854775808");
        assert_eq!(parse_int("007"), Some(7));
        assert_eq!(parse_int("99999999999999999999"), None);
    }
}

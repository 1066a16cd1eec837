//! A small JSON value, parser and writer.
//!
//! The core reads provider responses and saved flow documents itself, so that the
//! same bytes behave the same natively, under wasm and under the fuzzer. It is
//! deliberately tiny: serde_json would cost several times the whole size budget.
//! Numbers are kept as integers when they are whole; anything else stays as its
//! text (the core never needs fractional values).

mod parse;
mod write;

pub use parse::{parse, parse_keeping};
pub use write::{seal, write_value, Writer};

use crate::text::parse_int;
use alloc::string::String;
use alloc::vec::Vec;

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
            // Most keys differ from `key` in length or first byte: compare those
            // before calling memcmp (a resume looks up about 40 members).
            Value::Obj(m) => m
                .iter()
                .find(|(k, _)| {
                    k.len() == key.len()
                        && k.as_bytes().first() == key.as_bytes().first()
                        && k == key
                })
                .map(|(_, v)| v),
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
        while let Some((k, more)) = crate::text::cut(rest, b'.') {
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
    let mut out = Vec::with_capacity(members.len());
    for (k, v) in members {
        if !v.is_null() {
            out.push((String::from(k), v));
        }
    }
    Value::Obj(out)
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
}

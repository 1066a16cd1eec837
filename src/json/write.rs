//! The JSON writer: [`Writer`] for output built member by member, [`write_value`]
//! for a parsed tree, and [`seal`] for the integrity check of saved documents.

use super::Value;
use crate::text::push_int;
use alloc::string::String;

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
        let lead = self.lead();
        quoted(&mut self.out, lead, k, "\":");
        self
    }
    /// What starts the next member: its opening quote, after a comma unless it is the first.
    fn lead(&mut self) -> &'static str {
        let first = core::mem::replace(&mut self.first, false);
        if first {
            "\""
        } else {
            ",\""
        }
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
        // `"k":"v"` in as few copies as the escapes allow (a step writes ~40 members).
        let lead = self.lead();
        quoted(&mut self.out, lead, k, "\":\"");
        quoted(&mut self.out, "", v, "\"");
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
                quoted(out, if i > 0 { ",\"" } else { "\"" }, k, "\":");
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

fn write_str(out: &mut String, t: &str) {
    quoted(out, "\"", t, "\"");
}

/// `open`, then `t` escaped as the inside of a JSON string, then `close`: the quotes are in
/// `open` and `close`, with whatever punctuation goes around them (`,"` and `":`), so a member
/// is written in a few copies rather than a push per character of punctuation.
fn quoted(out: &mut String, open: &str, t: &str, close: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut first = None;
    for (i, &b) in t.as_bytes().iter().enumerate() {
        if b < 0x20 || b == b'"' || b == b'\\' {
            first = Some(i);
            break;
        }
    }
    out.reserve(open.len() + t.len() + close.len());
    out.push_str(open);
    // Most strings (keys, ids, URLs, codes) need no escape: one copy.
    let Some(first) = first else {
        out.push_str(t);
        out.push_str(close);
        return;
    };
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
    out.push_str(close);
}

/// Ends the object `w` has written since byte `start` with its `check` member:
/// the [`crate::crypto::checksum`] of the object's text as written.
pub fn seal(w: &mut Writer, start: usize) {
    let check = crate::crypto::checksum(w.out.get(start..).unwrap_or(""));
    w.out.pop(); // the closing brace: the check goes inside
    w.str("check", &check).close();
}

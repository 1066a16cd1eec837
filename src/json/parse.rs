//! The JSON parser: strict (RFC 8259), depth-limited, no trailing garbage.

use super::Value;
use crate::text::parse_int;
use alloc::string::String;
use alloc::vec::Vec;

/// Nesting deeper than this is refused instead of recursing further.
const MAX_DEPTH: usize = 64;

/// Parses a complete JSON document; `None` for anything malformed, truncated,
/// nested deeper than 64 levels, or followed by trailing garbage.
pub fn parse(text: &str) -> Option<Value> {
    parse_keeping(text, "", &mut |_| None).map(|(v, _)| v)
}

/// As [`parse`], and the text of the top-level member `key` as it was given (the step's
/// saved document: its check is first tried over that text, without writing it again).
///
/// `known` is shown the text from the start of that member's value to the end; when it
/// answers a length, the value is a JSON text the caller wrote itself and recognises byte
/// for byte (a flow's document it still holds, see `protocol::Memo`): it is skipped
/// unparsed and read as `null`, and kept as given.
pub fn parse_keeping<'a>(
    text: &'a str,
    key: &'a str,
    known: &mut dyn FnMut(&str) -> Option<usize>,
) -> Option<(Value, Option<&'a str>)> {
    let mut p = Parser {
        t: text,
        b: text.as_bytes(),
        i: 0,
        keep: key,
        kept: None,
        known,
    };
    let v = p.value(0)?;
    p.ws();
    if p.i == p.b.len() {
        Some((v, p.kept))
    } else {
        None
    }
}

struct Parser<'a, 'k> {
    t: &'a str,
    b: &'a [u8],
    i: usize,
    keep: &'a str,
    kept: Option<&'a str>,
    known: &'k mut dyn FnMut(&str) -> Option<usize>,
}

// The per-byte helpers are forced inline: at opt-level "z" they stay calls, and
// parsing is most of a step's time. They cost a few hundred bytes of wasm.
impl Parser<'_, '_> {
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
                    self.ws();
                    let at = self.i;
                    let v = if depth == 0 && k == self.keep {
                        let rest = self.t.get(at..)?;
                        let v = match (self.known)(rest) {
                            Some(len) => {
                                self.i = at.checked_add(len)?;
                                Value::Null
                            }
                            None => self.value(depth + 1)?,
                        };
                        self.kept = self.t.get(at..self.i);
                        v
                    } else {
                        self.value(depth + 1)?
                    };
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

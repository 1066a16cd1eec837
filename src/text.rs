//! Byte-level text helpers for the whole crate: finding, cutting and
//! replacing substrings, counting characters, and whole numbers to and from
//! decimal text.
//!
//! They are byte loops on purpose: `str` pattern searching (`split_once("://")`,
//! `contains("..")`) links several kilobytes of searcher code into the wasm, and
//! `format!`/`core::fmt` is kept out of it altogether.

use alloc::string::String;

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

/// Whether `b` is one of `set` (a loop: `[u8]::contains` is ~380 B of generic search code).
fn in_set(b: u8, set: &[u8]) -> bool {
    for s in set {
        if *s == b {
            return true;
        }
    }
    false
}

/// Where the first byte of `text` in `set` is (a byte loop, like [`find`]).
pub fn find_any(text: &str, set: &[u8]) -> Option<usize> {
    text.bytes().position(|b| in_set(b, set))
}

/// Splits `text` around the first `sep` (an ASCII byte): `(before, after)`.
#[inline(never)]
pub fn cut(text: &str, sep: u8) -> Option<(&str, &str)> {
    let i = text.bytes().position(|b| b == sep)?;
    Some((text.get(..i)?, text.get(i + 1..)?))
}

/// `text` without the trailing bytes that are in `set` (ASCII).
pub fn trim_end_any<'a>(text: &'a str, set: &[u8]) -> &'a str {
    let bytes = text.as_bytes();
    let mut end = bytes.len();
    while end > 0 && bytes.get(end - 1).is_some_and(|b| in_set(*b, set)) {
        end -= 1;
    }
    text.get(..end).unwrap_or(text)
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
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ints() {
        assert_eq!(int_str(0), "0");
        assert_eq!(int_str(-120), "-120");
        assert_eq!(int_str(i64::MIN), "-9223372036854775808");
        assert_eq!(parse_int("007"), Some(7));
        assert_eq!(parse_int("99999999999999999999"), None);
    }
}

//! A redacting holder for raw keys and tokens.

use alloc::string::String;
use core::fmt;

/// A raw API key or token. `Debug` and `Display` print only the masked form,
/// so a secret cannot leak through logging or error formatting by accident.
///
/// With the `serde` feature, `Serialize` writes the **raw** value and
/// `Deserialize` reads it back: serialising is how a credential is stored (a
/// config file, a keyring entry), and a masked copy could never be used again.
/// Treat a serialised `Secret` like [`Secret::expose`]: write it only to a store
/// readable by its owner, never to a log; to show or log one, use `Debug`,
/// `Display` or [`Secret::masked`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a raw value.
    pub fn new(raw: &str) -> Self {
        Secret(String::from(raw))
    }
    /// The raw value: call only where the value must leave (a request header,
    /// the one response that hands it to the caller's store).
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// `cko_••••••••ab12`: the known prefix, eight dots, and the last four
    /// characters when the value is long enough that they reveal nothing useful.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// Masks a raw key or token (see [`Secret::masked`]). This is the one masker: the JS
/// package calls it through the wasm export `mask` rather than keeping its own.
pub fn mask(raw: &str) -> String {
    let prefix_len = known_prefix(raw).map_or_else(|| generic_prefix(raw), str::len);
    let mut out = String::new();
    out.push_str(raw.get(..prefix_len).unwrap_or(""));
    out.push_str("••••••••");
    if crate::text::char_count(raw) >= 20 {
        // The last four characters (a byte slice from the fourth char boundary from the end).
        let tail = raw.char_indices().rev().nth(3).map_or(0, |(i, _)| i);
        out.push_str(raw.get(tail..).unwrap_or(""));
    }
    out
}

/// The presets' key and token prefix `raw` starts with, if any (`cdt_live_` before a
/// generic `cdt_`): a value starting with one is a key, whatever field it arrived in.
pub fn known_prefix(raw: &str) -> Option<&'static str> {
    ["cdt_live_", "cdt_test_", "scripto_", "cko_"]
        .into_iter()
        .find(|p| raw.starts_with(p))
}

/// The length of a generic prefix such as `sk_` or `ghp_`: a letter, then letters and digits,
/// then `_`, at most 12 bytes in all. Anything else (a random token whose early bytes happen
/// to include `_` or `-`) shows no prefix, so its first characters do not leak.
fn generic_prefix(raw: &str) -> usize {
    for (i, &c) in raw.as_bytes().iter().take(12).enumerate() {
        if c == b'_' && i > 0 {
            return i + 1;
        }
        if !(c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())) {
            return 0;
        }
    }
    0
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <String as serde::Deserialize>::deserialize(d).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        let k = Secret::new("cko_abcdefghijklmnopqrstuvwxyz0123456789AB12");
        assert_eq!(k.masked(), "cko_••••••••AB12");
        assert_eq!(
            alloc::format!("{k:?} {k}"),
            "cko_••••••••AB12 cko_••••••••AB12"
        );
        assert_eq!(mask("scripto_short"), "scripto_••••••••");
        assert_eq!(
            mask("cdt_test_0123456789abcdefghij"),
            "cdt_test_••••••••ghij"
        );
        assert_eq!(mask("eyJhbGciOiJIUzI1NiJ9.payload.sig"), "••••••••.sig");
        assert_eq!(mask("sk_live_abcdefghijklmnop1234"), "sk_••••••••1234");
        assert_eq!(
            mask("abcdefghijk_rest_of_the_key_0000"),
            "abcdefghijk_••••••••0000"
        );
        assert_eq!(mask("abcdefghijkl_rest_of_the_key_0000"), "••••••••0000");
        // Not letter-then-alphanumerics before the `_`: no prefix.
        assert_eq!(mask("9abc_defghijklmnopqrs"), "••••••••pqrs");
        assert_eq!(mask("a-b_defghijklmnopqrst"), "••••••••qrst");
        assert_eq!(mask("_abcdefghijklmnopqrst"), "••••••••qrst");
    }
}

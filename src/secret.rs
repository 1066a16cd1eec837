//! A redacting holder for raw keys and tokens.

use alloc::string::String;
use core::fmt;

/// A raw API key or token. `Debug` and `Display` print only the masked form,
/// so a secret cannot leak through logging or error formatting by accident.
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

/// Masks a raw key or token (see [`Secret::masked`]).
pub fn mask(raw: &str) -> String {
    let prefix_len = ["cdt_live_", "cdt_test_", "scripto_", "cko_"]
        .iter()
        .find(|p| raw.starts_with(*p))
        .map(|p| p.len())
        .or_else(|| {
            crate::json::find_any(raw, b"_")
                .filter(|i| *i < 12)
                .map(|i| i + 1)
        })
        .unwrap_or(0);
    let mut out = String::new();
    out.push_str(raw.get(..prefix_len).unwrap_or(""));
    out.push_str("••••••••");
    let n = crate::json::char_count(raw);
    if n >= 20 {
        out.extend(raw.chars().skip(n - 4));
    }
    out
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
    }
}

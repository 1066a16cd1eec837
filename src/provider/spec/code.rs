//! What a one-time code looks like (`codeFormat`): its alphabet, length and
//! grouping, and the one description of it that prompts, input checks and
//! next-action text share.

use alloc::string::String;

/// The `codeFormat.alphabet` values; the first is the default.
pub(super) const ALPHABETS: &[&str] = &["digits", "letters", "alphanumeric", "hex"];
/// The `codeFormat.separator` values; the first is the default.
pub(super) const SEPARATORS: &[&str] = &["-", " ", "."];
/// The `codeFormat.case` values; the first is the default.
pub(super) const CASES: &[&str] = &["upper", "lower", "any"];

/// What a one-time code looks like (`codeFormat`, version 2; default six digits).
#[derive(Clone, Debug, PartialEq)]
pub struct CodeFormat {
    /// Characters, without separators.
    pub length: usize,
    /// `digits`, `letters`, `alphanumeric` or `hex`.
    pub alphabet: &'static str,
    /// Characters per group when shown (0: not grouped).
    pub group: usize,
    /// The group separator (shown, and sent when `send` is `grouped`).
    pub separator: &'static str,
    /// `upper`, `lower` or `any`: how typed letters are normalised.
    pub case: &'static str,
    /// Send the code with its separators.
    pub send_grouped: bool,
}

impl CodeFormat {
    /// A code typed by a person (`123 456`, `123-456`, `abcd-efgh`) as the wire
    /// wants it: separators, spaces and dashes removed, letters upper- or
    /// lower-cased, the length and alphabet checked, and the groups put back
    /// when the backend wants them sent grouped. `None` when it is not a code
    /// of this format.
    pub fn normalise(&self, raw: &str) -> Option<String> {
        let sep = self.separator.as_bytes().first().copied().unwrap_or(b'-');
        let mut code = String::new();
        for b in raw.trim().bytes() {
            if b == b' ' || b == b'-' || b == sep {
                continue;
            }
            let ok = match self.alphabet {
                "digits" => b.is_ascii_digit(),
                "letters" => b.is_ascii_alphabetic(),
                "hex" => b.is_ascii_hexdigit(),
                _ => b.is_ascii_alphanumeric(),
            };
            if !ok || code.len() >= self.length {
                return None;
            }
            code.push(char::from(match self.case {
                "lower" => b.to_ascii_lowercase(),
                "any" => b,
                _ => b.to_ascii_uppercase(),
            }));
        }
        if code.len() != self.length {
            return None;
        }
        if !self.send_grouped {
            return Some(code);
        }
        let mut out = String::new();
        for (i, c) in code.chars().enumerate() {
            self.push_separator(&mut out, i);
            out.push(c);
        }
        Some(out)
    }
    /// Pushes the separator before character `i` when a group ends there.
    fn push_separator(&self, out: &mut String, i: usize) {
        if self.group > 0 && i > 0 && i % self.group == 0 {
            out.push_str(self.separator);
        }
    }
    /// The example shown in prompts and messages: `123456`, `XXXX-XXXX`.
    pub fn example(&self) -> String {
        let mut out = String::new();
        for i in 0..self.length {
            self.push_separator(&mut out, i);
            out.push(if self.alphabet == "digits" {
                char::from(b'1' + (i % 9) as u8)
            } else {
                'X'
            });
        }
        out
    }
    /// `6 digits`, `8 letters or digits, as XXXX-XXXX`: the words every
    /// message (input check, next-action text) names the format with.
    pub fn describe(&self) -> String {
        let mut out = crate::text::int_str(self.length as i64);
        out.push_str(match self.alphabet {
            "digits" => " digits",
            "letters" => " letters",
            "hex" => " hexadecimal digits",
            _ => " letters or digits",
        });
        if self.group > 0 {
            out.push_str(", as ");
            out.push_str(&self.example());
        }
        out
    }
}

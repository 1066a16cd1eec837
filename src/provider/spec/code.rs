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
    /// The example shown in prompts and messages: `123456`, `XXXX-XXXX`.
    pub fn example(&self) -> String {
        let ch = if self.alphabet == "digits" { '0' } else { 'X' };
        let mut out = String::new();
        for i in 0..self.length {
            if self.group > 0 && i > 0 && i % self.group == 0 {
                out.push_str(self.separator);
            }
            out.push(if ch == '0' {
                char::from(b'1' + (i % 9) as u8)
            } else {
                ch
            });
        }
        out
    }
    /// `6 digits`, `8 letters or digits`: the words a message names the format with.
    pub fn words(&self) -> String {
        let mut out = crate::text::int_str(self.length as i64);
        out.push_str(match self.alphabet {
            "digits" => " digits",
            "letters" => " letters",
            "hex" => " hexadecimal digits",
            _ => " letters or digits",
        });
        out
    }
}

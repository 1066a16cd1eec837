//! RFC 6238 TOTP over RFC 4226 HOTP with HMAC-SHA-1: an agent that holds its
//! account's TOTP secret computes the second-factor code itself, no person
//! needed. `now` is an argument like everywhere in the core.

use crate::crypto::{base32_decode, hmac, sha1};
use crate::error::{Code, Error};
use alloc::string::String;

/// Seconds per TOTP step (RFC 6238 default, CODITECT's value).
pub const STEP: i64 = 30;
/// Digits of a TOTP code (CODITECT's value).
pub const DIGITS: u32 = 6;

/// The HOTP value of `key` at `counter`, `digits` long (clamped to 1–9),
/// zero-padded: HMAC-SHA-1, dynamic truncation, modulo 10^digits.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> String {
    let digits = digits.clamp(1, 9);
    let mac = hmac(sha1, key, &counter.to_be_bytes());
    let offset = usize::from(mac.last().copied().unwrap_or(0) & 0x0f);
    let bin = mac
        .iter()
        .skip(offset)
        .take(4)
        .fold(0u32, |acc, b| (acc << 8) | u32::from(*b))
        & 0x7fff_ffff;
    let value = bin.checked_rem(10u32.pow(digits)).unwrap_or(0);
    let mut out = String::with_capacity(digits as usize);
    let mut div = 10u32.pow(digits - 1);
    while div > 0 {
        out.push(char::from(b'0' + (value / div % 10) as u8));
        div /= 10;
    }
    out
}

/// The step counter of a Unix time (times before 1970 count as step 0).
pub fn counter(now: i64, step: i64) -> u64 {
    u64::try_from(now.max(0) / step.max(1)).unwrap_or(0)
}

/// The TOTP value of raw key bytes at `now`.
pub fn totp_raw(key: &[u8], now: i64, step: i64, digits: u32) -> String {
    hotp(key, counter(now, step), digits)
}

/// The 6-digit, 30-second TOTP code of a base32 secret at `now`.
/// `INVALID_TOTP_SECRET` when the secret is not base32.
pub fn totp(secret: &str, now: i64) -> Result<String, Error> {
    let key = secret_bytes(secret)?;
    Ok(totp_raw(&key, now, STEP, DIGITS))
}

/// Decodes a base32 TOTP secret.
pub fn secret_bytes(secret: &str) -> Result<alloc::vec::Vec<u8>, Error> {
    base32_decode(secret.trim()).ok_or_else(|| {
        Error::input(
            Code::INVALID_TOTP_SECRET,
            "totpSecret",
            "The TOTP secret is not base32 (letters A-Z and digits 2-7).",
        )
    })
}

/// The Unix time the code valid at `now` stops being current.
pub fn valid_until(now: i64) -> i64 {
    (now.max(0) / STEP + 1) * STEP
}

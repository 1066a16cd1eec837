//! The OAuth2 wire, as RFC 6749, RFC 7636 and RFC 8628 fix it: form encoding,
//! query parsing, the PKCE challenge, error names and the token answer. Shared by
//! the code flow ([`super::oauth`]), the device grant ([`super::device`]) and the
//! `refresh_token` grant of [`super::session`].

use crate::action::Credential;
use crate::backend::session_credential;
use crate::crypto::{base64url, sha256};
use crate::error::{Code, Error};
use crate::json::{parse, Value};
use crate::response::{self, Response};
use crate::text::cut;
use alloc::string::String;
use alloc::vec::Vec;

/// The PKCE S256 code challenge of a verifier: `base64url(sha256(verifier))`.
pub fn challenge(verifier: &str) -> String {
    base64url(&sha256(verifier.as_bytes()))
}

/// Appends `text` percent-encoded: everything but `A-Z a-z 0-9 - . _ ~`.
pub fn pct_encode(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            for n in [b >> 4, b & 15] {
                out.push(char::from(HEX.get(usize::from(n)).copied().unwrap_or(b'0')));
            }
        }
    }
}

/// Decodes a form or query value (`+` is a space); `None` for bad escapes or UTF-8.
pub fn pct_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut it = text.bytes();
    while let Some(b) = it.next() {
        bytes.push(match b {
            b'+' => b' ',
            b'%' => {
                let hi = char::from(it.next()?).to_digit(16)?;
                let lo = char::from(it.next()?).to_digit(16)?;
                (hi * 16 + lo) as u8
            }
            other => other,
        });
    }
    String::from_utf8(bytes).ok()
}

/// `k=v&k=v`, percent-encoded.
pub fn form(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        pct_encode(&mut out, k);
        out.push('=');
        pct_encode(&mut out, v);
    }
    out
}

/// The query parameters of a URL (or a bare query string), decoded; the
/// fragment is ignored, and so is a pair that does not decode.
pub fn query(url: &str) -> Vec<(String, String)> {
    let q = crate::text::before_any(url, b"#");
    let mut rest = cut(q, b'?').map_or(q, |(_, q)| q);
    let mut out = Vec::new();
    loop {
        let (p, more) = cut(rest, b'&').unwrap_or((rest, ""));
        let (k, v) = cut(p, b'=').unwrap_or((p, ""));
        if let (false, Some(k), Some(v)) = (p.is_empty(), pct_decode(k), pct_decode(v)) {
            out.push((k, v));
        }
        if more.is_empty() && cut(rest, b'&').is_none() {
            return out;
        }
        rest = more;
    }
}

/// Equal, without an early exit on the first differing byte.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The canonical code of an RFC 6749 error name (§4.1.2.1 and §5.2).
pub fn map_error(name: &str) -> Code {
    match name {
        "invalid_request" | "unsupported_response_type" => Code::INVALID_REQUEST,
        "invalid_client" => Code::INVALID_CLIENT,
        "invalid_grant" => Code::INVALID_GRANT,
        "unauthorized_client" => Code::UNAUTHORIZED_CLIENT,
        "unsupported_grant_type" => Code::UNSUPPORTED_GRANT_TYPE,
        "invalid_scope" => Code::INVALID_SCOPE,
        "access_denied" => Code::ACCESS_DENIED,
        "server_error" | "temporarily_unavailable" => Code::INTERNAL,
        _ => Code::UNKNOWN_ERROR,
    }
}

/// The canonical error of an RFC 6749 error name (status 0: not from an HTTP answer).
pub fn error(name: &str, description: Option<&str>, status: u16) -> Error {
    let mut e = response::error(map_error(name), description.unwrap_or(""), status);
    e.provider_code = Some(String::from(name));
    if status == 0 {
        e.status = None;
    }
    e
}

/// The RFC 6749 §5.2 error of a token answer that is not a 2xx (`None` for a 2xx):
/// its `error` name (kept as the provider code) mapped, else a 401 as
/// `INVALID_CLIENT`, else the status fallback.
pub fn token_error(r: &Response) -> Option<Error> {
    refusal(parse(&r.body).as_ref(), r.status)
}

fn refusal(doc: Option<&Value>, status: u16) -> Option<Error> {
    if (200..300).contains(&status) {
        return None;
    }
    let at = |k: &str| doc.and_then(|d| d.str_at(k));
    Some(match at("error") {
        Some(name) => error(name, at("error_description"), status),
        // RFC 6749 §5.2: a refused client answers 401.
        None => response::error(
            if status == 401 {
                Code::INVALID_CLIENT
            } else {
                response::status_code(status)
            },
            "",
            status,
        ),
    })
}

/// The canonical token set of a token-endpoint answer, or its §5.2 error.
pub fn token_answer(r: &Response, now: i64) -> Result<Credential, Error> {
    let doc = parse(&r.body);
    if let Some(e) = refusal(doc.as_ref(), r.status) {
        return Err(e);
    }
    // RFC 6749 §5.1 names the members; `expires_in` is seconds from now.
    let path = |k: &str| -> Option<&'static str> {
        match k {
            "accessToken" => Some("access_token"),
            "refreshToken" => Some("refresh_token"),
            "tokenType" => Some("token_type"),
            "expiresIn" => Some("expires_in"),
            "scope" => Some("scope"),
            _ => None,
        }
    };
    session_credential(&doc.unwrap_or(Value::Null), &path, now, r.status)
}

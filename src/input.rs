//! Input rules shared by every flow: the same checks the servers make, answered
//! locally so a bad input costs no request and no rate-limit budget.

use crate::error::{Code, Error};
use crate::json::Value;
use alloc::string::String;

/// Trims and checks an email: `EMAIL_REQUIRED` when blank, `EMAIL_INVALID` when
/// malformed (one `@`, a non-empty local part, a dotted domain, no spaces or
/// control characters, at most 254 bytes).
pub fn email(raw: &str) -> Result<String, Error> {
    let e = raw.trim();
    if e.is_empty() {
        return Err(Error::input(
            Code::EMAIL_REQUIRED,
            "email",
            "An email address is required.",
        ));
    }
    let ok = e.len() <= 254
        && crate::text::cut(e, b'@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && local.len() <= 64
                && !domain.bytes().any(|b| b == b'@')
                && domain.bytes().any(|b| b == b'.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && crate::text::find(domain, "..").is_none()
        })
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(String::from(e))
    } else {
        Err(Error::input(
            Code::EMAIL_INVALID,
            "email",
            "The email address is malformed.",
        ))
    }
}

/// Normalises a one-time code typed by a person to what the wire wants in the
/// provider's format (`codeFormat`: six digits by default; see
/// [`crate::provider::CodeFormat::normalise`]). `OTP_INVALID` when it does not
/// fit, with the format's description.
pub fn otp_code(raw: &str, f: &crate::provider::CodeFormat) -> Result<String, Error> {
    f.normalise(raw).ok_or_else(|| {
        let mut m = String::from("The code must be ");
        m.push_str(&f.describe());
        m.push('.');
        Error::input(Code::OTP_INVALID, "code", &m)
    })
}

/// Checks the company name length in characters (not bytes).
pub fn company(name: &str, max: i64) -> Result<(), Error> {
    if crate::text::char_count(name) as i64 > max {
        let mut m = String::from("The company name is over ");
        m.push_str(&crate::text::int_str(max));
        m.push_str(" characters.");
        Err(Error::input(Code::COMPANY_NAME_TOO_LONG, "companyName", &m))
    } else {
        Ok(())
    }
}

/// Checks a key lifetime: a whole number of days within `[lo, hi]`. Accepts a
/// JSON integer or a string of digits (from a command line).
pub fn expires_in_days(v: &Value, lo: i64, hi: i64) -> Result<i64, Error> {
    let n = match v {
        Value::Str(t) => crate::text::parse_int(t.trim()),
        other => other.as_i64(),
    };
    match n {
        Some(n) if (lo..=hi).contains(&n) => Ok(n),
        _ => Err(Error::input(
            Code::INVALID_EXPIRES_IN_DAYS,
            "keyExpiresInDays",
            "The key lifetime must be a whole number of days from 1 to 365.",
        )),
    }
}

/// True when `rest` (a URL after `http://`) names a literal loopback host:
/// `localhost` (any case), `[::1]` or a dotted quad `127.x.y.z` (each part 0–255).
/// Nothing that needs a resolver: `*.localhost` names are sent to DNS by most
/// stacks, so a local resolver could point them anywhere. Anything with user info
/// (`@`) or a backslash is refused: parsers disagree on where its host is.
fn is_loopback(rest: &str) -> bool {
    let host_port = crate::text::before_any(rest, b"/?#");
    if host_port.bytes().any(|b| b == b'@' || b == b'\\') {
        return false;
    }
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        match crate::text::cut(v6, b']') {
            Some((h, after)) => (h, after.strip_prefix(':').unwrap_or(after)),
            None => return false,
        }
    } else {
        crate::text::rcut(host_port, b':').unwrap_or((host_port, ""))
    };
    port.bytes().all(|b| b.is_ascii_digit())
        && (host.eq_ignore_ascii_case("localhost") || host == "::1" || is_127(host))
}

/// A dotted quad in 127.0.0.0/8: four parts of one to three digits, each at most 255.
fn is_127(host: &str) -> bool {
    let mut parts = 0;
    let mut rest = Some(host);
    while let Some(text) = rest {
        let (part, more) = crate::text::cut(text, b'.').map_or((text, None), |(p, m)| (p, Some(m)));
        rest = more;
        parts += 1;
        let ok = (1..=3).contains(&part.len())
            && part.bytes().all(|b| b.is_ascii_digit())
            && crate::text::parse_int(part).is_some_and(|n| n <= 255);
        if !ok || (parts == 1 && part != "127") {
            return false;
        }
    }
    parts == 4
}

/// The https-or-loopback rule shared by base URLs and per-step URLs.
fn secure_url(url: &str, allow_insecure: bool, field: &'static str) -> Result<(), Error> {
    let secure = url.strip_prefix("https://").is_some_and(|r| !r.is_empty());
    let local = url
        .strip_prefix("http://")
        .is_some_and(|r| !r.is_empty() && is_loopback(r));
    let http = url.strip_prefix("http://").is_some_and(|r| !r.is_empty());
    if url.bytes().any(|b| b <= b' ') {
        return Err(Error::input(
            Code::INSECURE_URL,
            field,
            "The URL contains white space.",
        ));
    }
    if secure || local || (allow_insecure && http) {
        Ok(())
    } else {
        Err(Error::input(
            Code::INSECURE_URL,
            field,
            "Credentials are only sent to https:// URLs or to loopback addresses.",
        ))
    }
}

/// Checks a base URL: `https://`, or `http://` to a loopback address, unless the
/// caller explicitly allows insecure URLs. Returns it without a trailing slash.
pub fn base_url(raw: &str, allow_insecure: bool) -> Result<String, Error> {
    let url = crate::text::trim_end_any(raw.trim(), b"/");
    secure_url(url, allow_insecure, "baseUrl")?;
    Ok(String::from(url))
}

/// Checks a per-step URL override (Codika's `--api-url`: the whole URL of the one
/// endpoint a step calls) with the same https-or-loopback rule as [`base_url`].
/// The URL is kept as given, path and query included; errors name the `url` field.
pub fn endpoint_url(raw: &str, allow_insecure: bool) -> Result<String, Error> {
    let url = raw.trim();
    if url.is_empty() {
        return Err(Error::input(
            Code::INSECURE_URL,
            "url",
            "The URL override is empty.",
        ));
    }
    secure_url(url, allow_insecure, "url")?;
    Ok(String::from(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            email("  You@Example.com ").ok().as_deref(),
            Some("You@Example.com")
        );
        assert_eq!(
            email("   ").err().map(|e| e.code),
            Some(Code::EMAIL_REQUIRED)
        );
        for bad in [
            "a", "a@b", "@b.co", "a@@b.co", "a b@c.co", "a@b..co", "ü@", "a@.b.co",
        ] {
            assert_eq!(
                email(bad).err().map(|e| e.code),
                Some(Code::EMAIL_INVALID),
                "{bad}"
            );
        }
        assert!(email("ünï@exämple.com").is_ok());
        let long = "a".repeat(250) + "@b.co";
        assert_eq!(
            email(&long).err().map(|e| e.code),
            Some(Code::EMAIL_INVALID)
        );
    }

    #[test]
    fn codes() {
        let six = crate::provider::CodeFormat {
            length: 6,
            alphabet: "digits",
            group: 0,
            separator: "-",
            case: "upper",
            send_grouped: false,
        };
        assert_eq!(otp_code("123 456", &six).ok().as_deref(), Some("123456"));
        assert_eq!(otp_code("123-456", &six).ok().as_deref(), Some("123456"));
        for bad in ["12345", "1234567", "12a456", "", "１２３４５６"] {
            assert!(otp_code(bad, &six).is_err(), "{bad}");
        }
        let grouped = crate::provider::CodeFormat {
            length: 8,
            alphabet: "alphanumeric",
            group: 4,
            send_grouped: true,
            ..six.clone()
        };
        assert_eq!(
            otp_code(" ab12 cd34 ", &grouped).ok().as_deref(),
            Some("AB12-CD34")
        );
        let e = otp_code("ab12-cd3", &grouped).err().map(|e| e.message);
        assert_eq!(
            e.as_deref(),
            Some("The code must be 8 letters or digits, as XXXX-XXXX.")
        );
    }

    #[test]
    fn limits() {
        assert!(company(&"é".repeat(100), 100).is_ok());
        assert!(company(&"é".repeat(101), 100).is_err());
        for (v, ok) in [
            (Value::Int(0), false),
            (Value::Int(1), true),
            (Value::Int(365), true),
            (Value::Int(366), false),
            (crate::json::s("abc"), false),
            (crate::json::s("30"), true),
            (crate::json::s(" 7 "), true),
            (crate::json::s("1.5"), false),
            (Value::Num(String::from("1.5")), false),
            (crate::json::s(""), false),
        ] {
            assert_eq!(expires_in_days(&v, 1, 365).is_ok(), ok, "{v:?}");
        }
    }

    #[test]
    fn urls() {
        assert!(base_url("https://api.codika.io/", false).is_ok());
        assert!(base_url("http://127.0.0.1:8080", false).is_ok());
        assert!(base_url("http://localhost:1/x", false).is_ok());
        assert!(base_url("http://[::1]:3000", false).is_ok());
        assert!(base_url("http://example.com", false).is_err());
        assert!(base_url("http://127.0.0.1.evil.com", false).is_err());
        assert!(base_url("http://example.com", true).is_ok());
        assert!(base_url("ftp://x", true).is_err());
        assert!(base_url("http://127.0.0@evil.com", false).is_err());
        assert!(base_url("http://localhost@evil.com", false).is_err());
        assert!(base_url("http://127.0.0.1\\@evil.com", false).is_err());
        assert!(base_url("http://127.a.0.1", false).is_err());
        assert!(base_url("http://127..0.1", false).is_err());
        assert!(base_url("http://127.0.0.", false).is_err());
        assert!(base_url("http://127.0.0.1.2", false).is_err());
        assert!(base_url("http://127.10.200.3:80/x", false).is_ok());
        // Literal loopback only: a `*.localhost` name goes through a resolver (issue 14.7).
        for bad in [
            "http://attacker.localhost:8080",
            "http://localhost.attacker.example",
            "http://a.b.localhost/x",
            "http://.localhost",
            "http://localhost.:1",
            "http://127.0.0.256",
            "http://127.0.0.1234",
            "http://[::1]evil.com",
            "http://[::1",
            "http://localhost:80x",
            "http://[::ffff:127.0.0.1]:1",
        ] {
            assert_eq!(
                base_url(bad, false).err().map(|e| e.code),
                Some(Code::INSECURE_URL),
                "{bad}"
            );
            assert!(endpoint_url(bad, false).is_err(), "{bad}");
        }
        for good in [
            "http://LOCALHOST:3000",
            "http://127.255.255.255:1",
            "http://[::1]",
            "http://localhost",
            "http://127.0.0.1?x",
        ] {
            assert!(base_url(good, false).is_ok(), "{good}");
        }
        assert_eq!(
            endpoint_url(" http://127.0.0.1:9/x/cliRequestLoginOtp/ ", false)
                .ok()
                .as_deref(),
            Some("http://127.0.0.1:9/x/cliRequestLoginOtp/")
        );
        let e = endpoint_url("http://example.com/cliRequestLoginOtp", false).err();
        assert_eq!(
            e.map(|e| (e.code, e.next)),
            Some((Code::INSECURE_URL, crate::error::Next::FixInput("url")))
        );
        assert!(endpoint_url("", false).is_err());
        assert!(endpoint_url("http://example.com/x", true).is_ok());
    }
}

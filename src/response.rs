//! Turns an HTTP answer into the data it carries or a canonical error, using a
//! provider spec's envelope paths and code table.

use crate::error::{Code, Error, Next};
use crate::json::{parse, parse_int, Value};
use crate::provider::Spec;
use alloc::string::String;
use alloc::vec::Vec;

/// An HTTP answer as the transport saw it.
#[derive(Clone, Debug, Default)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// The body text (the transport stops reading at 1 MiB).
    pub body: String,
    /// `content-type` header, if any.
    pub content_type: Option<String>,
    /// `Retry-After` in whole seconds, if sent as seconds.
    pub retry_after: Option<i64>,
    /// `X-Retry-After` in whole seconds.
    pub x_retry_after: Option<i64>,
    /// The server's clock (its `Date` header, which the transport passes as RFC 3339).
    pub server_time: Option<i64>,
}

impl Response {
    /// Reads `{status, body, headers: {content-type, retry-after, x-retry-after, date}}`.
    pub fn from_value(v: &Value) -> Response {
        let header = |name: &str| {
            v.get("headers")
                .and_then(|h| h.get(name))
                .and_then(Value::as_str)
        };
        let secs = |name: &str| header(name).and_then(|t| parse_int(t.trim()));
        Response {
            status: v
                .int_at("status")
                .and_then(|n| u16::try_from(n).ok())
                .unwrap_or(0),
            body: String::from(v.str_at("body").unwrap_or("")),
            content_type: header("content-type").map(String::from),
            retry_after: secs("retry-after"),
            x_retry_after: secs("x-retry-after"),
            server_time: header("date").and_then(crate::time::parse_rfc3339),
        }
    }
    fn header_retry(&self) -> Option<i64> {
        self.retry_after.or(self.x_retry_after).filter(|n| *n >= 0)
    }
}

/// A failure to talk to the backend at all.
pub fn transport_error(kind: &str) -> Error {
    match kind {
        "timeout" => Error::new(Code::TIMEOUT, "The backend did not answer in time."),
        "too_large" => Error::new(
            Code::BAD_RESPONSE,
            "The answer was larger than 1 MiB; reading stopped.",
        ),
        "redirect" => Error::new(
            Code::BAD_RESPONSE,
            "The backend redirected to another origin; nothing was sent there.",
        ),
        _ => Error::new(Code::NETWORK_ERROR, "Could not reach the backend."),
    }
}

fn bad(message: &str, status: u16) -> Error {
    let mut e = Error::new(Code::BAD_RESPONSE, message);
    e.status = Some(status);
    e
}

fn looks_json(r: &Response) -> bool {
    r.content_type
        .as_deref()
        .is_none_or(|t| crate::json::contains_ci(t, "json"))
}

fn orgs(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_arr)
        .unwrap_or(&[])
        .iter()
        .filter_map(|o| {
            Some((
                String::from(o.str_at("id")?),
                String::from(o.str_at("name").unwrap_or("")),
            ))
        })
        .collect()
}

/// The data of a 2xx answer, or the canonical error of any other.
pub fn classify(spec: &Spec, step: &str, r: &Response) -> Result<Value, Error> {
    let doc = if looks_json(r) { parse(&r.body) } else { None };
    if (200..300).contains(&r.status) {
        let Some(doc) = doc else {
            return Err(bad(
                if looks_json(r) {
                    "The answer was not valid JSON."
                } else {
                    "The answer was not JSON."
                },
                r.status,
            ));
        };
        // An explicit `false` at the success path is an error even with HTTP 2xx.
        let success = doc
            .path(spec.envelope("success").unwrap_or("success"))
            .and_then(Value::as_bool);
        let data_path = spec.envelope("data").unwrap_or("");
        return match (success, doc.path(data_path)) {
            (Some(false), _) => Err(error_from(spec, step, r, Some(&doc))),
            (_, Some(data @ Value::Obj(_))) => Ok(data.clone()),
            _ => Err(bad("The answer had no data.", r.status)),
        };
    }
    Err(error_from(spec, step, r, doc.as_ref()))
}

fn error_from(spec: &Spec, step: &str, r: &Response, doc: Option<&Value>) -> Error {
    let at = |key: &str| spec.envelope(key).and_then(|p| doc.and_then(|d| d.path(p)));
    let provider_code = at("code").and_then(Value::as_text).map(String::from);
    let mapped = provider_code
        .as_deref()
        .and_then(|c| spec.map_code(step, c));
    let code = mapped.unwrap_or(match r.status {
        429 => Code::RATE_LIMITED,
        401 => Code::UNAUTHENTICATED,
        500..=599 => Code::INTERNAL,
        _ => Code::UNKNOWN_ERROR,
    });
    let message = match at("message").and_then(Value::as_text) {
        Some(m) => String::from(m),
        None => {
            let mut m = String::from("The backend answered HTTP ");
            m.push_str(&crate::json::int_str(i64::from(r.status)));
            m.push('.');
            m
        }
    };
    let mut e = Error::new(code, &message);
    e.status = Some(r.status);
    e.provider_code = provider_code;
    e.provider_next = at("nextAction").and_then(Value::as_text).map(String::from);
    e.retry_after = at("retryAfter")
        .and_then(Value::as_i64)
        .or_else(|| r.header_retry());
    e.attempts_remaining = at("attemptsRemaining").and_then(Value::as_i64);
    e.required_scope = doc
        .and_then(|d| {
            d.str_at("error.required_scope")
                .or_else(|| d.str_at("error.requiredScope"))
        })
        .map(String::from);
    e.next = next_for(code, &e, orgs(at("organizations")));
    e
}

/// The next action a canonical code calls for, given what the error carries.
pub fn next_for(code: Code, e: &Error, orgs: Vec<(String, String)>) -> Next {
    use Code::*;
    match code {
        OTP_RESEND_COOLDOWN | EMAIL_RATE_LIMITED | IP_RATE_LIMITED | RATE_LIMITED => {
            e.retry_after.map_or(Next::Retry, |n| Next::Wait(n.max(1)))
        }
        OTP_LOCKED_OUT => e
            .retry_after
            .map_or(Next::RequestNewCode, |n| Next::Wait(n.max(1))),
        USER_ALREADY_HAS_ORGANIZATION | USER_ALREADY_EXISTS => Next::SwitchFlow("login"),
        USER_NOT_FOUND | USER_HAS_NO_ORGANIZATION => Next::SwitchFlow("signup"),
        ORGANIZATION_SELECTION_REQUIRED | ORGANIZATION_NOT_MEMBER => Next::ChooseOrganization(orgs),
        // Without an attempts figure the backend gives no reason to expect the code to
        // work again (Scripto says "request a new code"), so ask for a new one; with
        // none left, likewise.
        OTP_INVALID if e.attempts_remaining.is_none_or(|n| n <= 0) => Next::RequestNewCode,
        INVALID_EXPIRES_IN_DAYS => Next::FixInput("keyExpiresInDays"),
        COMPANY_NAME_TOO_LONG => Next::FixInput("companyName"),
        EMAIL_REQUIRED | EMAIL_INVALID => Next::FixInput("email"),
        _ => e.next.clone(),
    }
}

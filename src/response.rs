//! The one classifier: turns an HTTP answer into the data it carries or a
//! canonical error, for every flow (email code, session, password + 2FA), using a
//! provider's envelope paths and `errors` table ([`Contract`]). One error mapping
//! ([`map_code`]), one status fallback ([`status_code`]), one next-action mapper
//! ([`next_for`]).

use crate::error::{Code, Error, Next};
use crate::json::{parse, Value};
pub use crate::provider::Contract;
use crate::text::parse_int;
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
    /// Reads `{status, body, headers: {content-type, retry-after, x-retry-after, date}}`
    /// (the JS transport's answer event; its `date` is RFC 3339).
    pub fn from_value(v: &Value) -> Response {
        let header = |name: &str| {
            v.get("headers")
                .and_then(|h| h.get(name))
                .and_then(Value::as_str)
        };
        let status = v
            .int_at("status")
            .and_then(|n| u16::try_from(n).ok())
            .unwrap_or(0);
        Response::read(status, v.str_at("body").unwrap_or(""), header)
    }

    /// An answer as a Rust HTTP client gives it: the status, the headers (names in any
    /// case; `date` as the server sent it, an HTTP-date, or RFC 3339) and the body text.
    /// The same headers are read as by [`Response::from_value`].
    pub fn from_parts<K: AsRef<str>, V: AsRef<str>>(
        status: u16,
        headers: &[(K, V)],
        body: &str,
    ) -> Response {
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_ref())
        };
        let mut r = Response::read(status, body, header);
        r.server_time = r
            .server_time
            .or_else(|| header("date").and_then(|d| crate::time::parse_http_date(d.trim())));
        r
    }

    fn read<'h>(status: u16, body: &str, header: impl Fn(&str) -> Option<&'h str>) -> Response {
        let secs = |name: &str| header(name).and_then(|t| parse_int(t.trim()));
        Response {
            status,
            body: String::from(body),
            content_type: header("content-type").map(String::from),
            retry_after: secs("retry-after"),
            x_retry_after: secs("x-retry-after"),
            server_time: header("date").and_then(crate::time::parse_rfc3339),
        }
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

/// `BAD_RESPONSE` for an answer with `status`.
pub fn bad(message: &str, status: u16) -> Error {
    error(Code::BAD_RESPONSE, message, status)
}

fn looks_json(r: &Response) -> bool {
    r.content_type
        .as_deref()
        .is_none_or(|t| crate::text::contains_ci(t, "json"))
}

/// The organizations of an answer or a saved document: `[{id, name}]`, entries without an id dropped.
pub fn orgs(v: Option<&Value>) -> Vec<(String, String)> {
    // A plain loop: an iterator chain here is its own generic code in the wasm.
    let mut out = Vec::new();
    for o in v.and_then(Value::as_arr).unwrap_or(&[]) {
        if let Some(id) = o.str_at("id") {
            out.push((
                String::from(id),
                String::from(o.str_at("name").unwrap_or("")),
            ));
        }
    }
    out
}

/// How a 2xx answer's data must look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A JSON object (the email-code steps: a code-sent answer, a credential).
    Object,
    /// Any JSON value but `null`; an empty body (`204`) is an empty object
    /// (session, password and 2FA steps).
    Any,
}

/// The status → code fallback for an answer whose code the provider did not name.
pub fn status_code(status: u16) -> Code {
    match status {
        429 => Code::RATE_LIMITED,
        401 => Code::UNAUTHENTICATED,
        500..=599 => Code::INTERNAL,
        _ => Code::UNKNOWN_ERROR,
    }
}

/// The canonical code of a backend code at a step, from the provider's `errors`
/// table: `step:CODE` first, then `CODE`, then the code itself when it is a
/// canonical name or its kebab-/lower-case spelling (`otp-expired`, `otp_expired`).
/// Steps: `request`, `complete`, `mint`, `whoami` (email code); the session route
/// names `register`, `login`, `secondFactor`, `refresh`, `revoke`, `check`, `call`.
pub fn map_code(c: &dyn Contract, step: &str, provider_code: &str) -> Option<Code> {
    let mut scoped = String::from(step);
    scoped.push(':');
    scoped.push_str(provider_code);
    c.error_entry(&scoped)
        .or_else(|| c.error_entry(provider_code))
        .or_else(|| {
            let upper: String = provider_code
                .bytes()
                .map(|b| {
                    if b == b'-' {
                        '_'
                    } else {
                        char::from(b.to_ascii_uppercase())
                    }
                })
                .collect();
            Code::parse(&upper)
        })
}

/// The data of an email-code step's 2xx answer (an object), or the canonical error.
pub fn classify(c: &dyn Contract, step: &str, r: &Response) -> Result<Value, Error> {
    answer(c, step, r, Shape::Object)
}

/// The data of a 2xx answer shaped as `shape`, or the canonical error of any
/// other answer (and of a 2xx whose `success` member is `false`).
pub fn answer(c: &dyn Contract, step: &str, r: &Response, shape: Shape) -> Result<Value, Error> {
    let doc = if looks_json(r) { parse(&r.body) } else { None };
    // Success is 2xx, or a status the provider's `accept` names for this step.
    if (200..300).contains(&r.status) || c.accepts(step, r.status, doc.as_ref()) {
        if shape == Shape::Any && r.body.trim_ascii().is_empty() {
            return Ok(Value::Obj(Vec::new()));
        }
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
            .path(c.envelope("success").unwrap_or("success"))
            .and_then(Value::as_bool);
        let data = doc.path(c.envelope("data").unwrap_or(""));
        return match (success, data, shape) {
            (Some(false), _, _) => Err(error_from(c, step, r, Some(&doc))),
            (_, Some(data @ Value::Obj(_)), _) => Ok(data.clone()),
            (_, Some(data), Shape::Any) if !data.is_null() => Ok(data.clone()),
            _ => Err(bad("The answer had no data.", r.status)),
        };
    }
    Err(error_from(c, step, r, doc.as_ref()))
}

/// Fields a backend may name as the one it refused (`envelope.field`).
const FIELDS: &[&str] = &[
    "email",
    "password",
    "name",
    "code",
    "challenge_token",
    "refresh_token",
];

fn error_from(c: &dyn Contract, step: &str, r: &Response, doc: Option<&Value>) -> Error {
    let at = |key: &str| crate::provider::envelope_at(c, doc, key);
    // A code may be text or a number (`{"status": 409}`).
    let provider_code = at("code").and_then(|v| match v {
        Value::Int(n) => Some(crate::text::int_str(*n)),
        other => other.as_text().map(String::from),
    });
    let message = at("message").and_then(Value::as_text);
    let code = provider_code
        .as_deref()
        .and_then(|pc| map_code(c, step, pc))
        .or_else(|| message_code(c, step, message.unwrap_or("")))
        .or_else(|| {
            let mut key = String::from("http:");
            crate::text::push_int(&mut key, i64::from(r.status));
            map_code(c, step, &key)
        })
        .unwrap_or(status_code(r.status));
    let mut e = plain(code, message.unwrap_or(""), r.status);
    e.provider_code = provider_code;
    e.provider_next = at("nextAction").and_then(Value::as_text).map(String::from);
    e.retry_after = at("retryAfter")
        .and_then(Value::as_i64)
        .or(r.retry_after)
        .or(r.x_retry_after)
        .filter(|n| *n >= 0);
    e.attempts_remaining = at("attemptsRemaining").and_then(Value::as_i64);
    e.required_scope = at("requiredScope")
        .and_then(Value::as_text)
        .or_else(|| quoted(message.unwrap_or("")).filter(|_| code == Code::INSUFFICIENT_SCOPE))
        .map(String::from);
    e.next = next_for(&e, orgs(at("organizations")));
    // A backend that names the field it refused (CODITECT's `error.field`).
    let field = at("field").and_then(Value::as_str);
    if let (Code::INVALID_REQUEST, Some(f)) = (code, field) {
        if let Some(known) = FIELDS.iter().find(|k| **k == f) {
            e.next = Next::FixInput(known);
        }
    }
    e
}

/// The `errors` rows matched on message text, the last resort before the
/// status: `step:~text` then `~text`, matching when the message contains the
/// text (ASCII case ignored).
fn message_code(c: &dyn Contract, step: &str, message: &str) -> Option<Code> {
    if message.is_empty() {
        return None;
    }
    let matching = |scoped: bool| {
        (0..).map_while(|i| c.error_row(i)).find_map(|(k, code)| {
            let (prefix, text) = crate::text::cut(k, b'~')?;
            let applies = if scoped {
                prefix.len() == step.len() + 1
                    && prefix.get(..step.len()) == Some(step)
                    && prefix.ends_with(':')
            } else {
                prefix.is_empty()
            };
            (applies && !text.is_empty() && crate::text::contains_ci(message, text))
                .then_some(code)?
        })
    };
    matching(true).or_else(|| matching(false))
}

/// The first `'quoted'` word of a message (CODITECT names the missing scope so).
fn quoted(message: &str) -> Option<&str> {
    let (_, rest) = crate::text::cut(message, b'\'')?;
    let (word, _) = crate::text::cut(rest, b'\'')?;
    (!word.is_empty() && !word.bytes().any(|b| b == b' ')).then_some(word)
}

/// An error from an answer with `status`, with its next action; an empty message
/// becomes `The backend answered HTTP n.`.
pub fn error(code: Code, message: &str, status: u16) -> Error {
    let mut e = plain(code, message, status);
    e.next = next_for(&e, Vec::new());
    e
}

/// [`error`] with the code's default next action (the caller maps it once it
/// has filled in what the answer carries).
fn plain(code: Code, message: &str, status: u16) -> Error {
    let mut e = if message.is_empty() {
        let n = crate::text::int_str(i64::from(status));
        Error::new(
            code,
            &crate::text::join(&["The backend answered HTTP ", &n, "."]),
        )
    } else {
        Error::new(code, message)
    };
    e.status = Some(status);
    e
}

/// Seconds a `RATE_LIMITED` answer without a retry figure waits.
pub const DEFAULT_WAIT: i64 = 60;

/// The one next-action mapper: what an error's code calls for, given what the
/// error carries (retry figure, attempts left, the organizations offered).
pub fn next_for(e: &Error, orgs: Vec<(String, String)>) -> Next {
    use Code::*;
    let field = match e.code {
        INSUFFICIENT_SCOPE | INVALID_SCOPE => "scope",
        WEAK_PASSWORD | INVALID_CREDENTIALS => "password",
        INVALID_CLIENT | UNAUTHORIZED_CLIENT => "clientId",
        UNSUPPORTED_GRANT_TYPE => "grantType",
        INVALID_PURPOSE => "purpose",
        INVALID_REQUEST => "request",
        INVALID_TOTP_SECRET => "totpSecret",
        INVALID_EXPIRES_IN_DAYS => "keyExpiresInDays",
        COMPANY_NAME_TOO_LONG => "companyName",
        EMAIL_REQUIRED | EMAIL_INVALID => "email",
        _ => "",
    };
    match e.code {
        _ if !field.is_empty() => Next::FixInput(field),
        // A generic throttle waits: the backend's figure, else a minute (docs/errors.md).
        RATE_LIMITED => Next::Wait(e.retry_after.map_or(DEFAULT_WAIT, |n| n.max(1))),
        // The hourly limits: without a figure no wait is known to help; retry later.
        OTP_RESEND_COOLDOWN | EMAIL_RATE_LIMITED | IP_RATE_LIMITED => {
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
        // Out of second-factor attempts: the challenge is spent.
        INVALID_2FA_CODE if e.attempts_remaining == Some(0) => Next::SignInAgain,
        _ => e.next.clone(),
    }
}

//! Session operations (refresh, revoke/logout, check/me) for token backends,
//! and the step ops of the session, password, OAuth2 and TOTP parts.
//!
//! Ops (all through [`crate::step`]; each answers `{state?, action}`):
//! - `session_request` `{config}` → a `send` action; `session_response`
//!   `{config, event}` → `done` (`session` for a refresh, `identity` for a check,
//!   `data` for a `call`) or `error`. `config`: `{provider | spec, baseUrl?,
//!   authUrl?, allowInsecure?, operation: refresh | revoke | check | call,
//!   accessToken?, refreshToken?, apiKey?, clientId?, clientSecret?}`; a refresh
//!   with a `clientId` uses the OAuth2 `refresh_token` grant.
//! - `totp` `{secret, now}` → `done` with `code` and `expiresAt`.
//! - `api_token` `{config: {provider, token}}` → `done` with `env` (`live` / `test` / absent).
//! - `password_start` / `oauth_start` start the flows of [`crate::password`] and
//!   [`crate::oauth`]; `event` and `validate` with such a saved state go to them.

use crate::backend::{self, Backend};
use crate::error::{Code, Error, Next};
use crate::json::{s, Value, Writer};
use crate::response::{transport_error, Response};
use crate::time::format_rfc3339;
use crate::{input, oauth, password, totp};
use alloc::string::String;
use alloc::vec::Vec;

/// Runs the ops this module owns; `None` for any other op (and for `event` /
/// `validate` of a plain OTP flow), which [`crate::step`] handles itself.
pub fn step(doc: &Value, now: i64) -> Option<String> {
    let op = doc.str_at("op")?;
    let empty = Value::Obj(Vec::new());
    let config = doc.get("config").unwrap_or(&empty);
    let event = doc.get("event").unwrap_or(&empty);
    let state = doc.get("state").unwrap_or(&Value::Null);
    let kind = state.str_at("kind");
    let done = |a: Result<String, Error>| out(None, &a.unwrap_or_else(|e| failed(&e)));
    Some(match (op, kind) {
        ("session_request", _) => done(session_request(config)),
        ("session_response", _) => done(session_response(config, event, now)),
        ("totp", _) => done(totp_code(doc, now)),
        ("api_token", _) => done(api_token(config)),
        ("password_start", _) => password::start(config),
        ("oauth_start", _) => oauth::start(config),
        ("event" | "validate", Some("password")) => password::step(op, state, event, now),
        ("event" | "validate", Some("oauth")) => oauth::step(op, state, event, now),
        _ => return None,
    })
}

/// `{state?, action}` as JSON text: `state` is sealed (see [`seal_into`]),
/// `action` is the JSON text of the action.
pub fn out(state: Option<&Value>, action: &str) -> String {
    let mut w = Writer::new();
    w.open();
    if let Some(doc) = state {
        seal_into(w.key("state"), doc);
    }
    w.key("action").out.push_str(action);
    w.end()
}

/// Starts an action object `{"type": kind, …`; finish it with [`Writer::end`].
pub fn act(kind: &str) -> Writer {
    let mut w = Writer::new();
    w.open().str("type", kind);
    w
}

/// An `error` action.
#[inline(never)]
pub fn failed(e: &Error) -> String {
    let mut w = act("error");
    e.write(w.key("error"), &crate::render::next_text(e, None).0, None);
    w.end()
}

/// A `send` action.
#[inline(never)]
pub fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> String {
    let mut w = act("send");
    w.obj("request")
        .str("method", method)
        .str("url", url)
        .obj("headers");
    for (k, v) in headers {
        w.str(k, v);
    }
    w.close().opt_str("body", body).close();
    w.end()
}

/// A request with an optional bearer token and an optional JSON body (its text).
#[inline(never)]
pub fn json_request(method: &str, url: &str, bearer: Option<&str>, body: Option<&str>) -> String {
    const JSON: &str = "application/json";
    let mut auth = String::from("Bearer ");
    let mut headers = alloc::vec![("accept", JSON)];
    if body.is_some() {
        headers.push(("content-type", JSON));
    }
    if let Some(t) = bearer {
        auth.push_str(t);
        headers.push(("authorization", auth.as_str()));
    }
    send(method, url, &headers, body)
}

/// A one-member JSON object `{k: v}` as text.
pub fn one(k: &str, v: &str) -> String {
    let mut w = Writer::new();
    w.open().str(k, v);
    w.end()
}

fn no_session(message: &str) -> Error {
    Error::local(Code::UNAUTHENTICATED, &[message]).with_next(Next::SignInAgain)
}

fn missing_route(what: &str) -> Error {
    let mut m = String::from("This provider has no ");
    m.push_str(what);
    m.push_str(" route.");
    Error::input(Code::INVALID_STEP, "operation", &m)
}

/// The backend and checked base URL of a config.
pub fn target(config: &Value) -> Result<(Backend, String, bool), Error> {
    let b = backend::resolve(config)?;
    let insecure = config
        .get("allowInsecure")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let base = input::base_url(config.str_at("baseUrl").unwrap_or(b.base_url()), insecure)?;
    Ok((b, base, insecure))
}

fn url(base: &str, path: &str) -> String {
    let mut u = String::from(base);
    u.push_str(path);
    u
}

fn session_request(config: &Value) -> Result<String, Error> {
    let (b, base, insecure) = target(config)?;
    let route = |k: &str| b.route(k).ok_or_else(|| missing_route(k));
    let bearer = config
        .str_at("accessToken")
        .or_else(|| config.str_at("apiKey"));
    let refresh = config.str_at("refreshToken");
    match config.str_at("operation").unwrap_or("") {
        "refresh" => {
            let rt = refresh.ok_or_else(|| no_session("No refresh token: sign in again."))?;
            if let Some(client) = config.str_at("clientId") {
                return oauth::refresh_request(&b, config, insecure, rt, client);
            }
            let body = one(b.field("refreshToken"), rt);
            Ok(json_request(
                "POST",
                &url(&base, route("refresh")?),
                None,
                Some(&body),
            ))
        }
        "revoke" => {
            let at = bearer.ok_or_else(|| no_session("No access token: nothing to revoke."))?;
            let body = match (b.text("session.fields", "revoke"), refresh) {
                (Some(f), Some(rt)) => Some(one(f, rt)),
                _ => None,
            };
            Ok(json_request(
                "POST",
                &url(&base, route("revoke")?),
                Some(at),
                body.as_deref(),
            ))
        }
        "check" => {
            let at =
                bearer.ok_or_else(|| no_session("No access token or API key: sign in first."))?;
            Ok(json_request(
                "GET",
                &url(&base, route("check")?),
                Some(at),
                None,
            ))
        }
        _ => Err(Error::input(
            Code::INVALID_STEP,
            "operation",
            "The operation must be refresh, revoke or check.",
        )),
    }
}

fn session_response(config: &Value, event: &Value, now: i64) -> Result<String, Error> {
    if event.str_at("type") == Some("transport_error") {
        return Err(transport_error(event.str_at("kind").unwrap_or("network")));
    }
    let b = backend::resolve(config)?;
    let r = Response::from_value(event);
    let done = |k: &str, v: &Value| act("done").value(k, v).end();
    match config.str_at("operation").unwrap_or("") {
        "refresh" => {
            let mut tokens = if config.str_at("clientId").is_some() {
                oauth::token_answer(&r, now)?
            } else {
                b.tokens(&b.classify("refresh", &r)?, now, r.status)?
            };
            // A backend that does not rotate keeps the refresh token it had.
            if let (Value::Obj(m), Some(rt)) = (&mut tokens, config.str_at("refreshToken")) {
                if !m.iter().any(|(k, _)| k == "refreshToken") {
                    m.push((String::from("refreshToken"), s(rt)));
                }
            }
            Ok(done("session", &tokens))
        }
        "revoke" => match b.classify("revoke", &r) {
            Ok(_) => Ok(act("done").bool("revoked", true).end()),
            // Already revoked (or never valid): the token is unusable either way.
            Err(e) if e.code == Code::INVALID_TOKEN => Ok(act("done")
                .bool("revoked", true)
                .bool("alreadyRevoked", true)
                .end()),
            Err(e) => Err(e),
        },
        "check" => Ok(done("identity", &b.classify("check", &r)?)),
        "call" => Ok(done("data", &b.classify("call", &r)?)),
        _ => Err(Error::input(
            Code::INVALID_STEP,
            "operation",
            "The operation must be refresh, revoke, check or call.",
        )),
    }
}

fn totp_code(doc: &Value, now: i64) -> Result<String, Error> {
    let code = totp::totp(doc.str_at("secret").unwrap_or(""), now)?;
    Ok(act("done")
        .str("code", &code)
        .str("expiresAt", &format_rfc3339(totp::valid_until(now)))
        .end())
}

fn api_token(config: &Value) -> Result<String, Error> {
    let b = backend::resolve(config)?;
    let token = config.str_at("token").unwrap_or("");
    Ok(act("done")
        .opt_str("env", b.api_token_env(token))
        .str("masked", &crate::secret::mask(token))
        .end())
}

/// Sets (or, with `null`, removes) the member `key` of an object.
pub fn set(doc: &mut Value, key: &str, value: Value) {
    if let Value::Obj(m) = doc {
        m.retain(|(k, _)| k != key);
        if !value.is_null() {
            m.push((String::from(key), value));
        }
    }
}

/// `true`, or `null` (left out of a document) for `false`.
pub fn flag(on: bool) -> Value {
    if on {
        Value::Bool(true)
    } else {
        Value::Null
    }
}

/// Writes a saved document with its integrity check appended (detects edits
/// and damage) as the next value of `w`.
fn seal_into(w: &mut Writer, doc: &Value) {
    let start = w.out.len();
    crate::json::write_value(&mut w.out, doc);
    let check = checksum_of(w.out.get(start..).unwrap_or(""));
    w.out.pop(); // the closing brace: the check goes inside
    w.str("check", &check).close();
}

/// The saved document without its check, if the check matches; `INVALID_STATE` otherwise.
pub fn unseal(doc: &Value, kind: &str) -> Result<Value, Error> {
    let invalid = |m: &str| Error::local(Code::INVALID_STATE, &[m]);
    let Value::Obj(m) = doc else {
        return Err(invalid("This is not a saved keymint flow."));
    };
    if doc.get("v") != Some(&Value::Int(1)) || doc.str_at("kind") != Some(kind) {
        return Err(invalid(
            "The saved flow has an unknown version; start a new flow.",
        ));
    }
    let body = Value::Obj(m.iter().filter(|(k, _)| k != "check").cloned().collect());
    if doc.str_at("check") != Some(checksum(&body).as_str()) {
        return Err(invalid(
            "The saved flow was altered or damaged; start a new flow.",
        ));
    }
    Ok(body)
}

fn checksum(doc: &Value) -> String {
    checksum_of(&doc.to_json())
}

fn checksum_of(text: &str) -> String {
    let digest = crate::crypto::sha256(text.as_bytes());
    crate::crypto::hex(digest.get(..8).unwrap_or(&[]))
}

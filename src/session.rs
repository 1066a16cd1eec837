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

use crate::backend::{self, target};
use crate::error::{Code, Error, Next};
use crate::json::{s, Value};
use crate::response::{transport_error, Response};
use crate::saved::{act, failed, json_request, one, out, url};
use crate::time::format_rfc3339;
use crate::{device, oauth, password, totp};
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
        ("device_start", _) => device::start(config),
        ("event" | "validate", Some("device")) => device::step(op, state, event, now),
        ("event" | "validate", Some("password")) => password::step(op, state, event, now),
        ("event" | "validate", Some("oauth")) => oauth::step(op, state, event, now),
        _ => return None,
    })
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

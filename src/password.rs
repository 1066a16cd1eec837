//! Password sessions (CODITECT): register, log in, and — for an account with
//! two-factor authentication — a second-factor state of the same flow that takes
//! a TOTP code, or the TOTP secret itself, from which the core computes the code
//! at `now` so an agent completes 2FA without a person.
//!
//! Events: `{type: register, password, name?}`, `{type: login, password}`,
//! `{type: submit_2fa, code | totpSecret}`, `{type: response, …}`,
//! `{type: transport_error, kind}`. Actions: `ready`, `send`, `second_factor`
//! (`{method, expiresAt}`), `done` (`credential`), `error`. The password and the
//! TOTP secret go into the one request that needs them and never into the
//! saved document; the short-lived challenge token does, so the second factor
//! can be given in another process.
//!
//! The saved document is the state itself: `{v, kind: "password", provider,
//! spec?, baseUrl, email, phase, challengeToken?, challengeExpiresAt?,
//! attemptsRemaining?, method?, allowInsecure?, check}`.

use crate::backend::{target, Backend};
use crate::error::{Code, Error};
use crate::json::{obj, opt_s, s, Value, Writer};
use crate::response::{transport_error, Response};
use crate::saved::{act, custom_spec, failed, flag, json_request, out, resume, set};
use crate::time::{format_rfc3339, parse_rfc3339};
use crate::{input, totp};
use alloc::string::String;

/// `password_start` `{config: {provider | spec, baseUrl?, email, allowInsecure?}}`.
pub fn start(config: &Value) -> String {
    match begin(config) {
        Ok(doc) => out(Some(&doc), &ready()),
        Err(e) => out(None, &failed(&e)),
    }
}

fn begin(config: &Value) -> Result<Value, Error> {
    let (b, base_url, insecure) = target(config)?;
    if b.route("login").is_none() {
        return Err(Error::input(
            Code::INVALID_PROVIDER,
            "provider",
            "This provider has no password sign-in.",
        ));
    }
    let email = input::email(config.str_at("email").unwrap_or(""))?;
    Ok(obj(alloc::vec![
        ("v", Value::Int(1)),
        ("kind", s("password")),
        ("provider", s(b.name())),
        ("spec", custom_spec(config)),
        ("baseUrl", s(&base_url)),
        ("email", s(&email)),
        ("phase", s("ready")),
        ("allowInsecure", flag(insecure)),
    ]))
}

/// `event` / `validate` of a saved password flow.
pub fn step(op: &str, state: &Value, event: &Value, now: i64) -> String {
    let (mut doc, b) = match resume(state, "password") {
        Ok(x) => x,
        Err(e) => return out(None, &failed(&e)),
    };
    let action = if op == "validate" {
        ready()
    } else {
        handle(&b, &mut doc, event, now).unwrap_or_else(|e| failed(&e))
    };
    out(Some(&doc), &action)
}

fn ready() -> String {
    act("ready").end()
}

fn url(b: &Backend, doc: &Value, route: &str) -> Result<String, Error> {
    let path = b.route(route).ok_or_else(|| {
        Error::input(
            Code::INVALID_STEP,
            "event",
            "This provider has no such route.",
        )
    })?;
    Ok(crate::saved::url(doc.str_at("baseUrl").unwrap_or(""), path))
}

/// A JSON body of `(canonical field, value)` pairs, named as the backend names them.
fn body(b: &Backend, pairs: &[(&str, &str)]) -> String {
    let mut w = Writer::new();
    w.open();
    for (k, v) in pairs {
        w.str(b.field(k), v);
    }
    w.end()
}

fn drop_challenge(doc: &mut Value) {
    for k in [
        "challengeToken",
        "challengeExpiresAt",
        "attemptsRemaining",
        "method",
    ] {
        set(doc, k, Value::Null);
    }
}

fn handle(b: &Backend, doc: &mut Value, event: &Value, now: i64) -> Result<String, Error> {
    let phase = String::from(doc.str_at("phase").unwrap_or(""));
    let email = String::from(doc.str_at("email").unwrap_or(""));
    let kind = event.str_at("type").unwrap_or("");
    let (action, next) = match (kind, phase.as_str()) {
        ("register" | "login", "ready" | "second_factor") => {
            let pw = event.str_at("password").ok_or_else(|| {
                Error::input(Code::INVALID_REQUEST, "password", "A password is required.")
            })?;
            let mut fields = alloc::vec![("email", email.as_str()), ("password", pw)];
            if kind == "register" {
                let min = b.password_min();
                if (crate::text::char_count(pw) as i64) < min {
                    let mut m = String::from("The password must be at least ");
                    m.push_str(&crate::text::int_str(min));
                    m.push_str(" characters.");
                    return Err(Error::input(Code::WEAK_PASSWORD, "password", &m));
                }
                if let Some(name) = event.str_at("name") {
                    fields.push(("name", name.trim()));
                }
            }
            let route = if kind == "register" {
                "register"
            } else {
                "login"
            };
            let req = json_request("POST", &url(b, doc, route)?, None, Some(&body(b, &fields)));
            drop_challenge(doc);
            (
                req,
                if kind == "register" {
                    "registering"
                } else {
                    "logging_in"
                },
            )
        }
        ("submit_2fa", "second_factor") => {
            let challenge = String::from(doc.str_at("challengeToken").unwrap_or(""));
            let expired = doc
                .str_at("challengeExpiresAt")
                .and_then(parse_rfc3339)
                .is_some_and(|t| now >= t);
            if expired {
                drop_challenge(doc);
                set(doc, "phase", s("ready"));
                return Err(Error::local(
                    Code::CHALLENGE_EXPIRED,
                    &["The two-factor challenge has expired: log in again."],
                ));
            }
            let code = match event.str_at("totpSecret") {
                Some(secret) => totp::totp(secret, now)?,
                None => {
                    let mut code = String::new();
                    for c in event.str_at("code").unwrap_or("").chars() {
                        if c != ' ' && c != '-' {
                            code.push(c);
                        }
                    }
                    if code.len() != 6 || !code.bytes().all(|c| c.is_ascii_digit()) {
                        return Err(Error::input(
                            Code::INVALID_2FA_CODE,
                            "code",
                            "The authenticator code must be 6 digits.",
                        ));
                    }
                    code
                }
            };
            let fields = [("challenge", challenge.as_str()), ("code", code.as_str())];
            let req = json_request(
                "POST",
                &url(b, doc, "secondFactor")?,
                None,
                Some(&body(b, &fields)),
            );
            (req, "verifying")
        }
        ("response", "registering" | "logging_in" | "verifying") => {
            let r = Response::from_value(event);
            return match answered(b, doc, &r, &phase, &email, now) {
                Ok(action) => Ok(action),
                Err(e) => {
                    refused(doc, &phase, &e);
                    Err(e)
                }
            };
        }
        ("transport_error", "registering" | "logging_in" | "verifying") => {
            let back = if phase == "verifying" {
                "second_factor"
            } else {
                "ready"
            };
            set(doc, "phase", s(back));
            return Err(transport_error(event.str_at("kind").unwrap_or("network")));
        }
        _ => {
            return Err(Error::wrong_step(&phase));
        }
    };
    set(doc, "phase", s(next));
    Ok(action)
}

fn answered(
    b: &Backend,
    doc: &mut Value,
    r: &Response,
    phase: &str,
    email: &str,
    now: i64,
) -> Result<String, Error> {
    let step = match phase {
        "registering" => "register",
        "logging_in" => "login",
        _ => "secondFactor",
    };
    let data = b.classify(step, r)?;
    let at = |k: &str| b.second_factor(k).and_then(|p| data.path(p));
    if phase == "logging_in" && at("flag") == Some(&Value::Bool(true)) {
        let Some(challenge) = at("challenge").and_then(Value::as_text) else {
            return Err(crate::response::error(
                Code::BAD_RESPONSE,
                "The answer asked for a second factor without a challenge.",
                r.status,
            ));
        };
        let method = at("method").and_then(Value::as_text).unwrap_or("totp");
        let until = format_rfc3339(now + b.challenge_lifetime());
        let action = act("second_factor")
            .str("method", method)
            .str("email", email)
            .str("expiresAt", &until)
            .end();
        set(doc, "challengeToken", s(challenge));
        set(doc, "challengeExpiresAt", s(&until));
        set(doc, "method", s(method));
        set(doc, "phase", s("second_factor"));
        return Ok(action);
    }
    let mut tokens = b.tokens(&data, now, r.status)?;
    for (k, v) in [
        ("provider", s(b.name())),
        ("baseUrl", opt_s(doc.str_at("baseUrl"))),
        ("email", s(email)),
        ("accountCreated", Value::Bool(phase == "registering")),
    ] {
        set(&mut tokens, k, v);
    }
    drop_challenge(doc);
    set(doc, "phase", s("done"));
    Ok(act("done").value("credential", &tokens).end())
}

/// Where a refused step leaves the flow.
fn refused(doc: &mut Value, phase: &str, e: &Error) {
    let next = match (phase, e.code) {
        ("verifying", Code::INVALID_2FA_CODE) if e.attempts_remaining != Some(0) => {
            set(
                doc,
                "attemptsRemaining",
                e.attempts_remaining.map_or(Value::Null, Value::Int),
            );
            "second_factor"
        }
        ("verifying", Code::INVALID_2FA_CODE | Code::CHALLENGE_EXPIRED) => {
            drop_challenge(doc);
            "ready"
        }
        ("verifying", _) => "second_factor",
        _ => "ready",
    };
    set(doc, "phase", s(next));
}

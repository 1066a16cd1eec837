//! keymint: email one-time-code sign-up and sign-in for programs that can read
//! email but cannot open a browser.
//!
//! This crate is the sans-IO core: flows are state machines over plain data
//! ([`flow::Flow`]), backends are described by provider specs
//! ([`provider::Spec`]), and every failure is a canonical [`error::Error`] with a
//! machine-readable next action. Nothing here performs IO, reads a clock or
//! draws randomness: time and random ids are arguments. [`step`] is the one
//! entry point: JSON in, JSON out, used natively by tests and by the wasm
//! bindings in `src/wasm/`.
#![cfg_attr(feature = "tiny", no_std)]
#![warn(missing_docs)]
// Errors are the slow path and are built once per step; boxing them would add
// code to the wasm for no gain.
#![allow(clippy::result_large_err)]

extern crate alloc;

pub mod action;
pub mod backend;
pub mod crypto;
pub mod device;
pub mod error;
pub mod flow;
pub mod input;
pub mod json;
pub mod oauth;
pub mod password;
pub mod protocol;
pub mod provider;
pub mod render;
pub mod response;
pub mod saved;
pub mod secret;
pub mod session;
pub mod text;
pub mod time;
pub mod totp;

#[cfg(target_arch = "wasm32")]
mod wasm;

use action::{Action, Request};
use error::{Code, Error};
use flow::Flow;
use json::{parse, Value};
use response::{classify, Response};

/// Runs one step. Input: `{op, now, config?, state?, event?}` where `op` is
/// `start` (config), `validate` (state), `event` (state, event), `whoami` (config with `apiKey`) or
/// `whoami_response` (config, event). Output: `{state?, action}`; the action is
/// `ready`, `send`, `code_sent`, `done` or `error`.
pub fn step(input: &str) -> String {
    let Some(doc) = parse(input) else {
        return failed(
            Error::new(Code::INVALID_STEP, "The step input was not valid JSON."),
            None,
        );
    };
    let now = doc.int_at("now").unwrap_or(0);
    // Session, password, OAuth2 and TOTP ops (and events of their saved flows).
    if let Some(out) = session::step(&doc, now) {
        return out;
    }
    let empty = Value::Obj(alloc::vec::Vec::new());
    let config = doc.get("config").unwrap_or(&empty);
    match doc.str_at("op").unwrap_or("") {
        "start" => match Flow::start(config) {
            Ok(flow) => out(&flow, &Action::Ready),
            Err(e) => failed(e, None),
        },
        "validate" => match Flow::resume(doc.get("state").unwrap_or(&Value::Null)) {
            Ok(flow) => out(&flow, &Action::Ready),
            Err(e) => failed(e, None),
        },
        "event" => {
            let state = doc.get("state").unwrap_or(&Value::Null);
            match Flow::resume(state) {
                Ok(mut flow) => {
                    let action = flow.handle(doc.get("event").unwrap_or(&empty), now);
                    out(&flow, &action)
                }
                Err(e) => failed(e, None),
            }
        }
        "whoami" => match token_request(config, false) {
            Ok(req) => wrap(&Action::Send(req), None),
            Err(e) => failed(e, None),
        },
        "token_refresh" => match token_request(config, true) {
            Ok(req) => wrap(&Action::Send(req), None),
            Err(e) => failed(e, None),
        },
        "token_refresh_response" => match refreshed(config, doc.get("event").unwrap_or(&empty)) {
            Ok(text) => text,
            Err(e) => failed(e, None),
        },
        "whoami_response" => {
            let spec = match provider::resolve(
                config.str_at("provider"),
                config.get("spec").filter(|v| !v.is_null()),
            ) {
                Ok(spec) => spec,
                Err(e) => {
                    return failed(
                        Error::input(Code::INVALID_PROVIDER, "provider", &e.message()),
                        None,
                    )
                }
            };
            let event = doc.get("event").unwrap_or(&empty);
            if event.str_at("type") == Some("transport_error") {
                return failed(
                    response::transport_error(event.str_at("kind").unwrap_or("network")),
                    None,
                );
            }
            let identity = classify(&*spec, "whoami", &Response::from_value(event)).and_then(|d| {
                match spec.whoami_data.as_deref() {
                    None => Ok(d),
                    Some(p) => d
                        .path(p)
                        .filter(|v| matches!(v, Value::Obj(_)))
                        .cloned()
                        .ok_or_else(|| {
                            Error::new(Code::BAD_RESPONSE, "The whoami answer had no identity.")
                        }),
                }
            });
            match identity {
                Ok(data) => {
                    let mut w = json::Writer::new();
                    w.open()
                        .obj("action")
                        .str("type", "done")
                        .value("identity", &data)
                        .close()
                        .close();
                    w.out
                }
                Err(e) => failed(e, None),
            }
        }
        _ => failed(Error::new(Code::INVALID_STEP, "Unknown op."), None),
    }
}

/// The credential a `refresh` answer carries, read through the spec's
/// `credential` paths: `{type: done, credential: {apiKey, kind, expiresAt, user}}`.
fn refreshed(config: &Value, event: &Value) -> Result<String, Error> {
    let spec = provider::resolve(
        config.str_at("provider"),
        config.get("spec").filter(|v| !v.is_null()),
    )
    .map_err(|e| Error::input(Code::INVALID_PROVIDER, "provider", &e.message()))?;
    if event.str_at("type") == Some("transport_error") {
        return Err(response::transport_error(
            event.str_at("kind").unwrap_or("network"),
        ));
    }
    let r = Response::from_value(event);
    let data = classify(&*spec, "refresh", &r)?;
    let at = |k: &str| {
        spec.credential(k)
            .and_then(|p| data.path(p))
            .and_then(Value::as_text)
    };
    let key = at("apiKey")
        .or_else(|| at("accessToken"))
        .ok_or_else(|| response::bad("The refresh answer carried no token.", r.status))?;
    let expires = at("expiresAt")
        .map(String::from)
        .or_else(|| flow::jwt_exp(key).map(time::format_rfc3339));
    let mut w = json::Writer::new();
    w.open()
        .obj("action")
        .str("type", "done")
        .obj("credential")
        .str("apiKey", key)
        .str("kind", spec.credential_kind)
        .opt_str("expiresAt", expires.as_deref())
        .opt_str("refreshToken", at("refreshToken"))
        .obj("user")
        .opt_str("id", at("userId"))
        .opt_str("email", at("email"))
        .close()
        .close()
        .close()
        .close();
    Ok(w.out)
}

/// The whoami request (`refresh` false) or the token refresh request of an
/// email-code credential: the spec's route, method and how the token is sent.
fn token_request(config: &Value, refresh: bool) -> Result<Request, Error> {
    let spec = provider::resolve(
        config.str_at("provider"),
        config.get("spec").filter(|v| !v.is_null()),
    )
    .map_err(|e| Error::input(Code::INVALID_PROVIDER, "provider", &e.message()))?;
    let insecure = config
        .get("allowInsecure")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let base = input::base_url(&spec.base_url_for(config.str_at("baseUrl")), insecure)?;
    let route = if refresh {
        spec.refresh
            .as_ref()
            .map(|r| (r.path.as_str(), r.method, &r.auth, r.body.as_deref()))
    } else {
        spec.whoami
            .as_deref()
            .map(|p| (p, spec.whoami_method, &spec.whoami_auth, None))
    };
    let (path, method, auth, body_field) = route.ok_or_else(|| {
        Error::input(
            Code::INVALID_STEP,
            if refresh { "refresh" } else { "whoami" },
            if refresh {
                "This provider has no refresh route."
            } else {
                "This provider has no whoami route."
            },
        )
    })?;
    let key = config.str_at("apiKey").ok_or_else(|| {
        Error::new(Code::UNAUTHENTICATED, "No API key: sign in first.")
            .with_next(error::Next::SignInAgain)
    })?;
    // A masked key (a Secret printed, or a Secret of another copy of the package
    // stringified) would otherwise go out as the bearer and fail as a network error.
    // (U+2022 '•' as its UTF-8 bytes: a byte window, not a `char` pattern search.)
    if key.as_bytes().windows(3).any(|w| w == [0xe2, 0x80, 0xa2]) {
        return Err(Error::input(
            Code::INVALID_ARGUMENT,
            "apiKey",
            "This is the masked form of a key, shown for display only: pass the Secret itself or its reveal().",
        ));
    }
    let mut url = base.clone();
    url.push_str(path);
    let mut extra = flow::spec_headers(&spec, &base);
    let mut headers = alloc::vec![("accept", String::from("application/json"))];
    let mut body = None;
    match body_field {
        Some(field) => {
            body = Some(Value::Obj(alloc::vec![(String::from(field), json::s(key))]).to_json())
        }
        None => extra.push(flow::auth_header(auth, key)),
    }
    let post = method == "POST";
    if post {
        headers.push(("content-type", String::from("application/json")));
        body = body.or_else(|| Some(String::from("{}")));
    }
    Ok(Request {
        method: if post { "POST" } else { "GET" },
        url,
        headers,
        extra,
        body,
    })
}

use alloc::string::String;

fn wrap(action: &Action, flow: Option<&Flow>) -> String {
    let mut w = json::Writer::new();
    w.open();
    if let Some(f) = flow {
        f.write_saved(w.key("state"));
    }
    let ctx = flow.map(Flow::render_ctx);
    action.write(w.key("action"), ctx.as_ref());
    w.close();
    w.out
}

fn out(flow: &Flow, action: &Action) -> String {
    wrap(action, Some(flow))
}

fn failed(e: Error, flow: Option<&Flow>) -> String {
    wrap(&Action::Failed(e), flow)
}

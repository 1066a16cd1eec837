//! Transcript helpers for the session, password and OAuth2 ops (shared by
//! `tests/sessions.rs` and `tests/coditect.rs`).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use keymint::json::{obj, s, Value};

// The step driver basics are shared with the OTP transcripts.
#[path = "../common/mod.rs"]
pub mod base;
pub use base::{answer, call, T0};

/// A saved password or OAuth flow, driven through `event`.
pub struct Run {
    pub state: Value,
    pub now: i64,
}

impl Run {
    /// `password_start` / `oauth_start`; returns the run and the start output.
    pub fn start(op: &str, config: Value) -> (Run, Value) {
        let out = call(obj(vec![
            ("op", s(op)),
            ("now", Value::Int(T0)),
            ("config", config),
        ]));
        let state = out.get("state").cloned().unwrap_or(Value::Null);
        (Run { state, now: T0 }, out)
    }
    pub fn event(&mut self, event: Value) -> Value {
        base::step_event(&mut self.state, self.now, event)
    }
    pub fn ev(&mut self, kind: &str, members: Vec<(&str, Value)>) -> Value {
        let mut m = vec![("type", s(kind))];
        m.extend(members);
        self.event(obj(m))
    }
    pub fn respond(&mut self, status: i64, body: &str) -> Value {
        self.event(answer(status, body, vec![]))
    }
    pub fn respond_h(&mut self, status: i64, body: &str, headers: Vec<(&str, &str)>) -> Value {
        self.event(answer(status, body, headers))
    }
    pub fn phase(&self) -> &str {
        self.state.str_at("phase").unwrap()
    }
}

/// `session_request` for a config.
pub fn session_request(config: &Value) -> Value {
    call(obj(vec![
        ("op", s("session_request")),
        ("now", Value::Int(T0)),
        ("config", config.clone()),
    ]))
}

/// `session_response` for a config and an answer.
pub fn session_response(config: &Value, event: Value) -> Value {
    call(obj(vec![
        ("op", s("session_response")),
        ("now", Value::Int(T0)),
        ("config", config.clone()),
        ("event", event),
    ]))
}

pub fn with(config: &Value, members: Vec<(&str, Value)>) -> Value {
    let Value::Obj(mut m) = config.clone() else {
        panic!("config is an object")
    };
    for (k, v) in members {
        m.retain(|(name, _)| name != k);
        m.push((k.to_string(), v));
    }
    Value::Obj(m)
}

pub fn action(out: &Value) -> &str {
    out.str_at("action.type").unwrap()
}
pub fn code(out: &Value) -> &str {
    out.str_at("action.error.code").unwrap_or("-")
}
pub fn next_kind(out: &Value) -> &str {
    out.str_at("action.error.nextAction.kind").unwrap_or("-")
}
pub fn text(out: &Value) -> &str {
    out.str_at("action.error.nextAction.text").unwrap_or("-")
}
pub fn local(out: &Value) -> bool {
    out.path("action.error.details.local") == Some(&Value::Bool(true))
}
/// `(method, url, headers, body text)` of a send action.
pub fn request(out: &Value) -> (String, String, Value, String) {
    let r = out
        .path("action.request")
        .unwrap_or_else(|| panic!("a send action: {}", out.to_json()));
    (
        r.str_at("method").unwrap().to_string(),
        r.str_at("url").unwrap().to_string(),
        r.get("headers").cloned().unwrap(),
        r.str_at("body").unwrap_or("").to_string(),
    )
}

//! A tiny driver for transcripts: feeds `keymint::step` and fakes the backend's answers.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use keymint::json::{obj, parse, s, Value};

/// 2026-11-22T17:40:00Z
pub const T0: i64 = 1_795_369_200;

pub struct Driver {
    pub state: Value,
    pub now: i64,
    pub last: Value,
}

pub fn call(input: Value) -> Value {
    let text = input.to_json();
    let out = keymint::step(&text);
    // Every transcript also runs through a memo (the wasm build's path: a flow kept between
    // steps, its document skipped unparsed) and must answer the same bytes.
    thread_local! {
        static MEMO: std::cell::RefCell<keymint::protocol::Memo> = Default::default();
    }
    let kept = MEMO.with(|m| keymint::protocol::run_with(&text, Some(&mut m.borrow_mut())));
    assert_eq!(kept.text, out, "the memo's answer differs for {text}");
    parse(&out).expect("step output is JSON")
}

/// A fresh submission nonce (what the JS driver draws from crypto.getRandomValues):
/// 16 bytes as hex, distinct on every call.
pub fn nonce() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    format!("6e6f6e6365{:022x}", N.fetch_add(1, Ordering::Relaxed))
}

/// One `event` step on a saved flow; the flow moves on to the state it returns (if any).
pub fn step_event(state: &mut Value, now: i64, event: Value) -> Value {
    let out = call(obj(vec![
        ("op", s("event")),
        ("now", Value::Int(now)),
        ("state", state.clone()),
        ("event", event),
    ]));
    if let Some(st) = out.get("state").filter(|v| !v.is_null()) {
        *state = st.clone();
    }
    out
}

/// A JSON answer event.
pub fn answer(status: i64, body: &str, headers: Vec<(&str, &str)>) -> Value {
    let mut h = vec![("content-type", s("application/json"))];
    h.extend(headers.into_iter().map(|(k, v)| (k, s(v))));
    obj(vec![
        ("type", s("response")),
        ("status", Value::Int(status)),
        ("body", s(body)),
        ("headers", obj(h)),
    ])
}

impl Driver {
    pub fn start(config: Value) -> Driver {
        let out = call(obj(vec![
            ("op", s("start")),
            ("now", Value::Int(T0)),
            ("config", config),
        ]));
        assert_eq!(
            out.str_at("action.type"),
            Some("ready"),
            "{}",
            out.to_json()
        );
        Driver {
            state: out.get("state").unwrap().clone(),
            now: T0,
            last: out,
        }
    }
    pub fn event(&mut self, event: Value) -> Value {
        let out = step_event(&mut self.state, self.now, event);
        self.last = out.clone();
        out
    }
    pub fn request_code(&mut self) -> Value {
        self.event(obj(vec![("type", s("request_code"))]))
    }
    pub fn submit(&mut self, code: &str) -> Value {
        self.event(obj(vec![
            ("type", s("submit_code")),
            ("code", s(code)),
            ("nonce", s(&nonce())),
        ]))
    }
    pub fn submit_with(&mut self, code: &str, options: Value) -> Value {
        self.event(obj(vec![
            ("type", s("submit_code")),
            ("code", s(code)),
            ("options", options),
            ("nonce", s(&nonce())),
        ]))
    }
    /// An event of `kind` with extra members (e.g. a per-step `url`).
    pub fn event_with(&mut self, kind: &str, members: Vec<(&str, Value)>) -> Value {
        let mut m = vec![("type", s(kind))];
        m.extend(members);
        self.event(obj(m))
    }
    pub fn choose(&mut self, organization_id: &str) -> Value {
        self.event_with(
            "choose_organization",
            vec![
                ("organizationId", s(organization_id)),
                ("nonce", s(&nonce())),
            ],
        )
    }
    /// Saves the state as text and resumes it, as another process would.
    pub fn reload(&mut self) {
        let text = self.state.to_json();
        let out = call(obj(vec![
            ("op", s("validate")),
            ("state", parse(&text).unwrap()),
        ]));
        assert_eq!(
            out.str_at("action.type"),
            Some("ready"),
            "{}",
            out.to_json()
        );
        self.state = parse(&text).unwrap();
    }
    pub fn respond(&mut self, status: i64, body: &str) -> Value {
        self.respond_h(status, body, vec![])
    }
    pub fn respond_h(&mut self, status: i64, body: &str, headers: Vec<(&str, &str)>) -> Value {
        self.event(answer(status, body, headers))
    }
    pub fn fail(&mut self, kind: &str) -> Value {
        self.event(obj(vec![("type", s("transport_error")), ("kind", s(kind))]))
    }
    pub fn phase(&self) -> &str {
        self.state.str_at("phase").unwrap()
    }
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
pub fn request(out: &Value) -> (String, String, Value) {
    let r = out.path("action.request").expect("a send action");
    let body = r
        .str_at("body")
        .map(|b| parse(b).unwrap())
        .unwrap_or(Value::Null);
    (
        r.str_at("method").unwrap().to_string(),
        r.str_at("url").unwrap().to_string(),
        body,
    )
}

/// True when the error was answered locally, without a request.
pub fn local(out: &Value) -> bool {
    out.path("action.error.details.local") == Some(&Value::Bool(true))
}
pub fn status(out: &Value) -> Option<i64> {
    out.int_at("action.error.status")
}
pub fn command(out: &Value) -> &str {
    out.str_at("action.error.nextAction.command").unwrap_or("-")
}
pub fn text(out: &Value) -> &str {
    out.str_at("action.error.nextAction.text").unwrap_or("-")
}
/// Runs `start` and returns its output (for configs that fail).
pub fn start_out(config: Value) -> Value {
    call(obj(vec![
        ("op", s("start")),
        ("now", Value::Int(T0)),
        ("config", config),
    ]))
}

//! A full Scripto email-code flow driven natively from Rust, against the local
//! emulator: sign up with an emailed code, mint an API key, ask who it belongs to.
//!
//! `cargo run --example scripto_native` (run by `make test-example`, part of
//! `make test`). Needs `node` on PATH (or `NODE=…`). The crate does no IO: this
//! program owns the clock, the randomness and the HTTP client
//! (`http.rs`, std only), and hands the core each answer as an event.
//!
//! The flow is typed end to end: a `keymint::otp::Config` starts it, typed
//! `keymint::otp::Event`s drive it, and every answer is a
//! `keymint::action::Action`.
//!
//! Prints the key MASKED (the raw key is in `Secret::expose`, for a store) and
//! the whoami identity; exits non-zero on any failure.

mod emulator;
mod http;

use emulator::Emulator;
use keymint::action::{Action, Credential, Done, Request};
use keymint::json::{obj, parse, s, Value};
use keymint::otp::Event;
use keymint::otp::{Config, Flow};
use keymint::response::Response;
use std::error::Error;
use std::hash::{BuildHasher, Hasher};
use std::path::Path;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

/// At most this many actions per flow: a flow that never finishes is a bug here.
const MAX_STEPS: usize = 16;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scripto_native: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    // Dropped (and killed) on every return below.
    let emu = Emulator::start(Path::new(env!("CARGO_MANIFEST_DIR")))?;
    let email = "rust-native@example.com";
    println!("emulator  {}", emu.url);

    let mut flow = start(&emu.url, email)?;
    let mut action = flow.handle(Event::RequestCode { url: None }, now());
    let mut credential = None;
    for _ in 0..MAX_STEPS {
        action = match action {
            Action::Send(req) => {
                let answer = send(&req);
                flow.handle(answer_of(&answer), now())
            }
            Action::CodeSent { email, purpose, .. } => {
                let code = emu.inbox(&email)?;
                println!(
                    "code      sent to {email} for {purpose}; read from the emulator's outbox"
                );
                let nonce = nonce();
                let submit = Event::SubmitCode {
                    code: &code,
                    nonce: Some(&nonce),
                    options: None,
                    url: None,
                };
                flow.handle(submit, now())
            }
            Action::Done(Done::Credential(c)) => {
                credential = Some(c);
                break;
            }
            // keymint's Error is a std::error::Error: `?` carries it out as it is.
            Action::Failed(e) => return Err(e.into()),
            other => return Err(format!("unexpected action {other:?}").into()),
        };
    }
    let credential = credential.ok_or("the flow did not finish")?;
    print_credential(&credential);

    let identity = whoami(&emu.url, &credential)?;
    println!("whoami    {}", identity.to_json());
    Ok(())
}

/// Step 1: a flow from its typed start config. A refused config is a
/// `keymint::error::Error` (`INVALID_PROVIDER`, `EMAIL_INVALID`, …).
fn start(base_url: &str, email: &str) -> Result<Flow, Box<dyn Error>> {
    let flow_id = nonce();
    let config = Config {
        provider: Some("scripto"),
        base_url: Some(base_url),
        email,
        program: Some("scripto_native"),
        flow_id: Some(&flow_id),
        ..Config::default()
    };
    Ok(Flow::start(&config)?)
}

/// Step 2: performs a request: its answer, or why there was none.
fn send(req: &Request) -> Result<http::Response, http::Failure> {
    let headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .chain(req.extra.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .collect();
    http::send(req.method, &req.url, &headers, req.body.as_deref())
}

fn answer_event(answer: Result<http::Response, http::Failure>) -> Value {
    match answer {
        Ok(r) => obj(vec![
            ("type", s("response")),
            ("status", Value::Int(i64::from(r.status))),
            (
                "headers",
                Value::Obj(
                    r.headers
                        .into_iter()
                        .map(|(k, v)| (k, Value::Str(v)))
                        .collect(),
                ),
            ),
            ("body", Value::Str(r.body)),
        ]),
        Err(f) => {
            eprintln!("transport {} ({})", f.why, f.kind);
            obj(vec![("type", s("transport_error")), ("kind", s(f.kind))])
        }
    }
}

/// Step 3: the answer as the typed event to feed back. `Response::from_parts` reads
/// the headers the core uses (Retry-After, X-Retry-After, the server's Date as an
/// HTTP-date, content-type) from the client's own header list.
fn answer_of(answer: &Result<http::Response, http::Failure>) -> Event<'_> {
    match answer {
        Ok(r) => Event::Response(Response::from_parts(r.status, &r.headers, &r.body)),
        Err(f) => {
            eprintln!("transport {} ({})", f.why, f.kind);
            Event::TransportError { kind: f.kind }
        }
    }
}

fn print_credential(c: &Credential) {
    // Display and Debug of a Secret print the masked form only.
    println!("api key   {}", c.api_key);
    for (name, value) in &c.fields {
        if let Some(text) = value.as_text() {
            println!("          {name}: {text}");
        }
    }
}

/// Who the key belongs to. The whoami step has no typed API yet, so this one
/// goes through `keymint::step` (the JSON protocol the JS package speaks):
/// `whoami` answers a request to send, `whoami_response` reads its answer.
fn whoami(base_url: &str, c: &Credential) -> Result<Value, Box<dyn Error>> {
    let config = obj(vec![
        ("provider", s("scripto")),
        ("baseUrl", s(base_url)),
        ("apiKey", s(c.api_key.expose())),
    ]);
    let out = step(obj(vec![("op", s("whoami")), ("config", config.clone())]))?;
    let req = out.get("request").ok_or("whoami: no request to send")?;
    let headers: Vec<(&str, &str)> = match req.get("headers") {
        Some(Value::Obj(h)) => h
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v)))
            .collect(),
        _ => Vec::new(),
    };
    let answer = http::send(
        req.str_at("method").unwrap_or("GET"),
        req.str_at("url").unwrap_or(""),
        &headers,
        req.str_at("body"),
    );
    let out = step(obj(vec![
        ("op", s("whoami_response")),
        ("config", config),
        ("event", answer_event(answer)),
    ]))?;
    out.get("identity")
        .cloned()
        .ok_or_else(|| "whoami: no identity".into())
}

/// One `keymint::step` call; its action, or its error as a `Box<dyn Error>`.
fn step(mut input: Value) -> Result<Value, Box<dyn Error>> {
    if let Value::Obj(members) = &mut input {
        members.push((String::from("now"), Value::Int(now())));
    }
    let out = parse(&keymint::step(&input.to_json())).ok_or("step: output not JSON")?;
    let action = out.get("action").cloned().ok_or("step: no action")?;
    match action.str_at("type") {
        Some("error") => Err(format!(
            "{}: {}",
            action.str_at("error.code").unwrap_or("?"),
            action.str_at("error.message").unwrap_or("")
        )
        .into()),
        _ => Ok(action),
    }
}

/// The caller's clock, in Unix seconds (the core reads none).
fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// 16 random bytes as hex, from the OS-seeded keys of std's `RandomState` (the
/// core draws no randomness; a submission nonce must come from the caller).
fn nonce() -> String {
    (0..2)
        .map(|i| {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(i);
            format!("{:016x}", h.finish())
        })
        .collect()
}

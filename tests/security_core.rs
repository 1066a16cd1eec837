//! Regression tests for issue 14 items 7 and 8: only literal loopback hosts may
//! get credentials over plain http, and the Idempotency-Key carries nothing
//! derived from the code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod common;
use common::*;
use keymint::json::{obj, s, Value};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn config(base: &str) -> Value {
    obj(vec![
        ("provider", s("scripto")),
        ("baseUrl", s(base)),
        ("email", s("you@example.com")),
        ("flowId", s("f1")),
    ])
}

fn flow() -> Driver {
    Driver::start(config("http://127.0.0.1:9"))
}

fn key_of(out: &Value) -> String {
    out.str_at("action.request.headers.idempotency-key")
        .expect("a complete request with an Idempotency-Key")
        .to_string()
}

fn submit_nonce(d: &mut Driver, code: &str, nonce: &str) -> Value {
    d.event_with("submit_code", vec![("code", s(code)), ("nonce", s(nonce))])
}

fn code_sent(d: &mut Driver) {
    d.request_code();
    let out = d.respond(200, r#"{"success":true,"data":{"ok":true}}"#);
    assert_eq!(action(&out), "code_sent", "{}", out.to_json());
}

const N1: &str = "0123456789abcdef0123456789abcdef";
const N2: &str = "fedcba9876543210fedcba9876543210";

#[test]
fn a_dot_localhost_base_url_is_refused_before_any_request() {
    for base in [
        "http://attacker.localhost:8080",
        "http://attacker.localhost",
        "http://x.y.localhost:1/api",
    ] {
        let out = start_out(config(base));
        assert_eq!(
            (code(&out), next_kind(&out)),
            ("INSECURE_URL", "fix_input"),
            "{base}"
        );
        assert!(local(&out), "{base}");
        assert_eq!(out.path("state"), None, "no flow, so no request: {base}");
    }
    // A per-step URL override and a whoami follow the same rule.
    let mut d = flow();
    let out = d.event_with(
        "request_code",
        vec![(
            "url",
            s("http://attacker.localhost:9/api/cli/login-request"),
        )],
    );
    assert_eq!(code(&out), "INSECURE_URL");
    let out = call(obj(vec![
        ("op", s("whoami")),
        (
            "config",
            obj(vec![
                ("provider", s("scripto")),
                ("baseUrl", s("http://attacker.localhost:9")),
                ("apiKey", s("scripto_x")),
            ]),
        ),
    ]));
    assert_eq!(code(&out), "INSECURE_URL");
    // The literal loopback forms still work.
    for base in ["http://localhost:9", "http://127.0.0.1:9", "http://[::1]:9"] {
        assert_eq!(action(&start_out(config(base))), "ready", "{base}");
    }
}

#[test]
fn the_idempotency_key_holds_nothing_derived_from_the_code() {
    // Two flows with the same flow id, purpose, code and options: only the
    // caller's nonce tells their keys apart, and the key is exactly id + nonce.
    let mut a = flow();
    code_sent(&mut a);
    let ka = key_of(&submit_nonce(&mut a, "123456", N1));
    assert_eq!(ka, format!("km-f1-{N1}"));
    let mut b = flow();
    code_sent(&mut b);
    let kb = key_of(&submit_nonce(&mut b, "654321", N1));
    assert_eq!(ka, kb, "a different code with the same nonce: the same key");
    assert_eq!(
        ka.strip_suffix(N1),
        Some("km-f1-"),
        "nothing besides id and nonce"
    );
}

#[test]
fn a_submission_without_a_usable_nonce_is_refused_locally() {
    let mut d = flow();
    code_sent(&mut d);
    let before = d.state.clone();
    for nonce in [
        None,
        Some(""),
        Some("abc"),
        Some("0123456789ABCDEF0123"),
        Some("0123456789abcdeg"),
    ] {
        let mut m = vec![("code", s("123456"))];
        if let Some(n) = nonce {
            m.push(("nonce", s(n)));
        }
        let out = d.event_with("submit_code", m);
        assert_eq!(
            (code(&out), out.str_at("action.error.nextAction.field")),
            ("INVALID_STEP", Some("nonce")),
            "{nonce:?}"
        );
        assert_eq!(d.state, before, "nothing recorded: {nonce:?}");
    }
}

#[test]
fn a_retry_of_the_same_submission_reuses_its_key() {
    let mut d = flow();
    code_sent(&mut d);
    let first = key_of(&submit_nonce(&mut d, "123456", N1));
    assert_eq!(d.state.str_at("nonce"), Some(N1), "saved with the flow");
    // The automatic re-send after a lost answer.
    let out = d.fail("network");
    assert_eq!(key_of(&out), first);
    // The second loss ends the step; the caller submits the same code again, in
    // another process, with a fresh nonce of its own: the saved one wins.
    let out = d.fail("network");
    assert_eq!(code(&out), "NETWORK_ERROR");
    d.reload();
    let out = submit_nonce(&mut d, "123 456", N2);
    assert_eq!(
        key_of(&out),
        first,
        "the same code and options: the same key"
    );
}

#[test]
fn a_new_submission_gets_a_new_key() {
    let mut d = flow();
    code_sent(&mut d);
    let first = key_of(&submit_nonce(&mut d, "123456", N1));
    d.fail("network");
    d.fail("network");
    // A different code is a new submission.
    let out = submit_nonce(&mut d, "111111", N2);
    let second = key_of(&out);
    assert_ne!(second, first);
    assert_eq!(second, format!("km-f1-{N2}"));
    d.fail("network");
    d.fail("network");
    // The same code with different options is a new submission too.
    let n3 = "00000000000000001111111111111111";
    let out = d.event_with(
        "submit_code",
        vec![
            ("code", s("111111")),
            ("nonce", s(n3)),
            ("options", obj(vec![("keyName", s("other"))])),
        ],
    );
    assert_eq!(key_of(&out), format!("km-f1-{n3}"));
}

#[test]
fn a_saved_nonce_is_validated_on_resume() {
    let mut d = flow();
    code_sent(&mut d);
    submit_nonce(&mut d, "123456", N1);
    let text = d.state.to_json().replace(N1, "not-hex");
    let out = call(obj(vec![
        ("op", s("validate")),
        ("state", keymint::json::parse(&text).unwrap()),
    ]));
    assert_eq!(code(&out), "INVALID_STATE");
}

//! Scripto transcripts with a fixed clock: every row of ../shared/protocols/scripto.md.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod common;
use common::*;
use keymint::json::{obj, s, Value};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const BASE: &str = "https://scripto.example.test";
const KEY: &str = "scripto_0123456789abcdefghijABCDEFGHIJklmnopqrst";

fn flow() -> Driver {
    Driver::start(obj(vec![
        ("provider", s("scripto")),
        ("baseUrl", s(BASE)),
        ("email", s(" you@example.com ")),
        ("flowId", s("f1")),
    ]))
}

#[test]
fn happy_path() {
    let mut d = flow();
    let out = d.request_code();
    let (method, url, body) = request(&out);
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("POST", "https://scripto.example.test/api/cli/login-request")
    );
    assert_eq!(body.to_json(), r#"{"email":"you@example.com"}"#);
    let out = d.respond(
        200,
        r#"{"success":true,"data":{"ok":true,"email":"you@example.com"}}"#,
    );
    assert_eq!(action(&out), "code_sent");
    assert_eq!(out.str_at("action.expiresAt"), Some("2026-11-22T17:50:00Z"));
    assert_eq!(
        out.path("action.resendAvailableAt"),
        None,
        "Scripto has no cooldown; none invented"
    );
    d.now += 60;
    let out = d.submit_with("123 456", obj(vec![("keyName", s("my-agent"))]));
    let (_, url, body) = request(&out);
    assert!(url.ends_with("/api/cli/login-complete"));
    assert_eq!(
        body.to_json(),
        r#"{"email":"you@example.com","otp":"123456","name":"my-agent"}"#
    );
    let idem = out
        .str_at("action.request.headers.idempotency-key")
        .unwrap();
    assert!(idem.starts_with("km-f1-"));
    let out = d.respond(200, &format!(r#"{{"success":true,"data":{{"apiKey":"{KEY}","keyId":"key_1","userId":"user_1","email":"you@example.com"}}}}"#));
    assert_eq!(action(&out), "done");
    assert_eq!(out.str_at("action.credential.apiKey"), Some(KEY));
    assert_eq!(out.str_at("action.credential.keyId"), Some("key_1"));
    assert_eq!(out.str_at("action.credential.user.id"), Some("user_1"));
    assert_eq!(d.phase(), "done");
    assert!(
        !d.state.to_json().contains(KEY),
        "the saved state never holds the key"
    );
}

#[test]
fn every_error_row() {
    // (step, status, code, nextAction text, canonical, kind)
    let rows = [
        (
            "request",
            400,
            "invalid-argument",
            Some("Pass --email <your-email> to: scripto auth login-request"),
            "EMAIL_INVALID",
            "fix_input",
        ),
        ("request", 500, "internal", None, "INTERNAL", "retry"),
        (
            "complete",
            400,
            "invalid-argument",
            None,
            "OTP_INVALID",
            "request_new_code",
        ),
        (
            "complete",
            400,
            "invalid-argument",
            Some("request a new code with: scripto auth login-request"),
            "OTP_INVALID",
            "request_new_code",
        ),
        ("complete", 500, "internal", None, "INTERNAL", "retry"),
    ];
    for (step, status, pcode, next, canonical, kind) in rows {
        let mut d = flow();
        d.request_code();
        if step == "complete" {
            d.respond(200, r#"{"success":true,"data":{"ok":true}}"#);
            d.submit("123456");
        }
        let na = next.map_or(String::new(), |n| format!(r#","nextAction":"{n}""#));
        let out = d.respond(
            status,
            &format!(r#"{{"success":false,"error":{{"code":"{pcode}","message":"m"{na}}}}}"#),
        );
        assert_eq!(code(&out), canonical, "{step} {pcode}");
        assert_eq!(next_kind(&out), kind, "{step} {pcode}");
        assert_eq!(out.int_at("action.error.status"), Some(status));
        assert_eq!(out.str_at("action.error.providerCode"), Some(pcode));
        if let Some(n) = next {
            assert_eq!(
                out.str_at("action.error.nextAction.text"),
                Some(n),
                "verbatim"
            );
        }
    }
}

#[test]
fn whoami_and_unauthenticated() {
    let cfg = obj(vec![
        ("provider", s("scripto")),
        ("baseUrl", s(BASE)),
        ("apiKey", s(KEY)),
    ]);
    let out = call(obj(vec![("op", s("whoami")), ("config", cfg.clone())]));
    let (method, url, _) = request(&out);
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("GET", "https://scripto.example.test/api/cli/whoami")
    );
    let resp = |status: i64, body: &str| {
        call(obj(vec![
            ("op", s("whoami_response")),
            ("config", cfg.clone()),
            (
                "event",
                obj(vec![("status", Value::Int(status)), ("body", s(body))]),
            ),
        ]))
    };
    let out = resp(
        200,
        r#"{"success":true,"data":{"userId":"u","email":"e@x.io","keyId":"k","keyName":"n"}}"#,
    );
    assert_eq!(out.str_at("action.identity.email"), Some("e@x.io"));
    let out = resp(
        401,
        r#"{"success":false,"error":{"code":"unauthenticated","message":"no","nextAction":"sign in with: scripto auth login-request --email <your-email>"}}"#,
    );
    assert_eq!(code(&out), "UNAUTHENTICATED");
    assert_eq!(next_kind(&out), "sign_in_again");
}

#[test]
fn local_guards_send_nothing() {
    let mut d = flow();
    d.request_code();
    d.respond(200, r#"{"success":true,"data":{"ok":true}}"#);
    for bad in ["12345", "1234567", "12a456"] {
        let out = d.submit(bad);
        assert_eq!((code(&out), next_kind(&out)), ("OTP_INVALID", "fix_input"));
        assert_eq!(
            out.path("action.error.details.local"),
            Some(&Value::Bool(true))
        );
    }
    d.now += 600;
    let out = d.submit("123456");
    assert_eq!(code(&out), "OTP_EXPIRED");
    assert_eq!(d.phase(), "ready");
    let out = call(obj(vec![
        ("op", s("start")),
        (
            "config",
            obj(vec![("provider", s("scripto")), ("email", s("  "))]),
        ),
    ]));
    assert_eq!(code(&out), "EMAIL_REQUIRED");
    let out = call(obj(vec![
        ("op", s("start")),
        (
            "config",
            obj(vec![
                ("provider", s("scripto")),
                ("email", s("a@b.co")),
                ("baseUrl", s("http://example.com")),
            ]),
        ),
    ]));
    assert_eq!(code(&out), "INSECURE_URL");
}

#[test]
fn saved_state_resumes_and_detects_tampering() {
    let mut d = flow();
    d.request_code();
    d.respond(200, r#"{"success":true,"data":{"ok":true}}"#);
    let saved = d.state.to_json();
    let mut again = Driver {
        state: keymint::json::parse(&saved).unwrap(),
        now: T0 + 5,
        last: Value::Null,
    };
    let out = again.submit("123456");
    assert_eq!(action(&out), "send");
    let tampered = saved.replace("you@example.com", "them@example.com");
    let mut bad = Driver {
        state: keymint::json::parse(&tampered).unwrap(),
        now: T0,
        last: Value::Null,
    };
    let out = bad.submit("123456");
    assert_eq!(code(&out), "INVALID_STATE");
    let future = saved.replace(r#""v":1"#, r#""v":9"#);
    let mut bad = Driver {
        state: keymint::json::parse(&future).unwrap(),
        now: T0,
        last: Value::Null,
    };
    assert_eq!(code(&bad.submit("123456")), "INVALID_STATE");
}

#[test]
fn lost_completion_is_retried_once_with_the_same_key_then_recorded() {
    let mut d = flow();
    d.request_code();
    d.respond(200, r#"{"success":true,"data":{"ok":true}}"#);
    let first = d.submit("123456");
    let out = d.fail("network");
    assert_eq!(action(&out), "send", "one automatic retry");
    assert_eq!(
        out.str_at("action.request.headers.idempotency-key"),
        first.str_at("action.request.headers.idempotency-key")
    );
    let out = d.fail("network");
    assert_eq!((code(&out), next_kind(&out)), ("NETWORK_ERROR", "retry"));
    assert_eq!(
        out.path("action.error.details.keyMayHaveBeenMinted"),
        Some(&Value::Bool(true))
    );
    assert!(out
        .str_at("action.error.nextAction.text")
        .unwrap()
        .contains("sign in again"));
    assert_eq!(d.phase(), "code_sent", "resumable");
}

/// A flow of the `scripto` program whose complete (with `keyName`) is in flight.
fn submitted(provider: (&str, Value), key_name: &str) -> Driver {
    let mut d = Driver::start(obj(vec![
        provider,
        ("baseUrl", s(BASE)),
        ("email", s("you@example.com")),
        ("program", s("scripto")),
    ]));
    d.request_code();
    d.respond(200, r#"{"success":true,"data":{"ok":true}}"#);
    d.submit_with("123456", obj(vec![("keyName", s(key_name))]));
    d
}

#[test]
fn retry_hint_names_the_scripto_cli_flags() {
    // The Scripto CLI names the key with `--name` (its preset's `commands.flags`).
    let mut d = submitted(("provider", s("scripto")), "my agent");
    let out = d.respond(
        500,
        r#"{"success":false,"error":{"code":"internal","message":"m"}}"#,
    );
    assert_eq!((code(&out), next_kind(&out)), ("INTERNAL", "retry"));
    assert_eq!(
        command(&out),
        "scripto auth login-complete --email you@example.com --code <code> --name 'my agent'"
    );
}

#[test]
fn spec_flags_are_validated_and_default() {
    use keymint::json::parse;
    use keymint::provider::{preset, Spec};
    let with_flags = |flags: &str| {
        let text = preset("scripto").unwrap().replacen(
            r#""whoami":"whoami","#,
            &format!(r#""whoami":"whoami","flags":{flags},"#),
            1,
        );
        let text = text.replacen(r#","flags":{"keyName":"--name"}"#, "", 1);
        Spec::from_value(&parse(&text).unwrap())
    };
    let spec = with_flags(r#"{"keyName":"-n","code":"--otp"}"#).unwrap();
    assert_eq!(
        (spec.flag("keyName"), spec.flag("code"), spec.flag("email")),
        ("-n", "--otp", "--email")
    );
    let e = with_flags(r#"{"password":"--pw"}"#).unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.problem),
        ("commands.flags.password", "is not a known key")
    );
    let e = with_flags(r#"{"keyName":7}"#).unwrap_err();
    assert_eq!(e.problem, "must be a string");
}

#[test]
fn a_spec_flag_is_quoted_like_any_value() {
    let text = keymint::provider::preset("scripto").unwrap().replacen(
        r#""keyName":"--name""#,
        r#""keyName":"--n $(x)""#,
        1,
    );
    let mut d = submitted(("spec", keymint::json::parse(&text).unwrap()), "k");
    let out = d.respond(500, "");
    assert!(
        command(&out).ends_with(" --code <code> '--n $(x)' k"),
        "{}",
        command(&out)
    );
}

/// A store may not keep member order (chrome.storage.local does not): a saved flow whose
/// members come back sorted still resumes, and the same edit as above is still refused.
#[test]
fn a_saved_flow_resumes_whatever_its_member_order() {
    let mut d = flow();
    d.request_code();
    d.respond(200, r#"{"success":true,"data":{"ok":true}}"#);
    let sorted = |v: &Value| match v {
        Value::Obj(m) => {
            let mut m = m.clone();
            m.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Obj(m)
        }
        other => other.clone(),
    };
    let reordered = sorted(&d.state);
    assert_ne!(reordered.to_json(), d.state.to_json());
    let mut again = Driver {
        state: reordered.clone(),
        now: T0 + 5,
        last: Value::Null,
    };
    assert_eq!(action(&again.submit("123456")), "send");
    let tampered = reordered
        .to_json()
        .replace("you@example.com", "them@example.com");
    let mut bad = Driver {
        state: keymint::json::parse(&tampered).unwrap(),
        now: T0,
        last: Value::Null,
    };
    assert_eq!(code(&bad.submit("123456")), "INVALID_STATE");
}

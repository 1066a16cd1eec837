//! The core built without the `sessions` feature (the default JS entry's wasm, pkg-otp/):
//! every step of the session family is refused with one typed error that names where the
//! flow lives, and the email-code ops still work. Run by `make test-rust` as
//! `cargo test --no-default-features --features std --test otp_only`; an empty test crate in a
//! build with the feature.
#![cfg(not(feature = "sessions"))]
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use serde_json::{json, Value};

fn step(input: Value) -> Value {
    serde_json::from_str(&keymint::step(&input.to_string())).unwrap()
}

fn assert_refused(input: Value) {
    let out = step(input.clone());
    let e = &out["action"]["error"];
    assert_eq!(out["action"]["type"], "error", "{input}");
    assert_eq!(e["code"], "INVALID_STEP", "{input}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("'keymint/sessions'"),
        "{input}: {e}"
    );
    assert_eq!(e["nextAction"]["kind"], "fix_input");
    assert_eq!(e["nextAction"]["field"], "import");
    assert_eq!(
        e["nextAction"]["text"],
        "Import the flow from 'keymint/sessions'."
    );
    assert_eq!(e["exitCode"], 2);
    assert_eq!(out.get("state"), None);
}

#[test]
fn every_session_family_op_is_refused_with_where_it_lives() {
    let config = json!({"provider": "coditect", "baseUrl": "https://api.example.com", "email": "a@example.com"});
    for op in [
        "session_request",
        "session_response",
        "totp",
        "api_token",
        "password_start",
        "oauth_start",
        "device_start",
    ] {
        assert_refused(
            json!({"op": op, "now": 1_800_000_000, "config": config, "secret": "JBSWY3DPEHPK3PXP"}),
        );
    }
}

#[test]
fn saved_session_family_flows_are_refused_not_read_as_email_code_flows() {
    for kind in ["password", "oauth", "device"] {
        for op in ["event", "validate"] {
            assert_refused(
                json!({"op": op, "now": 1, "state": {"v": 1, "kind": kind}, "event": {"type": "poll"}}),
            );
        }
    }
}

#[test]
fn email_code_ops_and_unknown_ops_answer_as_in_the_full_build() {
    let out = step(json!({"op": "start", "now": 1_800_000_000, "config": {
        "provider": "scripto", "baseUrl": "http://127.0.0.1:9", "email": "a@example.com", "flowId": "0123456789abcdef0123456789abcdef"}}));
    assert_eq!(out["action"]["type"], "ready", "{out}");
    assert_eq!(out["state"]["email"], "a@example.com");
    let out = step(json!({"op": "validate", "state": out["state"]}));
    assert_eq!(out["action"]["type"], "ready", "{out}");
    let out = step(json!({"op": "nope", "now": 1}));
    assert_eq!(out["action"]["error"]["code"], "INVALID_STEP");
    assert_eq!(out["action"]["error"]["message"], "Unknown op.");
    // A saved document of no family is an email-code document: refused as damaged, not as
    // a session-family step.
    let out = step(json!({"op": "validate", "state": {"v": 1, "kind": "other"}}));
    assert_eq!(out["action"]["error"]["code"], "INVALID_STATE", "{out}");
}

/// The email-code build's presets carry what the email-code engine reads: CODITECT (password
/// and OAuth2 only) is not among them, and no preset keeps a member only the session family
/// reads. A CODITECT email-code flow is still refused by name.
#[test]
fn presets_carry_email_code_facts_only() {
    assert_eq!(keymint::provider::preset("coditect"), None);
    for name in ["scripto", "codika", "sessions", "better-auth", "pocketbase"] {
        let doc: Value = serde_json::from_str(keymint::provider::preset(name).unwrap()).unwrap();
        for key in [
            "session",
            "oauth",
            "device",
            "apiTokens",
            "authUrl",
            "password",
        ] {
            assert!(doc.get(key).is_none(), "{name} keeps {key}");
        }
        assert!(doc.get("flows").is_some(), "{name} lost its flows");
    }
    let out = step(json!({"op": "start", "now": 1_795_000_000, "config": {
        "flowId": "f1", "provider": "coditect", "baseUrl": "https://coditect.example", "email": "x@y.example"}}));
    assert!(out["action"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no email-code flow"));
}

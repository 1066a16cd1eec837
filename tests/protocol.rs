//! The wire contract tables (`keymint::protocol::schema`) against what the core
//! really writes and reads: the generated TS types are current, every action the
//! encoder writes has exactly the members its table row allows, every op in the
//! table is routed, every next-action kind is listed. `KEYMINT_UPDATE=1 cargo test
//! --test protocol` rewrites `js/types/protocol.d.ts`.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use keymint::action::{Action, Credential, DeviceCode, Done, Request};
use keymint::error::{Code, Error, Next};
use keymint::json::{parse, Value, Writer};
use keymint::protocol::schema::{Shape, ACTIONS, CONFIGS, EVENTS, NEXT_KINDS, OPS};
use keymint::protocol::typescript::typescript;
use keymint::secret::Secret;

#[test]
fn typescript_protocol_is_current() {
    let path = format!("{}/js/types/protocol.d.ts", env!("CARGO_MANIFEST_DIR"));
    let want = typescript();
    if std::env::var_os("KEYMINT_UPDATE").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "js/types/protocol.d.ts is out of date: run KEYMINT_UPDATE=1 cargo test --test protocol"
    );
}

fn code() -> DeviceCode {
    DeviceCode {
        user_code: "WDJB-MJHT".into(),
        verification_uri: "https://example.com/device".into(),
        verification_uri_complete: Some("https://example.com/device?c=1".into()),
        expires_at: 1_800_000_000,
        interval: 5,
        next_poll_at: 1_800_000_005,
    }
}

/// One of every action variant (and every `done` payload).
fn samples() -> Vec<Action> {
    let cred = Credential {
        api_key: Secret::new("sk_test_1"),
        session: false,
        refresh_token: Some(Secret::new("rt_1")),
        fields: vec![("keyId".into(), Value::Str("k1".into()))],
    };
    let data = parse(r#"{"id":"u1"}"#).unwrap();
    vec![
        Action::Ready,
        Action::Send(Request {
            method: "POST",
            url: "https://example.com/x".into(),
            headers: vec![("accept", "application/json".into())],
            extra: vec![("x-api-key".into(), "v".into())],
            body: Some("{}".into()),
        }),
        Action::CodeSent {
            email: "a@example.com".into(),
            purpose: "login".into(),
            expires_at: Some(1),
            resend_at: Some(2),
            switched_from: Some("signup".into()),
        },
        Action::SecondFactor {
            method: "totp".into(),
            email: "a@example.com".into(),
            expires_at: 3,
        },
        Action::Authorize {
            url: "https://example.com/authorize".into(),
            state: "s".into(),
        },
        Action::DeviceCode(code()),
        Action::Wait {
            code: code(),
            until: 10,
            retry_after: 5,
            reason: "early",
            error: Error::new(Code::AUTHORIZATION_PENDING, "pending"),
        },
        Action::Done(Done::Credential(cred.clone())),
        Action::Done(Done::Session(Credential {
            session: true,
            ..cred
        })),
        Action::Done(Done::Identity(data.clone())),
        Action::Done(Done::Data(data)),
        Action::Done(Done::Revoked { already: true }),
        Action::Done(Done::Totp {
            code: "123456".into(),
            expires_at: 30,
        }),
        Action::Done(Done::ApiToken {
            env: Some("live".into()),
            masked: "sk_live_…".into(),
        }),
        Action::Failed(Error::new(Code::OTP_INVALID, "wrong")),
    ]
}

fn row<'a>(shapes: &'a [Shape], tag: &str) -> &'a Shape {
    shapes
        .iter()
        .find(|s| s.tag == tag)
        .unwrap_or_else(|| panic!("`{tag}` is not in the schema"))
}

#[test]
fn every_action_written_matches_its_schema_row() {
    let mut seen = std::collections::BTreeSet::new();
    for action in samples() {
        let mut w = Writer::new();
        action.write(&mut w, None);
        let v = parse(&w.out).unwrap();
        let Value::Obj(members) = &v else { panic!() };
        let tag = v.str_at("type").unwrap();
        seen.insert(tag.to_string());
        let shape = row(ACTIONS, tag);
        let open = shape.members.iter().any(|(n, _)| n.starts_with('['));
        for (k, _) in members.iter().filter(|(k, _)| k != "type") {
            assert!(
                open || shape
                    .members
                    .iter()
                    .any(|(n, _)| n.trim_end_matches('?') == k),
                "`{tag}` writes `{k}`, which {} does not declare",
                shape.name
            );
        }
        for (n, _) in shape.members.iter().filter(|(n, _)| !n.ends_with('?')) {
            assert!(v.get(n).is_some(), "`{tag}` lacks required `{n}`");
        }
    }
    let all: std::collections::BTreeSet<_> = ACTIONS.iter().map(|s| s.tag.to_string()).collect();
    assert_eq!(seen, all, "every schema action is written by some variant");
}

#[test]
fn every_op_in_the_schema_is_routed_and_no_other() {
    for shape in OPS {
        let out = parse(&keymint::step(&format!(
            r#"{{"op":"{}","now":1}}"#,
            shape.tag
        )))
        .unwrap();
        assert_ne!(
            out.path("action.error.message").and_then(Value::as_str),
            Some("Unknown op."),
            "op `{}` is in the schema but not routed",
            shape.tag
        );
    }
    let out = parse(&keymint::step(r#"{"op":"nope","now":1}"#)).unwrap();
    assert_eq!(out.str_at("action.error.code"), Some("INVALID_STEP"));
}

#[test]
fn every_next_action_kind_is_listed() {
    let all = [
        Next::None,
        Next::FixInput("email"),
        Next::Wait(1),
        Next::SwitchFlow("signup"),
        Next::RequestNewCode,
        Next::RetryCode,
        Next::ChooseOrganization(vec![]),
        Next::RevokeAKey,
        Next::Retry,
        Next::Refresh,
        Next::SignInAgain,
        Next::FixConfig,
        Next::SaveKey,
        Next::OpenUrl {
            url: String::new(),
            user_code: String::new(),
            expires_at: String::new(),
        },
    ];
    let kinds: Vec<&str> = all.iter().map(Next::kind).collect();
    assert_eq!(kinds, NEXT_KINDS);
}

#[test]
fn every_schema_op_parses_to_its_op() {
    use keymint::protocol::Op;
    assert_eq!(Op::ALL.len(), OPS.len());
    for (i, shape) in OPS.iter().enumerate() {
        assert_eq!(Op::parse(shape.tag), Some(Op::ALL[i]));
    }
    assert_eq!(Op::parse("nope"), None);
}

/// Every member a config or event row declares is read by the code that decodes it (its
/// name appears quoted there): a row cannot promise a member the core ignores.
#[test]
fn every_declared_config_and_event_member_is_read() {
    let src = |files: &[&str]| -> String {
        files
            .iter()
            .map(|f| {
                std::fs::read_to_string(format!("{}/src/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap()
            })
            .collect()
    };
    // Where the backend and base URL of every config are read.
    let shared = ["otp/config.rs", "family/mod.rs", "backend.rs"];
    let decoders: &[(&str, &[&str])] = &[
        ("OtpConfig", &["otp/config.rs"]),
        ("KeyConfig", &["otp/key.rs"]),
        ("SessionConfig", &["family/session.rs", "family/oauth.rs"]),
        ("PasswordConfig", &["family/password.rs"]),
        ("OauthConfig", &["family/oauth.rs"]),
        ("DeviceConfig", &["family/device/mod.rs"]),
    ];
    let mut missing = Vec::new();
    for shape in CONFIGS {
        let files = decoders
            .iter()
            .find(|(n, _)| *n == shape.name)
            .unwrap_or_else(|| panic!("{}: no decoder listed in this test", shape.name))
            .1;
        let text = src(files) + &src(&shared);
        for (name, _) in shape.members {
            let name = name.trim_end_matches('?');
            if !text.contains(&format!("\"{name}\"")) {
                missing.push(format!("{}.{name}", shape.name));
            }
        }
    }
    let events = src(&["protocol/otp.rs", "protocol/family.rs", "response.rs"]);
    for shape in EVENTS {
        for (name, _) in shape.members {
            let name = name.trim_end_matches('?');
            if !events.contains(&format!("\"{name}\"")) {
                missing.push(format!("{}.{name}", shape.name));
            }
        }
    }
    assert!(missing.is_empty(), "declared but never read: {missing:?}");
}

/// `Reply::parts` (the wasm step's split answer) names exactly the reply's `action` and
/// `state` members, for a step with a saved document, one without, and a failed one.
#[test]
fn reply_parts_are_the_action_and_the_saved_document() {
    let start = r#"{"op":"start","now":1795000000,"config":{"flowId":"f1","provider":"scripto","baseUrl":"http://127.0.0.1:9","email":"x@y.example"}}"#;
    let started = keymint::protocol::run(start);
    let state = parse(&started.text)
        .and_then(|v| v.get("state").cloned())
        .unwrap_or(Value::Null);
    let mut w = Writer::new();
    w.open()
        .str("op", "event")
        .int("now", 1_795_000_000)
        .value("state", &state);
    w.key("event").out.push_str(r#"{"type":"request_code"}"#);
    w.close();
    let inputs = [
        String::from(start),
        w.out,
        String::from(r#"{"op":"whoami","config":{}}"#),
        String::from("not json"),
    ];
    for input in &inputs {
        let reply = keymint::protocol::run(input);
        let whole = parse(&reply.text).unwrap_or(Value::Null);
        let (action, state) = reply.parts();
        assert_eq!(parse(action).as_ref(), whole.get("action"), "{input}");
        match whole.get("state") {
            Some(s) => assert_eq!(parse(state).as_ref(), Some(s), "{input}"),
            None => assert_eq!(state, "", "{input}"),
        }
    }
}

/// The saved document's check is tried over the text the step input carried, then over the
/// document written again: the text as the core wrote it resumes, so does the same document
/// with its members in another order (a store that re-wrote it), and an edited one does not.
#[test]
fn a_saved_document_is_checked_as_given_then_as_written_again() {
    let start = r#"{"op":"start","now":1795000000,"config":{"flowId":"f1","provider":"scripto","baseUrl":"http://127.0.0.1:9","email":"x@y.example"}}"#;
    let started = keymint::protocol::run(start);
    let (_, text) = started.parts();
    let event = |state: &str| {
        format!(
            r#"{{"op":"event","now":1795000000,"state":{state},"event":{{"type":"request_code"}}}}"#
        )
    };
    let action = |input: &str| {
        parse(&keymint::step(input))
            .and_then(|v| v.str_at("action.type").map(String::from))
            .unwrap_or_default()
    };
    assert_eq!(action(&event(text)), "send");
    // Members reordered: `email` moved to the front.
    let doc = parse(text).unwrap_or(Value::Null);
    let Value::Obj(mut members) = doc else {
        panic!("not an object: {text}")
    };
    let at = members.iter().position(|(k, _)| k == "email").unwrap_or(0);
    let email = members.remove(at);
    members.insert(0, email);
    assert_eq!(action(&event(&Value::Obj(members).to_json())), "send");
    // Edited: another email, the check left as it was.
    let edited = text.replace("x@y.example", "z@y.example");
    assert_eq!(action(&event(&edited)), "error");
}

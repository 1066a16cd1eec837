//! The typed API driven natively, without JSON events: what a Rust caller writes.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use super::*;
use crate::action::Done;
use crate::json::{parse, Writer};
use crate::response::Response;

const T0: i64 = 1_795_000_000;
const KEY: &str = "scripto_0123456789abcdefghijABCDEFGHIJklmnopqrst";

fn answer(status: u16, body: &str) -> Event<'static> {
    Event::Response(Response {
        status,
        body: String::from(body),
        content_type: Some(String::from("application/json")),
        ..Response::default()
    })
}

fn saved(flow: &Flow) -> Value {
    let mut w = Writer::new();
    flow.write_saved(&mut w);
    parse(&w.out).unwrap()
}

fn started() -> Flow {
    let config = Config {
        provider: Some("scripto"),
        base_url: Some("https://scripto.example.test"),
        email: " you@example.com ",
        flow_id: Some("f1"),
        ..Config::default()
    };
    let mut flow = Flow::start(&config).unwrap();
    assert_eq!(flow.state(), &State::Ready);
    let Action::Send(req) = flow.handle(Event::RequestCode { url: None }, T0) else {
        panic!("a code request")
    };
    assert!(req.url.ends_with("/api/cli/login-request"));
    assert!(matches!(flow.state(), State::Requesting(_)));
    let sent = flow.handle(answer(200, r#"{"success":true,"data":{"ok":true}}"#), T0);
    assert!(matches!(sent, Action::CodeSent { .. }));
    flow
}

#[test]
fn a_rust_caller_drives_a_flow_with_typed_events() {
    // Carried to another process between the steps.
    let mut flow = Flow::resume(&saved(&started())).unwrap();
    assert_eq!(flow.email(), "you@example.com");
    let submit = Event::SubmitCode {
        code: "123 456",
        nonce: Some("0123456789abcdef"),
        options: None,
        url: None,
    };
    let Action::Send(req) = flow.handle(submit, T0 + 60) else {
        panic!("a complete request")
    };
    assert!(req.url.ends_with("/api/cli/login-complete"));
    match flow.state() {
        State::Completing { code, retried, .. } => {
            assert_eq!((code.as_str(), *retried), ("123456", false))
        }
        other => panic!("{other:?}"),
    }
    let body = [
        r#"{"success":true,"data":{"apiKey":""#,
        KEY,
        r#"","keyId":"key_1"}}"#,
    ]
    .concat();
    let Action::Done(Done::Credential(c)) = flow.handle(answer(200, &body), T0 + 61) else {
        panic!("a credential")
    };
    assert_eq!(c.api_key.expose(), KEY);
    assert_eq!(flow.state(), &State::Done);
    // Done takes nothing more; the refusal names the state.
    let Action::Failed(e) = flow.handle(Event::RequestCode { url: None }, T0 + 62) else {
        panic!("refused")
    };
    assert_eq!(e.code, Code::INVALID_STEP);
    assert!(e.message.contains("'done'"));
}

#[test]
fn unknown_events_and_wrong_steps_are_refused_without_a_change() {
    let mut flow = started();
    let Action::Failed(e) = flow.handle(Event::Unknown, T0) else {
        panic!("refused")
    };
    assert_eq!(
        (e.code, e.message.as_str()),
        (Code::INVALID_STEP, "Unknown event type.")
    );
    let Action::Failed(e) = flow.handle(answer(200, "{}"), T0) else {
        panic!("refused")
    };
    assert_eq!(e.code, Code::INVALID_STEP);
    assert!(matches!(flow.state(), State::CodeSent { code: None, .. }));
}

#[test]
fn a_document_an_earlier_version_saved_with_leftover_members_still_resumes() {
    // The engine before the typed states kept `retried` after its step; the
    // check covers the document as saved, so such a document still resumes.
    let Value::Obj(mut members) = saved(&started()) else {
        panic!("an object")
    };
    members.retain(|(k, _)| k != "check");
    members.push((String::from("retried"), Value::Bool(true)));
    let mut w = Writer::new();
    crate::json::write_value(&mut w.out, &Value::Obj(members));
    crate::json::seal(&mut w, 0);
    let flow = Flow::resume(&parse(&w.out).unwrap()).unwrap();
    assert!(matches!(flow.state(), State::CodeSent { .. }));
    // Altered after saving: refused.
    let tampered = w.out.replace("you@example.com", "me@example.com");
    let e = Flow::resume(&parse(&tampered).unwrap()).unwrap_err();
    assert!(e.message.contains("altered"));
}

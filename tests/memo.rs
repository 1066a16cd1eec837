//! `protocol::Memo`: a flow kept between steps answers exactly what its saved document
//! would. Every transcript in tests/common already runs both ways and compares; these
//! check that the memo is really taken, and the cases that must not take it.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
use keymint::json::{parse, Value};
use keymint::protocol::{run, run_with, Memo};

const START: &str = r#"{"op":"start","now":1795369200,"config":{"flowId":"f1","provider":"scripto","baseUrl":"https://scripto.example.test","email":"you@example.com"}}"#;

fn event(event: &str, state: &str) -> String {
    format!(r#"{{"op":"event","now":1795369200,"event":{event},"state":{state}}}"#)
}

/// Steps `input` with and without `memo`, asserts the same answer, and gives its document.
fn both(memo: &mut Memo, input: &str) -> String {
    let kept = run_with(input, Some(memo));
    let plain = run(input);
    assert_eq!(kept.text, plain.text, "for {input}");
    String::from(plain.parts().1)
}

const SENT: &str = r#"{"type":"response","status":200,"body":"{\"success\":true,\"data\":{\"ok\":true,\"email\":\"you@example.com\"}}","headers":{"content-type":"application/json"}}"#;

#[test]
fn a_document_given_back_byte_for_byte_takes_the_kept_flow() {
    let mut memo = Memo::new();
    let doc = both(&mut memo, START);
    assert_eq!(memo.len(), 1);
    let doc = both(&mut memo, &event(r#"{"type":"request_code"}"#, &doc));
    // Taken and kept again: still one flow (a miss would have kept a second).
    assert_eq!(memo.len(), 1);
    let doc = both(&mut memo, &event(SENT, &doc));
    assert_eq!(memo.len(), 1);
    let submit =
        r#"{"type":"submit_code","code":"123456","nonce":"00112233445566778899aabbccddeeff"}"#;
    let doc = both(&mut memo, &event(submit, &doc));
    assert_eq!(memo.len(), 1);
    let key = r#"{"type":"response","status":200,"body":"{\"success\":true,\"data\":{\"apiKey\":\"scripto_0123456789abcdefghijABCDEFGHIJklmnopqrst\",\"keyId\":\"key_1\",\"userId\":\"user_1\",\"email\":\"you@example.com\"}}","headers":{}}"#;
    let out = run_with(&event(key, &doc), Some(&mut memo));
    assert!(out.text.contains(r#""type":"done""#), "{}", out.text);
    // A finished flow is not kept: nothing steps it again.
    assert_eq!(memo.len(), 0);
}

#[test]
fn a_rewritten_stale_or_edited_document_takes_the_full_path() {
    let mut memo = Memo::new();
    let first = both(&mut memo, START);
    let doc = both(&mut memo, &event(r#"{"type":"request_code"}"#, &first));
    // Re-ordered by a store: resumes, from the document.
    let mut v = parse(&doc).unwrap();
    if let Value::Obj(m) = &mut v {
        m.reverse();
    }
    both(&mut memo, &event(SENT, &v.to_json()));
    assert_eq!(memo.len(), 2);
    // The flow's first document again (it has moved on since): answered from that document.
    both(&mut memo, &event(r#"{"type":"request_code"}"#, &first));
    // Edited: refused as altered, kept flow or not.
    let edited = doc.replace("you@example.com", "them@example.com");
    let out = run_with(&event(SENT, &edited), Some(&mut memo));
    assert!(out.text.contains("INVALID_STATE"), "{}", out.text);
    // A kept document with more after it than the input allows is still bad JSON.
    let out = run_with(&format!("{}x", event(SENT, &doc)), Some(&mut memo));
    assert!(out.text.contains("not valid JSON"), "{}", out.text);
}

#[test]
fn another_op_carrying_a_kept_document_reads_it_as_given() {
    let mut memo = Memo::new();
    let doc = both(&mut memo, START);
    // Not an event of the flow: the document is parsed as given, the flow stays kept.
    both(
        &mut memo,
        &format!(r#"{{"op":"totp","now":1,"secret":"JBSWY3DPEHPK3PXP","state":{doc}}}"#),
    );
    both(&mut memo, &format!(r#"{{"op":"validate","state":{doc}}}"#));
    assert_eq!(memo.len(), 1);
}

/// Starts `n` flows (ids f0, f1, …) through `memo`: their documents.
fn start_flows(memo: &mut Memo, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| both(memo, &START.replace("\"f1\"", &format!("\"f{i}\""))))
        .collect()
}

#[test]
fn more_flows_than_slots_all_answer_the_same() {
    let mut memo = Memo::new();
    let mut docs = start_flows(&mut memo, 9);
    for _ in 0..2 {
        for d in docs.iter_mut() {
            *d = both(&mut memo, &event(r#"{"type":"request_code"}"#, d));
            *d = both(&mut memo, &event(SENT, d));
        }
    }
    // The four flows stepped last are the ones kept; the five before them were pushed out.
    let (out, kept) = docs.split_at(5);
    assert!(kept.iter().all(|d| memo.holds(d)));
    assert!(!out.iter().any(|d| memo.holds(d)));
}

#[test]
fn up_to_four_flows_stay_kept_in_any_order() {
    let mut memo = Memo::new();
    let mut docs = start_flows(&mut memo, 4);
    // Each flow's step frees the slot it is taken from and is kept there again, so an
    // irregular order evicts none of the four.
    for i in [0usize, 3, 1, 1, 2, 0, 3, 2] {
        let d = &mut docs[i];
        assert!(memo.holds(d), "flow {i} was pushed out");
        let next = if d.contains(r#""phase":"ready""#) {
            r#"{"type":"request_code"}"#
        } else {
            SENT
        };
        *d = both(&mut memo, &event(next, d));
    }
    assert!(docs.iter().all(|d| memo.holds(d)));
    assert_eq!(memo.len(), 4);
}

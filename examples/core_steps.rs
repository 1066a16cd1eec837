//! The five core steps of one Scripto flow, timed natively (`make bench` prints
//! them beside the same steps under wasm): start, request_code, its answer,
//! submit_code, its answer. `cargo run --release --example core_steps [ROUNDS]`.
//! Prints one JSON line: `{"steps":[µs,…],"parse":[µs,…],"bytes":[n,…],"memo":µs}` with the
//! median over ROUNDS (default 20,000) for each step's input, each step alone (`keymint::step`:
//! the saved document parsed and checked every time), and `memo`: the five in a row through
//! a `protocol::Memo`, as the wasm runs them (each document handed back byte for byte).

use keymint::json::{parse, Value};
use std::hint::black_box;
use std::time::Instant;

const NOW: i64 = 1_795_000_000;

fn response(body: &str) -> String {
    let mut w = keymint::json::Writer::new();
    w.open()
        .str("type", "response")
        .int("status", 200)
        .str("body", body)
        .obj("headers")
        .str("content-type", "application/json")
        .close()
        .close();
    w.out
}

fn event(state: &Value, event: &str) -> String {
    let mut w = keymint::json::Writer::new();
    w.open()
        .str("op", "event")
        .int("now", NOW)
        .value("state", state);
    w.key("event").out.push_str(event);
    w.close();
    w.out
}

fn state_of(out: &str) -> Value {
    parse(out)
        .and_then(|v| v.get("state").cloned())
        .unwrap_or(Value::Null)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Median µs of `f` over `rounds` batches of 16 calls.
fn time(rounds: usize, f: impl Fn()) -> f64 {
    for _ in 0..rounds / 10 {
        f();
    }
    let batches = (rounds / 16).max(1);
    let per = (0..batches)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..16 {
                f();
            }
            t.elapsed().as_secs_f64() * 1e6 / 16.0
        })
        .collect();
    median(per)
}

fn main() {
    let rounds = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let start = format!(
        r#"{{"op":"start","now":{NOW},"config":{{"flowId":"f1","provider":"scripto","baseUrl":"http://127.0.0.1:9","email":"x@y.example"}}}}"#
    );
    let sent = r#"{"success":true,"data":{"ok":true,"email":"x@y.example"}}"#;
    let key = format!(
        r#"{{"success":true,"data":{{"apiKey":"scripto_{}","keyId":"key_1","userId":"user_1","email":"x@y.example"}}}}"#,
        "k".repeat(40)
    );
    let mut out = keymint::step(&start);
    let mut inputs = vec![start];
    let events = [
        String::from(r#"{"type":"request_code"}"#),
        response(sent),
        String::from(
            r#"{"type":"submit_code","code":"123456","nonce":"00112233445566778899aabbccddeeff"}"#,
        ),
        response(&key),
    ];
    for e in &events {
        let input = event(&state_of(&out), e);
        out = keymint::step(&input);
        inputs.push(input);
    }
    assert!(
        out.contains(r#""type":"done""#),
        "the flow did not finish: {out}"
    );
    // The inputs are the same bytes every time (fixed clock, id and nonce), so each step's
    // document is the one the memo kept at the step before.
    let memo = std::cell::RefCell::new(keymint::protocol::Memo::new());
    let flow = || {
        for i in &inputs {
            let reply = keymint::protocol::run_with(black_box(i), Some(&mut memo.borrow_mut()));
            drop(black_box(reply));
        }
    };
    // `core_steps ROUNDS memo`: only the memo loop, for a profiler.
    if std::env::args().nth(2).as_deref() == Some("memo") {
        (0..rounds).for_each(|_| flow());
        return;
    }
    let steps: Vec<String> = inputs
        .iter()
        .map(|i| {
            format!(
                "{:.2}",
                time(rounds, || drop(black_box(keymint::step(black_box(i)))))
            )
        })
        .collect();
    let parses: Vec<String> = inputs
        .iter()
        .map(|i| {
            format!(
                "{:.2}",
                time(rounds, || drop(black_box(parse(black_box(i)))))
            )
        })
        .collect();
    let bytes: Vec<String> = inputs.iter().map(|i| i.len().to_string()).collect();
    let flow = time(rounds / 5, flow);
    println!(
        r#"{{"steps":[{}],"parse":[{}],"bytes":[{}],"memo":{:.2}}}"#,
        steps.join(","),
        parses.join(","),
        bytes.join(","),
        flow
    );
}

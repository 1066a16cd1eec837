//! Provider spec version 2 (issue 16): carried values, errors where real servers
//! put them, non-2xx success, code formats, whoami/refresh as the server defines
//! them, per-purpose field names and token credentials. Each pattern is a spec
//! written as data; the PocketBase preset uses five of them at once.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod common;
use common::*;
use keymint::json::{obj, parse, s, Value};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const PB: &str = "http://127.0.0.1:8090";
const JWT: &str =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3OTU4MDAwMDAsImlkIjoidTEifQ.c2ln";
const INVALID: &str = r#"{"status":400,"message":"Invalid or expired OTP.","data":{}}"#;

fn pocketbase() -> Driver {
    Driver::start(obj(vec![
        ("provider", s("pocketbase")),
        ("baseUrl", s(PB)),
        ("email", s("ada@example.com")),
        ("flowId", s("f1")),
    ]))
}

fn sent(d: &mut Driver) {
    let out = d.request_code();
    let (method, url, body) = request(&out);
    assert_eq!(method, "POST");
    assert_eq!(
        url,
        "http://127.0.0.1:8090/api/collections/users/request-otp"
    );
    assert_eq!(body.to_json(), r#"{"email":"ada@example.com"}"#);
    let out = d.respond(200, r#"{"otpId":"abc123def456ghi"}"#);
    assert_eq!(action(&out), "code_sent", "{}", out.to_json());
}

#[test]
fn pocketbase_sign_in_carries_the_otp_id_and_reads_the_jwt() {
    let mut d = pocketbase();
    sent(&mut d);
    // Carried values are saved with the flow: a second process resumes them.
    assert_eq!(d.state.str_at("carried.otpId"), Some("abc123def456ghi"));
    d.reload();
    // The preset's code is 8 digits: a 6-digit code is refused locally, naming the format.
    let out = d.submit("123456");
    assert_eq!(code(&out), "OTP_INVALID");
    assert!(local(&out));
    assert_eq!(
        out.str_at("action.error.message"),
        Some("The code must be 8 digits.")
    );
    let out = d.submit("1234 5678");
    let (_, url, body) = request(&out);
    assert!(url.ends_with("/api/collections/users/auth-with-otp"));
    assert_eq!(
        body.to_json(),
        r#"{"email":"ada@example.com","password":"12345678","otpId":"abc123def456ghi"}"#
    );
    let out = d.respond(
        200,
        &format!(r#"{{"token":"{JWT}","record":{{"id":"u1","email":"ada@example.com"}}}}"#),
    );
    assert_eq!(action(&out), "done", "{}", out.to_json());
    assert_eq!(out.str_at("action.credential.apiKey"), Some(JWT));
    assert_eq!(out.str_at("action.credential.kind"), Some("jwt"));
    // No expiry in the answer: the JWT's own `exp`.
    assert_eq!(
        out.str_at("action.credential.expiresAt"),
        Some("2026-11-27T17:20:00Z")
    );
    assert_eq!(out.str_at("action.credential.user.id"), Some("u1"));
}

#[test]
fn pocketbase_errors_by_status_and_message() {
    let mut d = pocketbase();
    sent(&mut d);
    // A bare 400 at the complete step: a wrong code, with the local attempt count.
    d.submit("11111111");
    let out = d.respond(400, INVALID);
    assert_eq!(code(&out), "OTP_INVALID");
    assert_eq!(
        out.int_at("action.error.details.attemptsRemaining"),
        Some(4)
    );
    assert_eq!(next_kind(&out), "retry_code");
    // The per-user limiter answers 429 with a message: a lockout, not a throttle.
    d.submit("22222222");
    let out = d.respond(
        429,
        r#"{"status":429,"message":"Too many attempts, please try again later with a new OTP.","data":{}}"#,
    );
    assert_eq!(code(&out), "OTP_LOCKED_OUT");
    assert_eq!(next_kind(&out), "request_new_code");
    // The settings limiter on the request step: a plain throttle.
    let mut d = pocketbase();
    d.request_code();
    let out = d.respond(
        429,
        r#"{"status":429,"message":"Too Many Requests.","data":{}}"#,
    );
    assert_eq!(code(&out), "RATE_LIMITED");
    // A field error found by `data.*.code`.
    let mut d = pocketbase();
    d.request_code();
    let out = d.respond(
        400,
        r#"{"status":400,"message":"An error occurred while validating the submitted data.","data":{"email":{"code":"validation_is_email","message":"Must be a valid email address."}}}"#,
    );
    assert_eq!(code(&out), "EMAIL_INVALID");
    assert_eq!(
        out.str_at("action.error.providerCode"),
        Some("validation_is_email")
    );
    // The request failed: the complete has nothing to check the code against.
    let out = d.submit("12345678");
    assert_eq!(code(&out), "OTP_NOT_FOUND");
    assert!(local(&out));
    assert_eq!(next_kind(&out), "request_new_code");
}

#[test]
fn pocketbase_expiry_is_answered_locally() {
    let mut d = pocketbase();
    sent(&mut d);
    d.now += 181;
    let out = d.submit("12345678");
    assert_eq!(code(&out), "OTP_EXPIRED");
    assert!(local(&out));
}

fn config(provider: Value, extra: Vec<(&str, Value)>) -> Value {
    let mut m = vec![("baseUrl", s(PB)), ("apiKey", s(JWT))];
    m.extend(extra);
    let mut m: Vec<(&str, Value)> = m;
    match provider {
        Value::Str(name) => m.push(("provider", Value::Str(name))),
        spec => m.push(("spec", spec)),
    }
    obj(m)
}

#[test]
fn pocketbase_whoami_and_refresh_send_the_bare_token_by_post() {
    for op in ["whoami", "token_refresh"] {
        let out = call(obj(vec![
            ("op", s(op)),
            ("config", config(s("pocketbase"), vec![])),
        ]));
        assert_eq!(out.str_at("action.request.method"), Some("POST"), "{op}");
        assert_eq!(
            out.str_at("action.request.url"),
            Some("http://127.0.0.1:8090/api/collections/users/auth-refresh")
        );
        assert_eq!(
            out.str_at("action.request.headers.authorization"),
            Some(JWT),
            "no Bearer prefix"
        );
    }
    let out = call(obj(vec![
        ("op", s("token_refresh_response")),
        ("config", config(s("pocketbase"), vec![])),
        (
            "event",
            answer(
                200,
                &format!(r#"{{"token":"{JWT}","record":{{"id":"u1","email":"ada@example.com"}}}}"#),
                vec![],
            ),
        ),
    ]));
    assert_eq!(out.str_at("action.credential.apiKey"), Some(JWT));
    assert_eq!(
        out.str_at("action.credential.expiresAt"),
        Some("2026-11-27T17:20:00Z")
    );
    let out = call(obj(vec![
        ("op", s("token_refresh_response")),
        ("config", config(s("pocketbase"), vec![])),
        (
            "event",
            answer(
                401,
                r#"{"status":401,"message":"The request requires valid record authorization token.","data":{}}"#,
                vec![],
            ),
        ),
    ]));
    assert_eq!(code(&out), "UNAUTHENTICATED");
}

/// A v2 spec built on a small base.
fn spec(extra: &str) -> Value {
    let text = format!(
        r#"{{"version":2,"name":"v2","baseUrl":"https://api.example.test",
        "flows":{{"login":{{"request":"/otp","complete":"/otp/verify"}}}},
        "fields":{{"email":"email","code":"code"}},
        "envelope":{{"code":"errors.0.code","message":"message"}},
        "credential":{{"apiKey":"token"}}{extra}}}"#
    );
    parse(&text).unwrap()
}

fn start(spec: Value, purpose: &str) -> Driver {
    Driver::start(obj(vec![
        ("spec", spec),
        ("email", s("ada@example.com")),
        ("flowId", s("f1")),
        ("purpose", s(purpose)),
    ]))
}

#[test]
fn a_pending_session_token_goes_back_as_a_header_after_a_401_that_means_success() {
    let sp = spec(
        r#","accept":{"request":{"status":[401],"has":"pending_flow"}},
        "carry":{"flow":{"from":"pending_flow","body":"flow_id"},
                 "pending":{"from":"session_token","header":"authorization"}}"#,
    );
    let mut d = start(sp, "login");
    d.request_code();
    let out = d.respond(401, r#"{"pending_flow":"pf_1","session_token":"st_1"}"#);
    assert_eq!(action(&out), "code_sent", "{}", out.to_json());
    let out = d.submit("123456");
    let (_, _, body) = request(&out);
    assert_eq!(body.str_at("flow_id"), Some("pf_1"));
    assert_eq!(
        out.str_at("action.request.headers.authorization"),
        Some("Bearer st_1")
    );
    // A 401 without the pending flow is still an error.
    let sp = spec(r#","accept":{"request":{"status":[401],"has":"pending_flow"}}"#);
    let mut d = start(sp, "login");
    d.request_code();
    let out = d.respond(401, r#"{"errors":[{"code":"unauthorized"}]}"#);
    assert_eq!(code(&out), "UNAUTHENTICATED");
}

#[test]
fn errors_in_arrays_numeric_codes_statuses_and_messages() {
    let sp = spec(
        r#","errors":{"incorrect_code":"OTP_INVALID","complete:http:409":"OTP_ALREADY_USED",
        "complete:~isn't valid":"OTP_EXPIRED","423":"OTP_LOCKED_OUT"}"#,
    );
    let mut d = start(sp.clone(), "login");
    d.request_code();
    d.respond(200, "{}");
    d.submit("123456");
    let out = d.respond(
        400,
        r#"{"errors":[{"code":"incorrect_code","param":"code"}]}"#,
    );
    assert_eq!(code(&out), "OTP_INVALID");
    d.submit("123456");
    let out = d.respond(409, r#"{"status":409}"#);
    assert_eq!(code(&out), "OTP_ALREADY_USED");
    d.request_code();
    d.respond(200, "{}");
    d.submit("123456");
    let out = d.respond(400, r#"{"message":"The token you entered isn't valid."}"#);
    assert_eq!(code(&out), "OTP_EXPIRED");
    // A numeric code at the code path.
    let mut v = sp;
    if let Value::Obj(m) = &mut v {
        for (k, val) in m.iter_mut() {
            if k == "envelope" {
                *val = parse(r#"{"code":"status","message":"*.0"}"#).unwrap();
            }
        }
    }
    let mut d = start(v, "login");
    d.request_code();
    d.respond(200, "{}");
    d.submit("123456");
    let out = d.respond(423, r#"{"status":423}"#);
    assert_eq!(code(&out), "OTP_LOCKED_OUT");
    assert_eq!(out.str_at("action.error.providerCode"), Some("423"));
}

#[test]
fn an_alphanumeric_grouped_code() {
    let sp = spec(
        r#","codeFormat":{"length":8,"alphabet":"alphanumeric","group":4,"separator":"-","case":"upper","send":"grouped"}"#,
    );
    let mut d = start(sp, "login");
    d.request_code();
    d.respond(200, "{}");
    let out = d.submit("123456");
    assert_eq!(
        out.str_at("action.error.message"),
        Some("The code must be 8 letters or digits, as XXXX-XXXX.")
    );
    assert!(
        text(&out)
            .starts_with("Enter the code from the email (8 letters or digits, as XXXX-XXXX): "),
        "{}",
        text(&out)
    );
    let out = d.submit("ab3d ef7h");
    let (_, _, body) = request(&out);
    assert_eq!(body.str_at("code"), Some("AB3D-EF7H"));
}

#[test]
fn field_names_per_purpose() {
    let text = r#"{"version":2,"name":"v2","baseUrl":"https://api.example.test",
        "flows":{"login":{"request":"/login/otp","complete":"/login/verify"},
                 "signup":{"request":"/signup/otp","complete":"/signup/verify","fields":{"code":"key"}}},
        "fields":{"email":"email","code":"code"},
        "envelope":{"code":"code"},"credential":{"apiKey":"token","kind":"sessionToken"}}"#;
    for (purpose, field) in [("signup", "key"), ("login", "code")] {
        let mut d = start(parse(text).unwrap(), purpose);
        d.request_code();
        d.respond(200, "{}");
        let out = d.submit("123456");
        let (_, _, body) = request(&out);
        assert_eq!(body.str_at(field), Some("123456"), "{purpose}");
        let out = d.respond(200, r#"{"token":"st_1"}"#);
        assert_eq!(out.str_at("action.credential.kind"), Some("sessionToken"));
        assert_eq!(out.str_at("action.credential.expiresAt"), None);
    }
}

#[test]
fn version_2_keys_need_version_2_and_v1_specs_still_work() {
    let refused = |sp: Value| {
        let out = start_out(obj(vec![("spec", sp), ("email", s("a@example.com"))]));
        String::from(out.str_at("action.error.message").unwrap_or(""))
    };
    let mut v1 = spec(r#","carry":{"x":{"from":"x","body":"x"}}"#);
    if let Value::Obj(m) = &mut v1 {
        m.retain(|(k, _)| k != "version");
    }
    assert_eq!(
        refused(v1),
        "provider spec field 'carry' needs \"version\": 2 at the top of the spec"
    );
    for (extra, message) in [
        (
            r#","carry":{"x":{"from":"x"}}"#,
            "'carry.x' must say where it is sent: 'body' or 'header'",
        ),
        (
            r#","carry":{"x":{"body":"x"}}"#,
            "'carry.x.from' must be a non-empty string",
        ),
        (
            r#","carry":{"x":{"from":"x","header":"content-type"}}"#,
            "'carry.x.header' is set by keymint",
        ),
        (
            r#","accept":{"login":{"status":[401]}}"#,
            "'accept.login' is not a known step",
        ),
        (
            r#","accept":{"request":{"status":[]}}"#,
            "'accept.request.status' must be a list of HTTP statuses",
        ),
        (
            r#","codeFormat":{"alphabet":"emoji"}"#,
            "'codeFormat.alphabet' must be \"digits\"",
        ),
        (
            r#","codeFormat":{"length":0}"#,
            "'codeFormat.length' must be a whole number from 1 to 64",
        ),
        (
            r#","refresh":{"method":"POST"}"#,
            "'refresh.path' must be a non-empty string",
        ),
        ("3", "'version' must be 1 or 2"),
    ] {
        let mut sp = spec(if extra == "3" { "" } else { extra });
        if let (Value::Obj(m), "3") = (&mut sp, extra) {
            m.retain(|(k, _)| k != "version");
            m.push((String::from("version"), Value::Int(3)));
        }
        let m = refused(sp);
        assert!(m.contains(message), "{extra}: {m}");
    }
    // Every v1 preset is untouched: Scripto still takes six digits.
    let mut d = Driver::start(obj(vec![
        ("provider", s("scripto")),
        ("email", s("a@example.com")),
        ("flowId", s("f1")),
    ]));
    let out = d.submit("1234");
    assert_eq!(
        out.str_at("action.error.message"),
        Some("The code must be 6 digits.")
    );
    assert_eq!(out.path("action.credential"), None);
}

#[test]
fn a_throttle_without_a_figure_waits_and_a_refused_field_is_fixed() {
    let sp = spec(r#","errors":{"bad_input":"INVALID_REQUEST"}"#);
    let mut d = start(sp, "login");
    d.request_code();
    let out = d.respond(429, r#"{"errors":[{"code":"slow"}]}"#);
    assert_eq!(
        (code(&out), next_kind(&out)),
        ("RATE_LIMITED", "wait"),
        "docs/errors.md: RATE_LIMITED → wait, a minute when the backend gives no figure"
    );
    assert_eq!(
        out.int_at("action.error.nextAction.retryAfterSeconds"),
        Some(60)
    );
    d.request_code();
    let out = d.respond(400, r#"{"errors":[{"code":"bad_input"}]}"#);
    assert_eq!(
        (code(&out), next_kind(&out)),
        ("INVALID_REQUEST", "fix_input")
    );
}

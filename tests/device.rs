//! RFC 8628 device authorization grant: transcripts with a fixed clock against
//! a provider document that declares `device` (and, for Better Auth, a mint).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "common/mod.rs"]
mod common;
use common::{answer, call, step_event, T0};
use keymint::json::{parse, s, Value};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn spec(mint: bool) -> Value {
    let mut text = String::from(
        r#"{"name":"dev","baseUrl":"https://auth.example.com/api","device":{"deviceAuthorizationEndpoint":"/device/code","tokenEndpoint":"https://auth.example.com/api/device/token","clientId":"cli","scope":"openid profile""#,
    );
    if mint {
        text.push_str(r#","mint":true},"mint":{"path":"/api-key/create","body":{"name":"keyName"}},"credential":{"apiKey":"key","keyId":"id"}}"#);
    } else {
        text.push_str("}}");
    }
    parse(&text).unwrap()
}

fn start(config: &str, mint: bool) -> (Value, Value) {
    let mut c = parse(config).unwrap();
    if let Value::Obj(m) = &mut c {
        m.push(("spec".into(), spec(mint)));
    }
    let out = call(keymint::json::obj(vec![
        ("op", s("device_start")),
        ("now", Value::Int(T0)),
        ("config", c),
    ]));
    (out.get("state").cloned().unwrap(), out)
}

fn ev(kind: &str) -> Value {
    keymint::json::obj(vec![("type", s(kind))])
}

const CODE: &str = r#"{"device_code":"dc-1","user_code":"WDJB-MJHT","verification_uri":"https://auth.example.com/device","verification_uri_complete":"https://auth.example.com/device?user_code=WDJB-MJHT","expires_in":600,"interval":5}"#;

/// Started and answered: the flow is pending with its code.
fn pending(mint: bool) -> Value {
    let (mut state, out) = start(r#"{"resource":"https://api.example.com"}"#, mint);
    assert_eq!(out.get("action").unwrap().str_at("type"), Some("ready"));
    let out = step_event(&mut state, T0, ev("request"));
    let req = &out.get("action").unwrap().get("request").unwrap();
    assert_eq!(
        req.str_at("url"),
        Some("https://auth.example.com/api/device/code")
    );
    assert_eq!(
        req.str_at("body"),
        Some("client_id=cli&scope=openid%20profile&resource=https%3A%2F%2Fapi.example.com")
    );
    let a = step_event(&mut state, T0, answer(200, CODE, vec![]));
    let a = &a.get("action").unwrap();
    assert_eq!(a.str_at("type"), Some("device_code"));
    assert_eq!(a.str_at("userCode"), Some("WDJB-MJHT"));
    assert_eq!(a.int_at("interval"), Some(5));
    assert_eq!(
        a.str_at("expiresAt"),
        Some(keymint::time::format_rfc3339(T0 + 600).as_str())
    );
    state
}

fn pending_error(status: i64, name: &str) -> Value {
    answer(status, &format!(r#"{{"error":"{name}"}}"#), vec![])
}

#[test]
fn early_poll_waits_and_pending_keeps_polling() {
    let mut state = pending(false);
    let a = step_event(&mut state, T0 + 2, ev("poll"));
    let a = &a.get("action").unwrap();
    assert_eq!(a.str_at("type"), Some("wait"));
    assert_eq!(a.int_at("retryAfterSeconds"), Some(3));
    assert_eq!(a.str_at("error.code"), Some("AUTHORIZATION_PENDING"));
    assert_eq!(a.str_at("error.nextAction.kind"), Some("open_url"));
    assert_eq!(a.str_at("error.nextAction.userCode"), Some("WDJB-MJHT"));
    assert_eq!(
        a.str_at("error.nextAction.url"),
        Some("https://auth.example.com/device?user_code=WDJB-MJHT")
    );
    let a = step_event(&mut state, T0 + 5, ev("poll"));
    let req = &a.get("action").unwrap().get("request").unwrap();
    assert_eq!(
        req.str_at("url"),
        Some("https://auth.example.com/api/device/token")
    );
    assert_eq!(
        req.str_at("body"),
        Some("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=dc-1&client_id=cli")
    );
    let a = step_event(
        &mut state,
        T0 + 5,
        pending_error(400, "authorization_pending"),
    );
    assert_eq!(
        a.get("action").unwrap().str_at("reason"),
        Some("authorization_pending")
    );
    assert_eq!(
        a.get("action").unwrap().int_at("retryAfterSeconds"),
        Some(5)
    );
    // slow_down: the interval grows by 5 s and stays grown.
    step_event(&mut state, T0 + 10, ev("poll"));
    let a = step_event(&mut state, T0 + 10, pending_error(400, "slow_down"));
    assert_eq!(a.get("action").unwrap().int_at("interval"), Some(10));
    assert_eq!(
        a.get("action").unwrap().int_at("retryAfterSeconds"),
        Some(10)
    );
    let a = step_event(&mut state, T0 + 15, ev("poll"));
    assert_eq!(a.get("action").unwrap().str_at("type"), Some("wait"));
    step_event(&mut state, T0 + 20, ev("poll"));
    let a = step_event(
        &mut state,
        T0 + 20,
        answer(
            200,
            r#"{"access_token":"at-1","token_type":"Bearer","expires_in":3600}"#,
            vec![],
        ),
    );
    let c = &a.get("action").unwrap().get("credential").unwrap();
    assert_eq!(a.get("action").unwrap().str_at("type"), Some("done"));
    assert_eq!(c.str_at("accessToken"), Some("at-1"));
    assert_eq!(c.str_at("kind"), Some("device"));
    assert_eq!(c.str_at("clientId"), Some("cli"));
}

#[test]
fn denied_and_expired_are_typed() {
    let mut state = pending(false);
    step_event(&mut state, T0 + 5, ev("poll"));
    let a = step_event(&mut state, T0 + 5, pending_error(400, "access_denied"));
    assert_eq!(
        a.get("action").unwrap().str_at("error.code"),
        Some("ACCESS_DENIED")
    );
    assert_eq!(
        a.get("action").unwrap().str_at("error.nextAction.kind"),
        Some("sign_in_again")
    );
    let a = step_event(&mut state, T0 + 10, ev("poll"));
    assert_eq!(
        a.get("action").unwrap().str_at("error.code"),
        Some("INVALID_STEP")
    );

    let mut state = pending(false);
    step_event(&mut state, T0 + 5, ev("poll"));
    let a = step_event(&mut state, T0 + 5, pending_error(400, "expired_token"));
    assert_eq!(
        a.get("action").unwrap().str_at("error.code"),
        Some("DEVICE_CODE_EXPIRED")
    );
    assert_eq!(
        a.get("action").unwrap().str_at("error.nextAction.kind"),
        Some("sign_in_again")
    );
    // Start again on the same flow.
    let a = step_event(&mut state, T0 + 6, ev("request"));
    assert_eq!(a.get("action").unwrap().str_at("type"), Some("send"));

    // A poll after the saved expiry is answered locally.
    let mut state = pending(false);
    let a = step_event(&mut state, T0 + 600, ev("poll"));
    assert_eq!(
        a.get("action").unwrap().str_at("error.code"),
        Some("DEVICE_CODE_EXPIRED")
    );
    assert_eq!(
        a.get("action").unwrap().path("error.details.local"),
        Some(&Value::Bool(true))
    );
}

#[test]
fn other_errors_and_resume() {
    let mut state = pending(false);
    // The saved document resumes anywhere; an edited one does not.
    let text = state.to_json();
    let mut again = parse(&text).unwrap();
    let a = step_event(&mut again, T0 + 5, ev("poll"));
    assert_eq!(a.get("action").unwrap().str_at("type"), Some("send"));
    let mut bad = parse(&text.replace("WDJB", "XXXX")).unwrap();
    let a = step_event(&mut bad, T0 + 5, ev("poll"));
    assert_eq!(
        a.get("action").unwrap().str_at("error.code"),
        Some("INVALID_STATE")
    );
    for (name, code) in [
        ("invalid_grant", "INVALID_GRANT"),
        ("invalid_client", "INVALID_CLIENT"),
        ("invalid_request", "INVALID_REQUEST"),
        ("unsupported_grant_type", "UNSUPPORTED_GRANT_TYPE"),
    ] {
        let mut st = state.clone();
        step_event(&mut st, T0 + 5, ev("poll"));
        let a = step_event(&mut st, T0 + 5, pending_error(400, name));
        assert_eq!(
            a.get("action").unwrap().str_at("error.code"),
            Some(code),
            "{name}"
        );
    }
    step_event(&mut state, T0 + 5, ev("poll"));
    let a = step_event(
        &mut state,
        T0 + 5,
        keymint::json::obj(vec![("type", s("transport_error")), ("kind", s("timeout"))]),
    );
    assert_eq!(
        a.get("action").unwrap().str_at("error.code"),
        Some("TIMEOUT")
    );
    let a = step_event(&mut state, T0 + 6, ev("poll"));
    assert_eq!(a.get("action").unwrap().str_at("type"), Some("send"));
}

#[test]
fn mint_turns_the_token_into_a_key() {
    let (mut state, _) = start(r#"{"keyName":"laptop"}"#, true);
    step_event(&mut state, T0, ev("request"));
    step_event(&mut state, T0, answer(200, CODE, vec![]));
    step_event(&mut state, T0 + 5, ev("poll"));
    let a = step_event(
        &mut state,
        T0 + 5,
        answer(
            200,
            r#"{"access_token":"sess-1","token_type":"Bearer","expires_in":3600}"#,
            vec![],
        ),
    );
    let req = &a.get("action").unwrap().get("request").unwrap();
    assert_eq!(
        req.str_at("url"),
        Some("https://auth.example.com/api/api-key/create")
    );
    assert_eq!(req.str_at("headers.authorization"), Some("Bearer sess-1"));
    assert_eq!(req.str_at("body"), Some(r#"{"name":"laptop"}"#));
    let a = step_event(
        &mut state,
        T0 + 5,
        answer(200, r#"{"key":"ba_key_1","id":"k1"}"#, vec![]),
    );
    let c = &a.get("action").unwrap().get("credential").unwrap();
    assert_eq!(c.str_at("apiKey"), Some("ba_key_1"));
    assert_eq!(c.str_at("keyId"), Some("k1"));
    assert!(!state.to_json().contains("sess-1"));
}

#[test]
fn endpoints_follow_the_url_rule() {
    let doc = parse(r#"{"provider":"x","spec":{"name":"d","baseUrl":"https://a.example","device":{"deviceAuthorizationEndpoint":"http://evil.example/code","tokenEndpoint":"/t","clientId":"c"}}}"#).unwrap();
    let out = call(keymint::json::obj(vec![
        ("op", s("device_start")),
        ("now", Value::Int(T0)),
        ("config", doc),
    ]));
    assert_eq!(
        out.get("action").unwrap().str_at("error.code"),
        Some("INSECURE_URL")
    );
    let doc = parse(r#"{"spec":{"name":"d","baseUrl":"https://a.example","device":{"deviceAuthorizationEndpoint":"/c","tokenEndpoint":"/t"}}}"#).unwrap();
    let out = call(keymint::json::obj(vec![
        ("op", s("device_start")),
        ("now", Value::Int(T0)),
        ("config", doc),
    ]));
    assert_eq!(
        out.get("action").unwrap().str_at("error.code"),
        Some("INVALID_REQUEST")
    );
}

/// Random events, answers and damaged saved flows never panic, and every output is a
/// well-formed action.
#[test]
fn device_never_panics() {
    let mut seed: u64 = 0x5eed_0d0c;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let bodies = [
        CODE,
        r#"{"device_code":"d","user_code":"u","verification_uri":"javascript:alert(1)","interval":-5,"expires_in":99999999999}"#,
        r#"{"device_code":"","user_code":"u","verification_uri":"https://x"}"#,
        r#"{"error":"slow_down"}"#,
        r#"{"error":"authorization_pending"}"#,
        r#"{"error":"access_denied","error_description":"no"}"#,
        r#"{"error":"expired_token"}"#,
        r#"{"error":7}"#,
        r#"{"access_token":"a","expires_in":"x"}"#,
        r#"{"key":"k","id":1}"#,
        "not json",
        "",
        "[]",
    ];
    // Fewer rounds under wasm (the same core, a slower runner).
    let rounds = if cfg!(target_arch = "wasm32") {
        300
    } else {
        3000
    };
    for i in 0..rounds {
        let mint = i % 2 == 0;
        let (mut state, _) = start(r#"{"keyName":"k"}"#, mint);
        let mut now = T0;
        for _ in 0..12 {
            now += i64::try_from(next(900)).unwrap() - 100;
            let event = match next(5) {
                0 => ev("request"),
                1 | 2 => ev("poll"),
                3 => answer(
                    [200, 400, 401, 500][usize::try_from(next(4)).unwrap()],
                    bodies[usize::try_from(next(bodies.len() as u64)).unwrap()],
                    vec![],
                ),
                _ => keymint::json::obj(vec![("type", s("transport_error")), ("kind", s("reset"))]),
            };
            if next(20) == 0 {
                let text = state.to_json();
                let cut = usize::try_from(next(text.len() as u64)).unwrap();
                state = parse(&text[..cut]).unwrap_or(Value::Null);
            }
            let out = step_event(&mut state, now, event);
            let t = out
                .get("action")
                .and_then(|a| a.str_at("type"))
                .unwrap_or("");
            assert!(
                ["ready", "send", "device_code", "wait", "done", "error"].contains(&t),
                "{}",
                out.to_json()
            );
            if state.is_null() {
                break;
            }
        }
    }
}

#[test]
fn endpoints_from_rfc8414_metadata() {
    let doc = parse(r#"{"spec":{"name":"d","baseUrl":"https://a.example/api","device":{"metadata":"/.well-known/oauth-authorization-server","clientId":"c"}}}"#).unwrap();
    let out = call(keymint::json::obj(vec![
        ("op", s("device_start")),
        ("now", Value::Int(T0)),
        ("config", doc),
    ]));
    let mut state = out.get("state").cloned().unwrap();
    let a = step_event(&mut state, T0, ev("request"));
    let req = a.get("action").unwrap().get("request").unwrap();
    assert_eq!(req.str_at("method"), Some("GET"));
    assert_eq!(
        req.str_at("url"),
        Some("https://a.example/api/.well-known/oauth-authorization-server")
    );
    // Metadata naming an insecure endpoint is refused; the flow can start again.
    let bad = r#"{"device_authorization_endpoint":"http://evil.example/code","token_endpoint":"https://a.example/token"}"#;
    let a = step_event(&mut state, T0, answer(200, bad, vec![]));
    assert_eq!(
        a.get("action").unwrap().str_at("error.code"),
        Some("INSECURE_URL")
    );
    step_event(&mut state, T0, ev("request"));
    let good = r#"{"issuer":"https://a.example","device_authorization_endpoint":"https://a.example/device","token_endpoint":"https://a.example/token"}"#;
    let a = step_event(&mut state, T0, answer(200, good, vec![]));
    let req = a.get("action").unwrap().get("request").unwrap();
    assert_eq!(req.str_at("url"), Some("https://a.example/device"));
    assert_eq!(req.str_at("body"), Some("client_id=c"));
    let a = step_event(&mut state, T0, answer(200, CODE, vec![]));
    assert_eq!(a.get("action").unwrap().str_at("type"), Some("device_code"));
    step_event(&mut state, T0 + 5, ev("poll"));
    assert_eq!(state.str_at("tokenUrl"), Some("https://a.example/token"));
}

/// A provider that names its endpoints only in RFC 8414 metadata: the credential carries
/// the discovered token endpoint, and its refresh grant goes there.
#[test]
fn a_metadata_device_credential_refreshes_at_its_token_url() {
    let spec = parse(
        r#"{"name":"meta","baseUrl":"https://auth.example.com","device":{"metadata":"/.well-known/oauth-authorization-server","clientId":"cli"}}"#,
    )
    .unwrap();
    let out = call(keymint::json::obj(vec![
        ("op", s("device_start")),
        ("now", Value::Int(T0)),
        ("config", keymint::json::obj(vec![("spec", spec.clone())])),
    ]));
    let mut state = out.get("state").cloned().unwrap();
    let a = step_event(&mut state, T0, ev("request"));
    assert_eq!(
        a.path("action.request.url").and_then(Value::as_str),
        Some("https://auth.example.com/.well-known/oauth-authorization-server")
    );
    let meta = r#"{"device_authorization_endpoint":"https://login.example.com/device","token_endpoint":"https://login.example.com/token"}"#;
    let a = step_event(&mut state, T0, answer(200, meta, vec![]));
    assert_eq!(
        a.path("action.request.url").and_then(Value::as_str),
        Some("https://login.example.com/device")
    );
    step_event(&mut state, T0, answer(200, CODE, vec![]));
    let a = step_event(&mut state, T0 + 5, ev("poll"));
    assert_eq!(
        a.path("action.request.url").and_then(Value::as_str),
        Some("https://login.example.com/token")
    );
    let a = step_event(
        &mut state,
        T0 + 5,
        answer(
            200,
            r#"{"access_token":"at-1","refresh_token":"rt-1","expires_in":60}"#,
            vec![],
        ),
    );
    let c = a.path("action.credential").unwrap();
    assert_eq!(
        c.str_at("tokenUrl"),
        Some("https://login.example.com/token")
    );
    assert_eq!(c.str_at("kind"), Some("device"));
    let refresh = |token_url: Option<&str>| {
        let mut config = vec![
            ("spec", spec.clone()),
            ("operation", s("refresh")),
            ("refreshToken", s("rt-1")),
            ("clientId", s("cli")),
        ];
        if let Some(u) = token_url {
            config.push(("tokenUrl", s(u)));
        }
        call(keymint::json::obj(vec![
            ("op", s("session_request")),
            ("now", Value::Int(T0 + 10)),
            ("config", keymint::json::obj(config)),
        ]))
    };
    let out = refresh(c.str_at("tokenUrl"));
    assert_eq!(
        out.path("action.request.url").and_then(Value::as_str),
        Some("https://login.example.com/token")
    );
    assert_eq!(
        out.path("action.request.body").and_then(Value::as_str),
        Some("grant_type=refresh_token&refresh_token=rt-1&client_id=cli")
    );
    // Without it the provider document names no token endpoint: a typed error, nothing sent.
    let out = refresh(None);
    assert_eq!(
        out.path("action.error.code").and_then(Value::as_str),
        Some("INVALID_PROVIDER")
    );
    // A token URL that is not https is refused like any other URL.
    let out = refresh(Some("http://login.example.com/token"));
    assert_eq!(
        out.path("action.type").and_then(Value::as_str),
        Some("error")
    );
}

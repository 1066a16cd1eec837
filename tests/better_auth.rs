//! Better Auth preset transcripts with a fixed clock: email OTP → session token →
//! `api-key/create` (the spec's `mint` section), the token's lifetime in the
//! saved state, local attempt counting, "account created", and custom-spec
//! validation of the sections the preset uses.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod common;
use common::*;
use keymint::json::{obj, parse, s, Value};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const BASE: &str = "https://app.example.test/api/auth";
const TOKEN: &str = "sessTOKEN0123456789abcdefABCDEF";
const KEY: &str = "kEyAbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh";
/// The server's Date for T0, as the JS transport passes it.
const T0_ISO: &str = "2026-11-22T17:40:00.000Z";

fn flow() -> Driver {
    Driver::start(obj(vec![
        ("provider", s("better-auth")),
        ("baseUrl", s(BASE)),
        ("email", s("You@Example.com")),
        ("flowId", s("f1")),
    ]))
}

fn header<'a>(out: &'a Value, name: &str) -> Option<&'a str> {
    out.path("action.request.headers")
        .and_then(|h| h.get(name))
        .and_then(Value::as_str)
}

fn signed_in(created_at: &str) -> String {
    let mut b = String::from(r#"{"token":""#);
    b.push_str(TOKEN);
    b.push_str(r#"","user":{"id":"u1","email":"you@example.com","name":"","emailVerified":true,"createdAt":""#);
    b.push_str(created_at);
    b.push_str(r#""}}"#);
    b
}

fn minted() -> String {
    let mut b =
        String::from(r#"{"id":"k1","name":"my-agent","prefix":null,"start":"kEyAbC","key":""#);
    b.push_str(KEY);
    b.push_str(r#"","referenceId":"u1","expiresAt":"2027-02-20T17:40:05.000Z","enabled":true}"#);
    b
}

/// Request + code sent, with the server's Date at T0.
fn code_sent() -> Driver {
    let mut d = flow();
    let out = d.request_code();
    let (method, url, body) = request(&out);
    assert_eq!(
        (method.as_str(), url.as_str()),
        (
            "POST",
            "https://app.example.test/api/auth/email-otp/send-verification-otp"
        )
    );
    assert_eq!(
        body.to_json(),
        r#"{"email":"You@Example.com","type":"sign-in"}"#
    );
    // Better Auth's origin check: the base URL's origin, path dropped.
    assert_eq!(header(&out, "origin"), Some("https://app.example.test"));
    let out = d.respond_h(200, r#"{"success":true}"#, vec![("date", T0_ISO)]);
    assert_eq!(action(&out), "code_sent");
    assert_eq!(out.str_at("action.expiresAt"), Some("2026-11-22T17:45:00Z"));
    d
}

#[test]
fn happy_path_mints_a_key_and_drops_the_session_token() {
    let mut d = code_sent();
    d.now += 5;
    let out = d.submit_with(
        "123456",
        obj(vec![
            ("keyName", s("my-agent")),
            ("keyExpiresInDays", Value::Int(90)),
        ]),
    );
    let (_, url, body) = request(&out);
    assert!(url.ends_with("/api/auth/sign-in/email-otp"));
    assert_eq!(
        body.to_json(),
        r#"{"email":"You@Example.com","type":"sign-in","otp":"123456"}"#
    );
    // The sign-in answers a session token: the mint follows at once.
    let out = d.respond_h(200, &signed_in("2026-11-22T17:40:04.123Z"), vec![]);
    assert_eq!(action(&out), "send");
    assert_eq!(d.phase(), "minting");
    let (method, url, body) = request(&out);
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("POST", "https://app.example.test/api/auth/api-key/create")
    );
    assert_eq!(body.to_json(), r#"{"name":"my-agent","expiresIn":7776000}"#);
    let mut bearer = String::from("Bearer ");
    bearer.push_str(TOKEN);
    assert_eq!(header(&out, "authorization"), Some(bearer.as_str()));
    assert_eq!(header(&out, "origin"), Some("https://app.example.test"));
    // While (and only while) the mint is in flight, the state carries the token.
    assert_eq!(d.state.str_at("sessionToken"), Some(TOKEN));
    d.reload();

    let out = d.respond_h(200, &minted(), vec![]);
    assert_eq!(action(&out), "done", "{}", out.to_json());
    let c = out.path("action.credential").unwrap();
    assert_eq!(c.str_at("apiKey"), Some(KEY));
    assert_eq!(c.str_at("keyId"), Some("k1"));
    assert_eq!(c.str_at("keyName"), Some("my-agent"));
    assert_eq!(c.str_at("expiresAt"), Some("2027-02-20T17:40:05.000Z"));
    assert_eq!(c.str_at("user.id"), Some("u1"));
    assert_eq!(c.str_at("user.email"), Some("you@example.com"));
    assert_eq!(c.get("accountCreated"), Some(&Value::Bool(true)));
    assert_eq!(c.str_at("provider"), Some("better-auth"));
    assert_eq!(d.phase(), "done");
    let saved = d.state.to_json();
    assert!(!saved.contains(TOKEN) && !saved.contains(KEY), "{saved}");
    assert!(!out.to_json().contains(TOKEN));
}

#[test]
fn an_account_older_than_the_code_request_was_not_created() {
    let mut d = code_sent();
    d.submit("123456");
    d.respond(200, &signed_in("2026-11-22T17:39:59.999Z"));
    let out = d.respond(200, &minted());
    assert_eq!(
        out.path("action.credential.accountCreated"),
        Some(&Value::Bool(false))
    );
}

#[test]
fn without_a_server_date_the_local_clock_decides_with_30_s_slack() {
    let mut d = flow();
    d.request_code();
    d.respond(200, r#"{"success":true}"#);
    d.submit("123456");
    // 20 s before the request by our clock: within the skew allowance.
    d.respond(200, &signed_in("2026-11-22T17:39:40Z"));
    let out = d.respond(200, &minted());
    assert_eq!(
        out.path("action.credential.accountCreated"),
        Some(&Value::Bool(true))
    );
    let mut d = flow();
    d.request_code();
    d.respond(200, r#"{"success":true}"#);
    d.submit("123456");
    d.respond(200, &signed_in("2025-01-01T00:00:00Z"));
    let out = d.respond(200, &minted());
    assert_eq!(
        out.path("action.credential.accountCreated"),
        Some(&Value::Bool(false))
    );
}

#[test]
fn a_refused_mint_spends_the_code_and_drops_the_token() {
    let mut d = code_sent();
    d.submit_with("123456", obj(vec![("keyName", s(&"x".repeat(40)))]));
    d.respond(200, &signed_in(T0_ISO));
    let out = d.respond(
        400,
        r#"{"message":"The name length is either too large or too small.","code":"INVALID_NAME_LENGTH"}"#,
    );
    assert_eq!(code(&out), "INVALID_ARGUMENT");
    assert_eq!(
        out.str_at("action.error.providerCode"),
        Some("INVALID_NAME_LENGTH")
    );
    assert_eq!(status(&out), Some(400));
    assert_eq!(d.phase(), "ready");
    assert_eq!(d.state.get("sessionToken"), None);
    assert_eq!(d.state.get("signedIn"), None);
    assert!(!out.to_json().contains(TOKEN));
    // The mint needs a session the server accepts (the bearer plugin).
    let mut d = code_sent();
    d.submit("123456");
    d.respond(200, &signed_in(T0_ISO));
    let out = d.respond(
        401,
        r#"{"message":"Unauthorized or invalid session","code":"UNAUTHORIZED_SESSION"}"#,
    );
    assert_eq!(
        (code(&out), next_kind(&out)),
        ("UNAUTHENTICATED", "sign_in_again")
    );
    // A 5xx: the code is spent, so a new code, not a plain retry.
    let mut d = code_sent();
    d.submit("123456");
    d.respond(200, &signed_in(T0_ISO));
    let out = d.respond(500, r#"{"message":"boom"}"#);
    assert_eq!(
        (code(&out), next_kind(&out)),
        ("INTERNAL", "request_new_code")
    );
    assert_eq!(d.phase(), "ready");
}

#[test]
fn a_lost_mint_answer_is_not_retried_and_may_have_minted() {
    let mut d = code_sent();
    d.submit("123456");
    d.respond(200, &signed_in(T0_ISO));
    let out = d.fail("network");
    assert_eq!(code(&out), "NETWORK_ERROR");
    assert_eq!(
        out.path("action.error.details.keyMayHaveBeenMinted"),
        Some(&Value::Bool(true))
    );
    assert_eq!(d.phase(), "ready");
    assert_eq!(d.state.get("sessionToken"), None);
    // A sign-in answer without a token: signed in, but nothing to mint with.
    let mut d = code_sent();
    d.submit("123456");
    let out = d.respond(200, r#"{"user":{"id":"u1"}}"#);
    assert_eq!(code(&out), "BAD_RESPONSE");
    assert_eq!(d.phase(), "ready");
    // A mint answer without a key.
    let mut d = code_sent();
    d.submit("123456");
    d.respond(200, &signed_in(T0_ISO));
    let out = d.respond(200, r#"{"id":"k1"}"#);
    assert_eq!(code(&out), "BAD_RESPONSE");
    assert_eq!(d.phase(), "ready");
    assert_eq!(d.state.get("sessionToken"), None);
}

#[test]
fn no_other_event_is_taken_while_minting() {
    let mut d = code_sent();
    d.submit("123456");
    d.respond(200, &signed_in(T0_ISO));
    let submitted = d.submit("654321");
    let requested = d.request_code();
    for out in [submitted, requested] {
        assert_eq!(code(&out), "INVALID_STEP");
    }
    assert_eq!(d.phase(), "minting");
}

#[test]
fn wrong_codes_count_down_from_the_spec_then_a_new_code_is_needed() {
    let mut d = code_sent();
    let wrong = r#"{"message":"Invalid OTP","code":"INVALID_OTP"}"#;
    for (left, next) in [
        (2, "retry_code"),
        (1, "retry_code"),
        (0, "request_new_code"),
    ] {
        d.submit("000000");
        let out = d.respond(400, wrong);
        assert_eq!(code(&out), "OTP_INVALID");
        assert_eq!(
            out.int_at("action.error.details.attemptsRemaining"),
            Some(left)
        );
        assert_eq!(next_kind(&out), next);
    }
    // Better Auth now refuses any code: answered locally, new code (no wait).
    let out = d.submit("123456");
    assert_eq!(
        (code(&out), next_kind(&out), local(&out)),
        ("OTP_LOCKED_OUT", "request_new_code", true)
    );
    // The server's own answer for the same case.
    let mut d = code_sent();
    d.submit("123456");
    let out = d.respond(
        403,
        r#"{"message":"Too many attempts","code":"TOO_MANY_ATTEMPTS"}"#,
    );
    assert_eq!(
        (code(&out), next_kind(&out), status(&out)),
        ("OTP_LOCKED_OUT", "request_new_code", Some(403))
    );
    // A new code starts the count over.
    let out = d.request_code();
    assert_eq!(action(&out), "send");
    d.respond(200, r#"{"success":true}"#);
    assert_eq!(d.state.get("attemptsRemaining"), None);
}

#[test]
fn error_rows() {
    let mut d = code_sent();
    d.submit("123456");
    let out = d.respond(400, r#"{"message":"OTP expired","code":"OTP_EXPIRED"}"#);
    assert_eq!(
        (code(&out), next_kind(&out)),
        ("OTP_EXPIRED", "request_new_code")
    );
    assert_eq!(d.phase(), "ready");
    let out = d.request_code();
    assert_eq!(action(&out), "send");
    // A 429 with only X-Retry-After.
    let out = d.respond_h(
        429,
        r#"{"message":"Too many requests. Please try again later."}"#,
        vec![("x-retry-after", "42")],
    );
    assert_eq!((code(&out), next_kind(&out)), ("RATE_LIMITED", "wait"));
    assert_eq!(
        out.int_at("action.error.nextAction.retryAfterSeconds"),
        Some(42)
    );
    assert_eq!(
        out.int_at("action.error.details.retryAfterSeconds"),
        Some(42)
    );
    assert_eq!(out.path("action.error.providerCode"), None);
    let out = d.request_code();
    let out2 = d.respond(
        403,
        r#"{"message":"Missing or null Origin","code":"MISSING_OR_NULL_ORIGIN"}"#,
    );
    assert_eq!(action(&out), "send");
    assert_eq!(code(&out2), "INVALID_REQUEST");
    d.request_code();
    let out = d.respond(400, r#"{"message":"Invalid email","code":"INVALID_EMAIL"}"#);
    assert_eq!(
        (code(&out), next_kind(&out)),
        ("EMAIL_INVALID", "fix_input")
    );
    d.request_code();
    let out = d.respond(
        400,
        r#"{"message":"[body.email] Invalid input","code":"VALIDATION_ERROR"}"#,
    );
    assert_eq!(code(&out), "INVALID_REQUEST");
}

fn whoami(config: Vec<(&str, Value)>) -> Value {
    let mut c = vec![("provider", s("better-auth")), ("baseUrl", s(BASE))];
    c.extend(config);
    call(obj(vec![("op", s("whoami")), ("config", obj(c))]))
}

fn whoami_response(status: i64, body: &str) -> Value {
    call(obj(vec![
        ("op", s("whoami_response")),
        (
            "config",
            obj(vec![("provider", s("better-auth")), ("baseUrl", s(BASE))]),
        ),
        (
            "event",
            obj(vec![
                ("type", s("response")),
                ("status", Value::Int(status)),
                ("body", s(body)),
                (
                    "headers",
                    obj(vec![("content-type", s("application/json"))]),
                ),
            ]),
        ),
    ]))
}

#[test]
fn whoami_uses_x_api_key_and_returns_only_the_user() {
    let out = whoami(vec![("apiKey", s(KEY))]);
    let (method, url, _) = request(&out);
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("GET", "https://app.example.test/api/auth/get-session")
    );
    assert_eq!(header(&out, "x-api-key"), Some(KEY));
    assert_eq!(header(&out, "authorization"), None);
    let mut body = String::from(
        r#"{"user":{"id":"u1","email":"you@example.com"},"session":{"id":"k1","token":""#,
    );
    body.push_str(KEY);
    body.push_str(r#""}}"#);
    let out = whoami_response(200, &body);
    assert_eq!(
        out.path("action.identity").unwrap().to_json(),
        r#"{"id":"u1","email":"you@example.com"}"#
    );
    assert!(!out.to_json().contains(KEY));
    let out = whoami_response(
        401,
        r#"{"message":"Invalid API key.","code":"INVALID_API_KEY"}"#,
    );
    assert_eq!(
        (code(&out), next_kind(&out)),
        ("UNAUTHENTICATED", "sign_in_again")
    );
    // get-session without enableSessionForAPIKeys answers null.
    let out = whoami_response(200, "null");
    assert_eq!(code(&out), "BAD_RESPONSE");
}

fn preset() -> Value {
    parse(keymint::provider::preset("better-auth").unwrap()).unwrap()
}

fn refused(spec: Value) -> String {
    let out = start_out(obj(vec![
        ("spec", spec),
        ("baseUrl", s(BASE)),
        ("email", s("a@example.com")),
    ]));
    assert_eq!(code(&out), "INVALID_PROVIDER", "{}", out.to_json());
    out.str_at("action.error.message").unwrap().to_string()
}

fn with(path: &str, value: Value) -> Value {
    let mut doc = preset();
    let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
    let target = if parent.is_empty() {
        Some(&mut doc)
    } else {
        parent.split('.').try_fold(&mut doc, |v, k| match v {
            Value::Obj(m) => m.iter_mut().find(|(n, _)| n == k).map(|(_, v)| v),
            _ => None,
        })
    };
    if let Some(Value::Obj(m)) = target {
        m.retain(|(n, _)| n != key);
        if !value.is_null() {
            m.push((key.to_string(), value));
        }
    }
    doc
}

#[test]
fn the_sections_the_preset_uses_are_validated() {
    for (path, value, message) in [
        (
            "mint.path",
            s("api-key/create"),
            "'mint.path' must be a path starting with '/'",
        ),
        (
            "mint.token",
            Value::Null,
            "'mint.token' must be a non-empty string",
        ),
        ("mint.body", s("name"), "'mint.body' must be an object"),
        (
            "mint.body.name",
            s("label"),
            "'mint.body.name' must name keyName, keyExpiresInDays",
        ),
        (
            "mint.extra",
            Value::Bool(true),
            "'mint.extra' is not a known key",
        ),
        (
            "mint.scheme",
            s("Bear er"),
            "'mint.scheme' must be an auth scheme",
        ),
        ("mint", s("/x"), "'mint' must be an object"),
        (
            "headers.authorization",
            s("x"),
            "'headers.authorization' is set by keymint",
        ),
        (
            "headers.x-bad header",
            s("x"),
            "'headers.x-bad header' must be an HTTP header name",
        ),
        (
            "headers.x-ok",
            s("a\r\nb"),
            "'headers.x-ok' must be a string without control characters",
        ),
        (
            "headers.x-ok",
            Value::Int(3),
            "'headers.x-ok' must be a string",
        ),
        ("headers", s("origin"), "'headers' must be an object"),
        (
            "whoami.header",
            s("x api key"),
            "'whoami.header' must be an HTTP header name",
        ),
        (
            "whoami.data",
            s(""),
            "'whoami.data' must be a non-empty string",
        ),
        (
            "whoami.method",
            s("POST"),
            "'whoami.method' needs \"version\": 2",
        ),
        (
            "codeAttempts",
            Value::Int(0),
            "'codeAttempts' must be a whole number from 1 to 100",
        ),
        (
            "credential.accountCreatedAt",
            Value::Int(1),
            "'credential.accountCreatedAt' must be a string",
        ),
        (
            "envelope.success",
            Value::Bool(true),
            "'envelope.success' must be a string",
        ),
        ("errorz", obj(vec![]), "'errorz' is not a known key"),
        (
            "flows.login.verify",
            s("/x"),
            "'flows.login.verify' is not a known key",
        ),
        (
            "limits.keyNameChars",
            Value::Int(3),
            "'limits.keyNameChars' is not a known key",
        ),
    ] {
        let m = refused(with(path, value));
        assert!(m.contains(message), "{path}: {m}");
    }
    // The preset itself, and with the scheme-less header spelled out.
    let out = start_out(obj(vec![
        ("spec", with("whoami.scheme", s(""))),
        ("baseUrl", s(BASE)),
        ("email", s("a@example.com")),
    ]));
    assert_eq!(action(&out), "ready", "{}", out.to_json());
}

#[test]
fn a_custom_spec_may_send_the_key_with_its_own_scheme() {
    let spec = with("whoami.header", s("authorization"));
    let spec = {
        let mut v = spec;
        if let Value::Obj(m) = &mut v {
            if let Some((_, Value::Obj(w))) = m.iter_mut().find(|(k, _)| k == "whoami") {
                w.push(("scheme".to_string(), s("Token")));
            }
        }
        v
    };
    let out = call(obj(vec![
        ("op", s("whoami")),
        (
            "config",
            obj(vec![
                ("spec", spec),
                ("baseUrl", s(BASE)),
                ("apiKey", s("abc")),
            ]),
        ),
    ]));
    assert_eq!(header(&out, "authorization"), Some("Token abc"));
    assert_eq!(header(&out, "x-api-key"), None);
}

/// Better Auth's own client appends `/api/auth` to an origin-only base URL; the preset
/// follows it (`basePath`), and a URL with a path is used as given.
#[test]
fn origin_only_base_url_gets_the_api_auth_path() {
    for (given, want) in [
        (
            "http://127.0.0.1:3000",
            "http://127.0.0.1:3000/api/auth/email-otp/send-verification-otp",
        ),
        (
            "http://127.0.0.1:3000/",
            "http://127.0.0.1:3000/api/auth/email-otp/send-verification-otp",
        ),
        (
            "https://app.example.test/auth",
            "https://app.example.test/auth/email-otp/send-verification-otp",
        ),
    ] {
        let mut d = Driver::start(obj(vec![
            ("provider", s("better-auth")),
            ("baseUrl", s(given)),
            ("email", s("you@example.com")),
            ("flowId", s("f1")),
        ]));
        let (_, url, _) = request(&d.request_code());
        assert_eq!(url, want);
    }
}

/// A library caller that names no program gets commands for the `keymint` CLI this
/// package installs, not a wrapper's binary it does not.
#[test]
fn next_actions_default_to_the_keymint_cli() {
    let d = Driver::start(obj(vec![
        ("provider", s("better-auth")),
        ("baseUrl", s(BASE)),
        ("email", s("you@example.com")),
        ("flowId", s("f1")),
    ]));
    assert_eq!(
        d.state.str_at("program"),
        Some("keymint --provider better-auth")
    );
}

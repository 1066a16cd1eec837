//! Codika transcripts with a fixed clock: every row of the seed's error tables
//! (../shared/seeds/000_…, ../shared/protocols/codika.md), the local guards, the
//! organization choice, the agent recipe in both directions, and saved flows.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod common;
use common::*;
use keymint::json::{obj, parse, s, Value};
use keymint::time::format_rfc3339;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const BASE: &str = "https://codika.example.test";
const EMAIL: &str = "you@example.com";
const KEY: &str = "cko_0123456789abcdefghijABCDEFGHIJklmnopqrst";
const SCOPES: &str = r#"["workflows:read","workflows:write","deployments:read","deployments:write","executions:read","executions:write","credentials:read","credentials:write","organization:read","keys:read"]"#;

fn flow(purpose: &str) -> Driver {
    flow_with(purpose, vec![])
}

fn flow_with(purpose: &str, extra: Vec<(&str, Value)>) -> Driver {
    let mut config = vec![
        ("provider", s("codika")),
        ("baseUrl", s(BASE)),
        ("email", s(EMAIL)),
        ("purpose", s(purpose)),
        ("program", s("codika")),
        ("flowId", s("f1")),
    ];
    config.extend(extra);
    Driver::start(obj(config))
}

fn t(at: i64) -> String {
    format_rfc3339(at)
}

/// The success answer of a `*-request`, issued at the driver's clock.
fn sent_body(d: &Driver, purpose: &str) -> String {
    format!(
        r#"{{"success":true,"data":{{"email":"{EMAIL}","purpose":"{purpose}","expiresAt":"{}","resendAvailableAt":"{}","codeLength":6}}}}"#,
        t(d.now + 600),
        t(d.now + 30)
    )
}

/// Requests a code and answers it; returns the `code_sent` output.
fn code_sent(d: &mut Driver) -> Value {
    let out = d.request_code();
    assert_eq!(action(&out), "send", "{}", out.to_json());
    let purpose = d.state.str_at("purpose").unwrap().to_string();
    let body = sent_body(d, &purpose);
    let out = d.respond(200, &body);
    assert_eq!(action(&out), "code_sent", "{}", out.to_json());
    out
}

fn error_body(code: &str, details: &str) -> String {
    let details = if details.is_empty() {
        String::new()
    } else {
        format!(r#","details":{details}"#)
    };
    format!(
        r#"{{"success":false,"error":{{"code":"{code}","message":"backend says {code}"{details}}}}}"#
    )
}

fn credential_body(org: (&str, &str), expires: &str) -> String {
    format!(
        r#"{{"success":true,"data":{{"apiKey":"{KEY}","keyId":"key_1","keyName":"CLI default key","keyPrefix":"cko_0123","scopes":{SCOPES},"expiresAt":{expires},"organization":{{"id":"{}","name":"{}"}},"user":{{"id":"usr_1","email":"{EMAIL}"}}}}}}"#,
        org.0, org.1
    )
}

fn path_of(out: &Value) -> String {
    request(out).1.trim_start_matches(BASE).to_string()
}

#[test]
fn signup_request_code_sent_complete() {
    let mut d = flow("signup");
    let out = d.request_code();
    let (method, url, body) = request(&out);
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("POST", "https://codika.example.test/cliRequestSignupOtp")
    );
    assert_eq!(body.to_json(), r#"{"email":"you@example.com"}"#);
    assert_eq!(d.phase(), "requesting");
    let body = sent_body(&d, "signup");
    let out = d.respond(200, &body);
    assert_eq!(action(&out), "code_sent");
    assert_eq!(out.str_at("action.purpose"), Some("signup"));
    assert_eq!(out.str_at("action.expiresAt"), Some("2026-11-22T17:50:00Z"));
    assert_eq!(
        out.str_at("action.resendAvailableAt"),
        Some("2026-11-22T17:40:30Z")
    );
    assert_eq!(out.path("action.switchedFrom"), None);
    assert_eq!(d.phase(), "code_sent");

    d.now += 42;
    let opts = obj(vec![
        ("companyName", s("Acme")),
        ("description", s("Robots")),
        ("keyName", s("agent key")),
        ("keyExpiresInDays", Value::Int(30)),
        ("organizationId", s("org_ignored_for_signup")),
    ]);
    let out = d.submit_with("123-456", opts);
    let (_, url, body) = request(&out);
    assert!(url.ends_with("/cliCompleteSignupOtp"));
    assert_eq!(
        body.to_json(),
        r#"{"email":"you@example.com","code":"123456","companyName":"Acme","description":"Robots","keyName":"agent key","keyExpiresInDays":30}"#
    );
    assert!(out
        .str_at("action.request.headers.idempotency-key")
        .unwrap()
        .starts_with("km-f1-"));
    let out = d.respond(
        200,
        &credential_body(("org_1", "Acme"), r#""2026-12-22T17:40:42Z""#),
    );
    assert_eq!(action(&out), "done", "{}", out.to_json());
    let c = out.get("action").unwrap().get("credential").unwrap();
    assert_eq!(c.str_at("apiKey"), Some(KEY));
    assert_eq!(c.str_at("keyId"), Some("key_1"));
    assert_eq!(c.str_at("keyName"), Some("CLI default key"));
    assert_eq!(c.str_at("keyPrefix"), Some("cko_0123"));
    assert_eq!(c.get("scopes").unwrap().to_json(), SCOPES);
    assert_eq!(c.str_at("expiresAt"), Some("2026-12-22T17:40:42Z"));
    assert_eq!(c.str_at("organization.id"), Some("org_1"));
    assert_eq!(c.str_at("organization.name"), Some("Acme"));
    assert_eq!(c.str_at("user.id"), Some("usr_1"));
    assert_eq!(c.str_at("user.email"), Some(EMAIL));
    assert_eq!(c.get("accountCreated"), Some(&Value::Bool(true)));
    assert_eq!(c.str_at("purpose"), Some("signup"));
    assert_eq!(d.phase(), "done");
    assert!(!d.state.to_json().contains(KEY), "the key is never saved");
    assert!(
        !d.state.to_json().contains("123456"),
        "the used code is dropped"
    );
    let again = d.request_code();
    assert_eq!(code(&again), "INVALID_STEP");
}

#[test]
fn login_request_code_sent_complete() {
    let mut d = flow("login");
    let out = d.request_code();
    assert_eq!(path_of(&out), "/cliRequestLoginOtp");
    let body = sent_body(&d, "login");
    d.respond(200, &body);
    let out = d.submit_with(
        "654 321",
        obj(vec![
            ("companyName", s("not sent on login")),
            ("keyName", s("ci")),
            ("keyExpiresInDays", s("7")),
        ]),
    );
    let (_, url, body) = request(&out);
    assert!(url.ends_with("/cliCompleteLoginOtp"));
    assert_eq!(
        body.to_json(),
        r#"{"email":"you@example.com","code":"654321","keyName":"ci","keyExpiresInDays":7}"#
    );
    let out = d.respond(200, &credential_body(("org_9", "Nine"), "null"));
    assert_eq!(action(&out), "done");
    assert_eq!(
        out.get("action")
            .unwrap()
            .get("credential")
            .unwrap()
            .get("accountCreated"),
        Some(&Value::Bool(false))
    );
    assert_eq!(out.path("action.credential.expiresAt"), None, "no expiry");
    assert_eq!(
        out.str_at("action.credential.organization.id"),
        Some("org_9")
    );
}

/// Puts a fresh flow of `purpose` where `step` answers, and feeds it `status` + body.
fn answer(purpose: &str, step: &str, status: i64, body: &str) -> (Driver, Value) {
    let mut d = flow(purpose);
    if step == "complete" {
        code_sent(&mut d);
        d.now += 5;
        let out = d.submit("123456");
        assert_eq!(action(&out), "send");
    } else {
        d.request_code();
    }
    let out = d.respond(status, body);
    (d, out)
}

#[test]
fn every_error_row_of_the_seed_tables() {
    let orgs = r#"{"organizations":[{"id":"org_a","name":"Alpha"},{"id":"org_b","name":"Beta"}]}"#;
    // (purpose, step, status, code, details, kind)
    let rows: &[(&str, &str, i64, &str, &str, &str)] = &[
        // codika auth signup-request
        ("signup", "request", 400, "EMAIL_REQUIRED", "", "fix_input"),
        ("signup", "request", 400, "EMAIL_INVALID", "", "fix_input"),
        (
            "signup",
            "request",
            409,
            "USER_ALREADY_HAS_ORGANIZATION",
            "",
            "switch_flow",
        ),
        (
            "signup",
            "request",
            429,
            "OTP_RESEND_COOLDOWN",
            r#"{"retryInSeconds":17}"#,
            "wait",
        ),
        (
            "signup",
            "request",
            429,
            "EMAIL_RATE_LIMITED",
            r#"{"retryInSeconds":1800}"#,
            "wait",
        ),
        (
            "signup",
            "request",
            429,
            "IP_RATE_LIMITED",
            r#"{"retryInSeconds":3599}"#,
            "wait",
        ),
        ("signup", "request", 500, "INTERNAL", "", "retry"),
        // codika auth signup-complete
        (
            "signup",
            "complete",
            400,
            "OTP_INVALID",
            r#"{"attemptsRemaining":4}"#,
            "retry_code",
        ),
        (
            "signup",
            "complete",
            404,
            "OTP_NOT_FOUND",
            "",
            "request_new_code",
        ),
        (
            "signup",
            "complete",
            410,
            "OTP_EXPIRED",
            "",
            "request_new_code",
        ),
        (
            "signup",
            "complete",
            409,
            "OTP_ALREADY_USED",
            "",
            "request_new_code",
        ),
        (
            "signup",
            "complete",
            409,
            "OTP_PURPOSE_MISMATCH",
            "",
            "request_new_code",
        ),
        (
            "signup",
            "complete",
            429,
            "OTP_LOCKED_OUT",
            "",
            "request_new_code",
        ),
        (
            "signup",
            "complete",
            409,
            "USER_ALREADY_HAS_ORGANIZATION",
            "",
            "switch_flow",
        ),
        (
            "signup",
            "complete",
            400,
            "COMPANY_NAME_TOO_LONG",
            "",
            "fix_input",
        ),
        (
            "signup",
            "complete",
            400,
            "INVALID_EXPIRES_IN_DAYS",
            "",
            "fix_input",
        ),
        (
            "signup",
            "complete",
            400,
            "ORGANIZATION_CREATION_FAILED",
            "",
            "retry",
        ),
        (
            "signup",
            "complete",
            422,
            "ORGANIZATION_CREATION_FAILED",
            "",
            "retry",
        ),
        (
            "signup",
            "complete",
            500,
            "ORGANIZATION_CREATION_FAILED",
            "",
            "retry",
        ),
        ("signup", "complete", 500, "INTERNAL", "", "retry"),
        // codika auth login-request (same shape, plus its own rows)
        ("login", "request", 400, "EMAIL_REQUIRED", "", "fix_input"),
        ("login", "request", 400, "EMAIL_INVALID", "", "fix_input"),
        (
            "login",
            "request",
            429,
            "OTP_RESEND_COOLDOWN",
            r#"{"retryInSeconds":29}"#,
            "wait",
        ),
        (
            "login",
            "request",
            429,
            "EMAIL_RATE_LIMITED",
            r#"{"retryInSeconds":60}"#,
            "wait",
        ),
        (
            "login",
            "request",
            429,
            "IP_RATE_LIMITED",
            r#"{"retryInSeconds":61}"#,
            "wait",
        ),
        ("login", "request", 500, "INTERNAL", "", "retry"),
        ("login", "request", 404, "USER_NOT_FOUND", "", "switch_flow"),
        (
            "login",
            "request",
            409,
            "USER_HAS_NO_ORGANIZATION",
            "",
            "switch_flow",
        ),
        // codika auth login-complete
        (
            "login",
            "complete",
            400,
            "OTP_INVALID",
            r#"{"attemptsRemaining":2}"#,
            "retry_code",
        ),
        (
            "login",
            "complete",
            404,
            "OTP_NOT_FOUND",
            "",
            "request_new_code",
        ),
        (
            "login",
            "complete",
            410,
            "OTP_EXPIRED",
            "",
            "request_new_code",
        ),
        (
            "login",
            "complete",
            409,
            "OTP_ALREADY_USED",
            "",
            "request_new_code",
        ),
        (
            "login",
            "complete",
            409,
            "OTP_PURPOSE_MISMATCH",
            "",
            "request_new_code",
        ),
        (
            "login",
            "complete",
            429,
            "OTP_LOCKED_OUT",
            "",
            "request_new_code",
        ),
        (
            "login",
            "complete",
            400,
            "INVALID_EXPIRES_IN_DAYS",
            "",
            "fix_input",
        ),
        (
            "login",
            "complete",
            403,
            "ORGANIZATION_NOT_MEMBER",
            orgs,
            "choose_organization",
        ),
        (
            "login",
            "complete",
            409,
            "ORGANIZATION_SELECTION_REQUIRED",
            orgs,
            "choose_organization",
        ),
        (
            "login",
            "complete",
            429,
            "MAX_API_KEYS_REACHED",
            "",
            "revoke_a_key",
        ),
        (
            "login",
            "complete",
            409,
            "USER_HAS_NO_ORGANIZATION",
            "",
            "switch_flow",
        ),
        ("login", "complete", 500, "INTERNAL", "", "retry"),
    ];
    for &(purpose, step, status, pcode, details, kind) in rows {
        let what = format!("{purpose}-{step} {status} {pcode}");
        let (d, out) = answer(purpose, step, status, &error_body(pcode, details));
        assert_eq!(action(&out), "error", "{what}: {}", out.to_json());
        assert_eq!(code(&out), pcode, "{what}");
        assert_eq!(next_kind(&out), kind, "{what}");
        assert_eq!(common::status(&out), Some(status), "{what}");
        assert_eq!(out.str_at("action.error.providerCode"), Some(pcode));
        assert_eq!(
            out.str_at("action.error.message"),
            Some(format!("backend says {pcode}").as_str()),
            "{what}: the backend's message is surfaced"
        );
        assert!(!local(&out), "{what}");
        // The human text names our program and the exact command.
        let cmd = command(&out);
        assert!(
            cmd.starts_with("codika auth "),
            "{what}: command {cmd:?} / text {:?}",
            text(&out)
        );
        assert!(text(&out).contains(cmd), "{what}");
        let na = |k: &str| out.path(&format!("action.error.nextAction.{k}")).cloned();
        match kind {
            "fix_input" => {
                let field = match pcode {
                    "COMPANY_NAME_TOO_LONG" => "companyName",
                    "INVALID_EXPIRES_IN_DAYS" => "keyExpiresInDays",
                    _ => "email",
                };
                assert_eq!(na("field"), Some(s(field)), "{what}");
            }
            "wait" => {
                let secs = parse(details).unwrap().int_at("retryInSeconds").unwrap();
                assert_eq!(na("retryAfterSeconds"), Some(Value::Int(secs)), "{what}");
                assert_eq!(
                    out.int_at("action.error.details.retryAfterSeconds"),
                    Some(secs)
                );
                assert_eq!(
                    cmd,
                    format!("codika auth {purpose}-request --email {EMAIL}"),
                    "{what}"
                );
            }
            "switch_flow" => {
                let to = if pcode == "USER_ALREADY_HAS_ORGANIZATION" {
                    "login"
                } else {
                    "signup"
                };
                assert_eq!(na("to"), Some(s(to)), "{what}");
                assert_eq!(cmd, format!("codika auth {to}-request --email {EMAIL}"));
                assert_eq!(d.phase(), "ready", "{what}: a new code is needed");
                assert_eq!(d.state.str_at("purpose"), Some(purpose), "not auto");
            }
            "request_new_code" => {
                assert_eq!(
                    cmd,
                    format!("codika auth {purpose}-request --email {EMAIL}")
                );
                assert_eq!(d.state.path("code"), None, "{what}: the code is dropped");
            }
            "retry_code" => {
                let left = parse(details).unwrap().int_at("attemptsRemaining");
                assert_eq!(out.int_at("action.error.details.attemptsRemaining"), left);
                assert_eq!(d.state.int_at("attemptsRemaining"), left);
                assert_eq!(
                    cmd,
                    format!("codika auth {purpose}-complete --email {EMAIL} --code <code>")
                );
            }
            "choose_organization" => {
                assert_eq!(
                    na("organizations").unwrap().to_json(),
                    r#"[{"id":"org_a","name":"Alpha"},{"id":"org_b","name":"Beta"}]"#
                );
                assert_eq!(d.phase(), "choose_organization");
                assert!(cmd.ends_with("--organization-id <id>"), "{what}");
            }
            "revoke_a_key" => {
                assert_eq!(d.phase(), "code_sent");
                assert!(d.state.str_at("code").is_some(), "the code is kept");
            }
            "retry" => {
                let want = if step == "request" {
                    format!("codika auth {purpose}-request --email {EMAIL}")
                } else {
                    format!("codika auth {purpose}-complete --email {EMAIL} --code <code>")
                };
                assert_eq!(cmd, want, "{what}");
            }
            _ => unreachable!(),
        }
    }
}

#[test]
fn whoami_and_unauthenticated() {
    let cfg = obj(vec![
        ("provider", s("codika")),
        ("baseUrl", s(BASE)),
        ("apiKey", s(KEY)),
    ]);
    let out = call(obj(vec![("op", s("whoami")), ("config", cfg.clone())]));
    let (method, url, _) = request(&out);
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("GET", "https://codika.example.test/cliWhoami")
    );
    let bearer = format!("Bearer {KEY}");
    assert_eq!(
        out.str_at("action.request.headers.authorization"),
        Some(bearer.as_str())
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
        r#"{"success":true,"data":{"organization":{"id":"org_1","name":"Acme"},"user":{"id":"usr_1","email":"you@example.com"},"key":{"id":"key_1","name":"n","prefix":"cko_0123","scopes":[],"expiresAt":null}}}"#,
    );
    assert_eq!(out.str_at("action.identity.organization.id"), Some("org_1"));
    let out = resp(401, &error_body("UNAUTHENTICATED", ""));
    assert_eq!(
        (code(&out), next_kind(&out), status(&out)),
        ("UNAUTHENTICATED", "sign_in_again", Some(401))
    );
}

#[test]
fn retry_figures_come_from_details_retry_after_or_x_retry_after() {
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, i64);
    let cases: &[Case] = &[
        (r#"{"retryInSeconds":7}"#, vec![("retry-after", "7")], 7),
        ("", vec![("retry-after", "12")], 12),
        ("", vec![("x-retry-after", "9")], 9),
    ];
    for (details, headers, want) in cases {
        let mut d = flow("login");
        d.request_code();
        let out = d.respond_h(
            429,
            &error_body("EMAIL_RATE_LIMITED", details),
            headers.clone(),
        );
        assert_eq!(next_kind(&out), "wait");
        assert_eq!(
            out.int_at("action.error.nextAction.retryAfterSeconds"),
            Some(*want)
        );
        assert!(text(&out).starts_with(&format!(
            "Wait {want} seconds, then run: codika auth login-request"
        )));
    }
    // A 429 with no figure anywhere: no wait helps, retry later.
    let mut d = flow("login");
    d.request_code();
    let out = d.respond(429, &error_body("EMAIL_RATE_LIMITED", ""));
    assert_eq!(next_kind(&out), "retry");
}

#[test]
fn attempts_count_down_then_lockout_then_the_local_guard() {
    let mut d = flow("login");
    code_sent(&mut d);
    for left in [4, 3, 2, 1] {
        d.now += 3;
        let out = d.submit("000000");
        assert_eq!(action(&out), "send");
        let out = d.respond(
            400,
            &error_body("OTP_INVALID", &format!(r#"{{"attemptsRemaining":{left}}}"#)),
        );
        assert_eq!((code(&out), next_kind(&out)), ("OTP_INVALID", "retry_code"));
        assert_eq!(
            out.int_at("action.error.details.attemptsRemaining"),
            Some(left)
        );
        assert_eq!(d.state.int_at("attemptsRemaining"), Some(left));
        let plural = if left == 1 { "attempt" } else { "attempts" };
        assert!(
            text(&out).contains(&format!("({left} {plural} left)")),
            "{}",
            text(&out)
        );
        assert_eq!(d.phase(), "code_sent");
    }
    d.now += 3;
    d.submit("000000");
    let out = d.respond(429, &error_body("OTP_LOCKED_OUT", ""));
    assert_eq!(
        (code(&out), next_kind(&out), status(&out)),
        ("OTP_LOCKED_OUT", "request_new_code", Some(429))
    );
    assert_eq!(
        command(&out),
        "codika auth login-request --email you@example.com"
    );
    assert_eq!(d.state.int_at("attemptsRemaining"), Some(0));
    assert_eq!(
        d.state.str_at("lockedUntil"),
        d.state.str_at("expiresAt"),
        "locked while the deleted code would have lived"
    );
    // The local guard: the right code now costs no request.
    let out = d.submit("123456");
    assert_eq!(
        (code(&out), next_kind(&out)),
        ("OTP_LOCKED_OUT", "request_new_code")
    );
    assert!(local(&out));
    assert_eq!(status(&out), None);
    // A new code (past the resend cooldown) lifts the lock.
    d.now = T0 + 30;
    code_sent(&mut d);
    assert_eq!(d.state.path("lockedUntil"), None);
    assert_eq!(d.state.path("attemptsRemaining"), None);
    assert_eq!(action(&d.submit("123456")), "send");
}

#[test]
fn resend_cooldown_is_answered_locally_from_the_saved_resend_time() {
    let mut d = flow("signup");
    d.request_code();
    // The server may name a later resend time than its constant: the saved one wins.
    let body = format!(
        r#"{{"success":true,"data":{{"email":"{EMAIL}","purpose":"signup","expiresAt":"{}","resendAvailableAt":"{}","codeLength":6}}}}"#,
        t(T0 + 600),
        t(T0 + 45)
    );
    d.respond(200, &body);
    for (at, wait) in [(T0, 45), (T0 + 10, 35), (T0 + 44, 1)] {
        d.now = at;
        let before = d.state.clone();
        let out = d.request_code();
        assert_eq!(
            (code(&out), next_kind(&out)),
            ("OTP_RESEND_COOLDOWN", "wait"),
            "{}",
            out.to_json()
        );
        assert!(local(&out));
        assert_eq!(
            out.int_at("action.error.nextAction.retryAfterSeconds"),
            Some(wait)
        );
        assert_eq!(
            out.int_at("action.error.details.retryAfterSeconds"),
            Some(wait)
        );
        assert_eq!(
            command(&out),
            "codika auth signup-request --email you@example.com"
        );
        assert_eq!(d.state, before, "nothing changed");
    }
    d.now = T0 + 45;
    let out = d.request_code();
    assert_eq!(action(&out), "send");
    // A server cooldown answer is remembered too.
    let out = d.respond_h(
        429,
        &error_body("OTP_RESEND_COOLDOWN", r#"{"retryInSeconds":5}"#),
        vec![("retry-after", "5")],
    );
    assert_eq!(next_kind(&out), "wait");
    assert_eq!(
        d.state.str_at("resendAvailableAt"),
        Some(t(T0 + 50).as_str())
    );
    assert_eq!(d.phase(), "code_sent", "the first code is still usable");
    d.now = T0 + 46;
    let out = d.request_code();
    assert!(local(&out));
    assert_eq!(
        out.int_at("action.error.nextAction.retryAfterSeconds"),
        Some(4)
    );
}

#[test]
fn expiry_is_answered_locally() {
    let mut d = flow("login");
    code_sent(&mut d);
    d.now = T0 + 599;
    assert_eq!(action(&d.submit("123456")), "send");
    d.fail("network");
    let out = d.fail("network");
    assert_eq!(code(&out), "NETWORK_ERROR");
    d.now = T0 + 600;
    let out = d.submit("123456");
    assert_eq!(
        (code(&out), next_kind(&out)),
        ("OTP_EXPIRED", "request_new_code")
    );
    assert!(local(&out));
    assert_eq!(
        command(&out),
        "codika auth login-request --email you@example.com"
    );
    assert_eq!(d.phase(), "ready");
    assert_eq!(d.state.path("expiresAt"), None);
}

#[test]
fn purpose_mismatch_asks_for_a_code_of_the_matching_purpose() {
    let mut d = flow("signup");
    code_sent(&mut d);
    // The caller sends the signup code to the login endpoint with a URL override.
    let out = d.event_with(
        "submit_code",
        vec![
            ("code", s("123456")),
            ("nonce", s(&nonce())),
            ("url", s("https://codika.example.test/cliCompleteLoginOtp")),
        ],
    );
    assert_eq!(
        request(&out).1,
        "https://codika.example.test/cliCompleteLoginOtp"
    );
    let out = d.respond(409, &error_body("OTP_PURPOSE_MISMATCH", ""));
    assert_eq!(
        (code(&out), next_kind(&out), status(&out)),
        ("OTP_PURPOSE_MISMATCH", "request_new_code", Some(409))
    );
    assert_eq!(
        command(&out),
        "codika auth signup-request --email you@example.com"
    );
    assert_eq!(d.phase(), "ready");
    assert_eq!(d.state.path("stepUrl"), None, "the override lasts one step");
    // Not a failed attempt, and the resend cooldown still holds.
    assert_eq!(d.state.path("attemptsRemaining"), None);
    assert!(local(&d.request_code()));
}

#[test]
fn organization_choice_is_a_state_and_the_same_code_is_resent() {
    let mut d = flow("login");
    code_sent(&mut d);
    let out = d.submit_with("123456", obj(vec![("keyName", s("ci"))]));
    let first_key = out
        .str_at("action.request.headers.idempotency-key")
        .unwrap()
        .to_string();
    let out = d.respond(
        409,
        &error_body(
            "ORGANIZATION_SELECTION_REQUIRED",
            r#"{"organizations":[{"id":"org_a","name":"Alpha"},{"id":"org_b","name":"Beta"}]}"#,
        ),
    );
    assert_eq!(next_kind(&out), "choose_organization");
    assert_eq!(d.phase(), "choose_organization");
    assert_eq!(
        d.state.get("organizations").unwrap().to_json(),
        r#"[{"id":"org_a","name":"Alpha"},{"id":"org_b","name":"Beta"}]"#
    );
    assert_eq!(
        text(&out),
        "Choose an organization (org_a = Alpha, org_b = Beta) and run: codika auth login-complete --email you@example.com --code <code> --key-name ci --organization-id <id>"
    );
    // Saved and resumed in another process, the choice is still open.
    d.reload();
    // Not one of the listed organizations: answered locally, the list kept.
    let before = d.state.clone();
    let out = d.choose("org_zzz");
    assert_eq!(
        (code(&out), next_kind(&out)),
        ("ORGANIZATION_NOT_MEMBER", "choose_organization")
    );
    assert!(local(&out));
    assert_eq!(
        out.path("action.error.nextAction.organizations")
            .unwrap()
            .to_json(),
        r#"[{"id":"org_a","name":"Alpha"},{"id":"org_b","name":"Beta"}]"#
    );
    assert_eq!(d.state, before);
    // The same code goes again with the organization.
    let out = d.choose("org_b");
    let (_, url, body) = request(&out);
    assert!(url.ends_with("/cliCompleteLoginOtp"));
    assert_eq!(
        body.to_json(),
        r#"{"email":"you@example.com","code":"123456","keyName":"ci","organizationId":"org_b"}"#
    );
    assert_ne!(
        out.str_at("action.request.headers.idempotency-key"),
        Some(first_key.as_str())
    );
    // The server no longer counts org_b (removed meanwhile): the valid list comes back.
    let out = d.respond(
        403,
        &error_body(
            "ORGANIZATION_NOT_MEMBER",
            r#"{"organizations":[{"id":"org_a","name":"Alpha"}]}"#,
        ),
    );
    assert_eq!(
        (code(&out), next_kind(&out), status(&out)),
        ("ORGANIZATION_NOT_MEMBER", "choose_organization", Some(403))
    );
    assert_eq!(d.phase(), "choose_organization");
    assert_eq!(
        d.state.get("organizations").unwrap().to_json(),
        r#"[{"id":"org_a","name":"Alpha"}]"#
    );
    assert_eq!(
        command(&out),
        "codika auth login-complete --email you@example.com --code <code> --key-name ci --organization-id <id>"
    );
    let out = d.choose("org_a");
    assert_eq!(request(&out).2.str_at("organizationId"), Some("org_a"));
    let out = d.respond(200, &credential_body(("org_a", "Alpha"), "null"));
    assert_eq!(action(&out), "done");
    assert_eq!(
        out.str_at("action.credential.organization.name"),
        Some("Alpha")
    );
    assert_eq!(d.state.path("organizations"), None);
}

#[test]
fn organization_id_given_up_front_and_refused() {
    let mut d = flow("login");
    code_sent(&mut d);
    let out = d.submit_with("123456", obj(vec![("organizationId", s("org_x"))]));
    assert_eq!(request(&out).2.str_at("organizationId"), Some("org_x"));
    let out = d.respond(
        403,
        &error_body(
            "ORGANIZATION_NOT_MEMBER",
            r#"{"organizations":[{"id":"org_a","name":"Alpha"}]}"#,
        ),
    );
    assert_eq!(next_kind(&out), "choose_organization");
    assert_eq!(d.phase(), "choose_organization");
    let out = d.choose("org_a");
    assert_eq!(request(&out).2.str_at("organizationId"), Some("org_a"));
    // A signup flow has no organization to choose.
    let mut d = flow("signup");
    code_sent(&mut d);
    assert_eq!(code(&d.choose("org_a")), "INVALID_STEP");
}

#[test]
fn key_cap_keeps_the_code_for_a_retry_or_another_organization() {
    let mut d = flow("login");
    code_sent(&mut d);
    d.submit_with("123456", obj(vec![("organizationId", s("org_full"))]));
    let out = d.respond(429, &error_body("MAX_API_KEYS_REACHED", ""));
    assert_eq!(
        (code(&out), next_kind(&out), status(&out)),
        ("MAX_API_KEYS_REACHED", "revoke_a_key", Some(429))
    );
    assert_eq!(out.path("action.error.nextAction.retryAfterSeconds"), None);
    assert_eq!(
        command(&out),
        "codika auth login-complete --email you@example.com --code <code> --organization-id org_full"
    );
    assert!(text(&out).contains("Revoke one from the dashboard"));
    assert_eq!(d.phase(), "code_sent");
    // After revoking a key the same code is accepted again …
    let out = d.submit("123456");
    assert_eq!(request(&out).2.str_at("organizationId"), Some("org_full"));
    d.respond(429, &error_body("MAX_API_KEYS_REACHED", ""));
    // … or another organization is chosen with it.
    let out = d.choose("org_other");
    assert_eq!(
        request(&out).2.to_json(),
        r#"{"email":"you@example.com","code":"123456","organizationId":"org_other"}"#
    );
    let out = d.respond(200, &credential_body(("org_other", "Other"), "null"));
    assert_eq!(action(&out), "done");
}

#[test]
fn auto_switches_signup_to_login_when_the_email_owns_an_organization() {
    let mut d = flow("auto");
    assert_eq!(
        d.state.str_at("purpose"),
        Some("signup"),
        "optimistic signup"
    );
    let out = d.request_code();
    assert_eq!(path_of(&out), "/cliRequestSignupOtp");
    let out = d.respond(409, &error_body("USER_ALREADY_HAS_ORGANIZATION", ""));
    assert_eq!(action(&out), "send", "switched without asking");
    assert_eq!(path_of(&out), "/cliRequestLoginOtp");
    assert_eq!(request(&out).2.to_json(), r#"{"email":"you@example.com"}"#);
    let body = sent_body(&d, "login");
    let out = d.respond(200, &body);
    assert_eq!(action(&out), "code_sent");
    assert_eq!(out.str_at("action.switchedFrom"), Some("signup"));
    assert_eq!(out.str_at("action.purpose"), Some("login"));
    d.reload();
    let out = d.submit_with("123456", obj(vec![("companyName", s("Acme"))]));
    assert_eq!(path_of(&out), "/cliCompleteLoginOtp");
    let out = d.respond(200, &credential_body(("org_1", "Acme"), "null"));
    assert_eq!(action(&out), "done");
    let c = out.get("action").unwrap().get("credential").unwrap();
    assert_eq!(c.get("accountCreated"), Some(&Value::Bool(false)));
    assert_eq!(c.str_at("switchedFrom"), Some("signup"));
    assert_eq!(c.str_at("purpose"), Some("login"));
}

#[test]
fn auto_switches_login_to_signup_when_there_is_no_account_or_organization() {
    for refusal in [(404, "USER_NOT_FOUND"), (409, "USER_HAS_NO_ORGANIZATION")] {
        // An auto flow that switched to login earlier …
        let mut d = flow("auto");
        d.request_code();
        d.respond(409, &error_body("USER_ALREADY_HAS_ORGANIZATION", ""));
        let body = sent_body(&d, "login");
        d.respond(200, &body);
        // … asks again once its organizations are gone (or the account is).
        d.now = T0 + 30;
        let out = d.request_code();
        assert_eq!(path_of(&out), "/cliRequestLoginOtp");
        let out = d.respond(refusal.0, &error_body(refusal.1, ""));
        assert_eq!(action(&out), "send", "{}", refusal.1);
        assert_eq!(path_of(&out), "/cliRequestSignupOtp");
        let body = sent_body(&d, "signup");
        let out = d.respond(200, &body);
        assert_eq!(out.str_at("action.switchedFrom"), Some("login"));
        assert_eq!(out.str_at("action.purpose"), Some("signup"));
        let out = d.submit("123456");
        assert_eq!(path_of(&out), "/cliCompleteSignupOtp");
        let out = d.respond(200, &credential_body(("org_2", "My Organization"), "null"));
        let c = out.get("action").unwrap().get("credential").unwrap();
        assert_eq!(c.get("accountCreated"), Some(&Value::Bool(true)));
        assert_eq!(c.str_at("switchedFrom"), Some("login"));
    }
}

#[test]
fn auto_switches_at_most_once_per_step() {
    let mut d = flow("auto");
    d.request_code();
    let out = d.respond(409, &error_body("USER_ALREADY_HAS_ORGANIZATION", ""));
    assert_eq!(path_of(&out), "/cliRequestLoginOtp");
    // The organization vanished between the two answers: no ping-pong.
    let out = d.respond(409, &error_body("USER_HAS_NO_ORGANIZATION", ""));
    assert_eq!(action(&out), "error");
    assert_eq!(
        (code(&out), next_kind(&out)),
        ("USER_HAS_NO_ORGANIZATION", "switch_flow")
    );
    assert_eq!(out.str_at("action.error.nextAction.to"), Some("signup"));
    assert_eq!(
        command(&out),
        "codika auth signup-request --email you@example.com"
    );
    assert_eq!(d.phase(), "ready");
    assert_eq!(
        d.state.path("switchedInStep"),
        None,
        "the guard ends with the step"
    );
    // The next step may switch again.
    let out = d.request_code();
    assert_eq!(path_of(&out), "/cliRequestLoginOtp");
    let out = d.respond(409, &error_body("USER_HAS_NO_ORGANIZATION", ""));
    assert_eq!(path_of(&out), "/cliRequestSignupOtp");
}

#[test]
fn auto_switches_purpose_when_a_complete_races() {
    // Login complete: every organization went away between request and complete.
    let mut d = flow("auto");
    d.request_code();
    d.respond(409, &error_body("USER_ALREADY_HAS_ORGANIZATION", ""));
    let body = sent_body(&d, "login");
    d.respond(200, &body);
    d.submit("123456");
    let out = d.respond(409, &error_body("USER_HAS_NO_ORGANIZATION", ""));
    assert_eq!(
        (code(&out), next_kind(&out), status(&out)),
        ("USER_HAS_NO_ORGANIZATION", "switch_flow", Some(409))
    );
    assert_eq!(
        command(&out),
        "codika auth signup-request --email you@example.com"
    );
    assert_eq!(d.state.str_at("purpose"), Some("signup"));
    assert_eq!(d.state.str_at("switchedFrom"), Some("login"));
    assert_eq!(d.phase(), "ready");
    d.now = T0 + 30;
    let out = d.request_code();
    assert_eq!(path_of(&out), "/cliRequestSignupOtp");

    // Signup complete without auto: the flow stays a signup and says where to go.
    let mut d = flow("signup");
    code_sent(&mut d);
    d.submit("123456");
    let out = d.respond(409, &error_body("USER_ALREADY_HAS_ORGANIZATION", ""));
    assert_eq!(out.str_at("action.error.nextAction.to"), Some("login"));
    assert_eq!(
        command(&out),
        "codika auth login-request --email you@example.com"
    );
    assert_eq!(d.state.str_at("purpose"), Some("signup"));
    assert_eq!(d.state.path("switchedFrom"), None);
}

#[test]
fn explicit_purposes_never_switch() {
    let (d, out) = answer(
        "signup",
        "request",
        409,
        &error_body("USER_ALREADY_HAS_ORGANIZATION", ""),
    );
    assert_eq!(action(&out), "error");
    assert_eq!(
        text(&out),
        "This email already has an account. Run: codika auth login-request --email you@example.com"
    );
    assert_eq!(d.state.str_at("purpose"), Some("signup"));
    let (_, out) = answer("login", "request", 404, &error_body("USER_NOT_FOUND", ""));
    assert_eq!(action(&out), "error");
    assert_eq!(
        command(&out),
        "codika auth signup-request --email you@example.com"
    );
}

fn submit_options(d: &mut Driver, options: Value) -> Value {
    d.submit_with("123456", options)
}

#[test]
fn complete_options_are_checked_locally() {
    let mut d = flow("signup");
    code_sent(&mut d);
    let ok_company = |name: String| obj(vec![("companyName", s(&name))]);
    let before = d.state.clone();
    for (name, ok) in [
        ("a".repeat(100), true),
        ("a".repeat(101), false),
        ("é".repeat(100), true),
        ("é".repeat(101), false),
        ("🦀".repeat(100), true),
        ("🦀".repeat(101), false),
        (format!("{}{}", "x".repeat(99), "漢"), true),
    ] {
        let mut d = copy(&d);
        let out = submit_options(&mut d, ok_company(name.clone()));
        if ok {
            assert_eq!(action(&out), "send", "{} chars", name.chars().count());
            assert_eq!(request(&out).2.str_at("companyName"), Some(name.as_str()));
        } else {
            assert_eq!(
                (code(&out), next_kind(&out)),
                ("COMPANY_NAME_TOO_LONG", "fix_input"),
                "{} bytes",
                name.len()
            );
            assert_eq!(
                out.str_at("action.error.nextAction.field"),
                Some("companyName")
            );
            assert!(local(&out));
            assert_eq!(d.state, before, "nothing recorded, nothing sent");
            assert_eq!(
                command(&out),
                "codika auth signup-complete --email you@example.com --code <code> --company <name>"
            );
        }
    }
    for (days, ok) in [
        (Value::Int(0), false),
        (Value::Int(1), true),
        (Value::Int(365), true),
        (Value::Int(366), false),
        (s("abc"), false),
        (s("30"), true),
        (Value::Int(-1), false),
    ] {
        let mut d = copy(&d);
        let out = submit_options(&mut d, obj(vec![("keyExpiresInDays", days.clone())]));
        if ok {
            assert_eq!(action(&out), "send", "{days:?}");
            assert_eq!(
                request(&out).2.get("keyExpiresInDays"),
                Some(&Value::Int(days.as_i64().unwrap()))
            );
        } else {
            assert_eq!(
                (code(&out), next_kind(&out)),
                ("INVALID_EXPIRES_IN_DAYS", "fix_input"),
                "{days:?}"
            );
            assert_eq!(
                out.str_at("action.error.nextAction.field"),
                Some("keyExpiresInDays")
            );
            assert!(local(&out));
            assert!(command(&out).ends_with("--key-expires-in <days>"));
        }
    }
    // The code itself: six digits once spaces and dashes are gone.
    for (raw, ok) in [
        ("123456", true),
        ("12 34 56", true),
        ("123-456", true),
        (" 1-2 3-4 5-6 ", true),
        ("12345", false),
        ("1234567", false),
        ("12a456", false),
        ("", false),
    ] {
        let mut d = copy(&d);
        let out = d.submit(raw);
        if ok {
            assert_eq!(request(&out).2.str_at("code"), Some("123456"), "{raw:?}");
        } else {
            assert_eq!(
                (code(&out), next_kind(&out)),
                ("OTP_INVALID", "fix_input"),
                "{raw:?}"
            );
            assert!(local(&out));
            assert_eq!(
                command(&out),
                "codika auth signup-complete --email you@example.com --code <code>"
            );
        }
    }
    // Options given at start are checked the same way.
    for (opt, want) in [
        (
            ("companyName", s(&"é".repeat(101))),
            "COMPANY_NAME_TOO_LONG",
        ),
        (("keyExpiresInDays", s("abc")), "INVALID_EXPIRES_IN_DAYS"),
        (
            ("keyExpiresInDays", Value::Int(366)),
            "INVALID_EXPIRES_IN_DAYS",
        ),
    ] {
        let out = start_out(obj(vec![
            ("provider", s("codika")),
            ("email", s(EMAIL)),
            ("options", obj(vec![opt])),
        ]));
        assert_eq!(code(&out), want);
    }
    // Emails: blank and malformed, before anything is sent.
    for (email, want) in [
        ("", "EMAIL_REQUIRED"),
        ("  ", "EMAIL_REQUIRED"),
        ("you@", "EMAIL_INVALID"),
        ("you example.com", "EMAIL_INVALID"),
    ] {
        let out = start_out(obj(vec![("provider", s("codika")), ("email", s(email))]));
        assert_eq!(
            (code(&out), next_kind(&out)),
            (want, "fix_input"),
            "{email:?}"
        );
        assert_eq!(out.str_at("action.error.nextAction.field"), Some("email"));
    }
}

/// A copy of a driver, to try several inputs from the same state.
fn copy(d: &Driver) -> Driver {
    Driver {
        state: d.state.clone(),
        now: d.now,
        last: Value::Null,
    }
}

#[test]
fn saved_codika_flows_resume_and_refuse_tampering() {
    let mut d = flow("login");
    code_sent(&mut d);
    d.submit("000000");
    d.respond(
        400,
        &error_body("OTP_INVALID", r#"{"attemptsRemaining":4}"#),
    );
    d.submit_with("123456", obj(vec![("keyName", s("ci"))]));
    d.respond(
        409,
        &error_body(
            "ORGANIZATION_SELECTION_REQUIRED",
            r#"{"organizations":[{"id":"org_a","name":"Alpha"},{"id":"org_b","name":"Beta"}]}"#,
        ),
    );
    let saved = d.state.to_json();
    let doc = parse(&saved).unwrap();
    for (k, v) in [
        ("v", "1"),
        ("provider", r#""codika""#),
        ("baseUrl", r#""https://codika.example.test""#),
        ("email", r#""you@example.com""#),
        ("purpose", r#""login""#),
        ("phase", r#""choose_organization""#),
        ("expiresAt", r#""2026-11-22T17:50:00Z""#),
        ("resendAvailableAt", r#""2026-11-22T17:40:30Z""#),
        ("attemptsRemaining", "4"),
        (
            "organizations",
            r#"[{"id":"org_a","name":"Alpha"},{"id":"org_b","name":"Beta"}]"#,
        ),
    ] {
        assert_eq!(doc.get(k).map(Value::to_json).as_deref(), Some(v), "{k}");
    }
    assert!(doc.str_at("check").is_some());
    // Resumed from text, it carries on.
    let mut again = Driver {
        state: parse(&saved).unwrap(),
        now: T0 + 9,
        last: Value::Null,
    };
    let out = again.choose("org_a");
    assert_eq!(request(&out).2.str_at("organizationId"), Some("org_a"));
    // Every saved field is covered by the check.
    for (from, to) in [
        (r#""attemptsRemaining":4"#, r#""attemptsRemaining":5"#),
        ("17:50:00Z", "18:50:00Z"),
        ("17:40:30Z", "17:40:00Z"),
        (r#""name":"Beta""#, r#""name":"Evil""#),
        (r#""purpose":"login""#, r#""purpose":"signup""#),
        ("https://codika.example.test", "https://evil.example.test"),
    ] {
        assert!(saved.contains(from), "{from}");
        let tampered = saved.replace(from, to);
        let out = call(obj(vec![
            ("op", s("validate")),
            ("state", parse(&tampered).unwrap()),
        ]));
        assert_eq!(code(&out), "INVALID_STATE", "{from}");
        assert!(
            out.str_at("action.error.message")
                .unwrap()
                .contains("altered"),
            "{from}"
        );
        let mut bad = Driver {
            state: parse(&tampered).unwrap(),
            now: T0,
            last: Value::Null,
        };
        assert_eq!(code(&bad.choose("org_a")), "INVALID_STATE");
    }
    for version in [r#""v":2"#, r#""v":0"#, r#""v":"1""#] {
        let out = call(obj(vec![
            ("op", s("validate")),
            ("state", parse(&saved.replace(r#""v":1"#, version)).unwrap()),
        ]));
        assert_eq!(code(&out), "INVALID_STATE", "{version}");
        assert!(out
            .str_at("action.error.message")
            .unwrap()
            .contains("version"));
    }
    let out = call(obj(vec![("op", s("validate")), ("state", s("nope"))]));
    assert_eq!(code(&out), "INVALID_STATE");
    // A locked-out flow keeps its lock across a save.
    let mut d = flow("signup");
    code_sent(&mut d);
    d.submit("000000");
    d.respond(429, &error_body("OTP_LOCKED_OUT", ""));
    d.reload();
    assert_eq!(code(&d.submit("123456")), "OTP_LOCKED_OUT");
    assert!(local(&d.last));
}

#[test]
fn per_step_url_overrides_replace_the_whole_endpoint_url() {
    let mut d = flow("signup");
    let custom = "https://proxy.example.test/v2/cliRequestSignupOtp?tenant=a";
    let out = d.event_with("request_code", vec![("url", s(custom))]);
    assert_eq!(request(&out).1, custom);
    assert_eq!(
        d.state.str_at("stepUrl"),
        Some(custom),
        "kept while in flight"
    );
    let body = sent_body(&d, "signup");
    d.respond(200, &body);
    assert_eq!(d.state.path("stepUrl"), None, "gone once the step ends");
    // Without an override the next step uses the base URL again.
    let complete = "http://127.0.0.1:9/cliCompleteSignupOtp";
    let out = d.event_with(
        "submit_code",
        vec![
            ("code", s("123456")),
            ("nonce", s(&nonce())),
            ("options", obj(vec![("keyName", s("k"))])),
            ("url", s(complete)),
        ],
    );
    let (_, url, body) = request(&out);
    assert_eq!(url, complete);
    assert_eq!(body.str_at("keyName"), Some("k"));
    // The one automatic re-send after a lost answer goes to the same URL.
    let out = d.fail("network");
    assert_eq!(request(&out).1, complete);
    let out = d.respond(200, &credential_body(("org_1", "Acme"), "null"));
    assert_eq!(action(&out), "done");

    // Refused like a base URL: http:// only to loopback; nothing is sent.
    let mut d = flow("login");
    let before = d.state.clone();
    let out = d.event_with("request_code", vec![("url", s("http://example.com/x"))]);
    assert_eq!((code(&out), next_kind(&out)), ("INSECURE_URL", "fix_input"));
    assert_eq!(out.str_at("action.error.nextAction.field"), Some("url"));
    assert!(local(&out));
    assert_eq!(d.state, before);
    for bad in ["", "ftp://x", "http://127.0.0@evil.com/x", "https://a b/"] {
        let out = d.event_with("request_code", vec![("url", s(bad))]);
        assert_eq!(code(&out), "INSECURE_URL", "{bad:?}");
    }
    code_sent(&mut d);
    let out = d.event_with(
        "submit_code",
        vec![
            ("code", s("123456")),
            ("nonce", s(&nonce())),
            ("url", s("http://evil.test/x")),
        ],
    );
    assert_eq!(code(&out), "INSECURE_URL");
    // allowInsecure lifts the rule for overrides too.
    let mut d = flow_with("login", vec![("allowInsecure", Value::Bool(true))]);
    let out = d.event_with("request_code", vec![("url", s("http://example.com/x"))]);
    assert_eq!(request(&out).1, "http://example.com/x");

    // An automatic switch calls another endpoint: the override does not follow it.
    let mut d = flow("auto");
    d.event_with(
        "request_code",
        vec![("url", s("https://proxy.example.test/signup"))],
    );
    let out = d.respond(409, &error_body("USER_ALREADY_HAS_ORGANIZATION", ""));
    assert_eq!(
        request(&out).1,
        "https://codika.example.test/cliRequestLoginOtp"
    );

    // Choosing an organization may name the URL too.
    let mut d = flow("login");
    code_sent(&mut d);
    d.submit("123456");
    d.respond(
        409,
        &error_body(
            "ORGANIZATION_SELECTION_REQUIRED",
            r#"{"organizations":[{"id":"org_a","name":"A"},{"id":"org_b","name":"B"}]}"#,
        ),
    );
    let out = d.event_with(
        "choose_organization",
        vec![
            ("organizationId", s("org_b")),
            ("nonce", s(&nonce())),
            ("url", s("https://proxy.example.test/login-complete")),
        ],
    );
    assert_eq!(request(&out).1, "https://proxy.example.test/login-complete");
}

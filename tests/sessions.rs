//! OTP sessions API transcripts with a fixed clock: every row of
//! ../shared/protocols/sessions.md — the email-code flow (the `sessions` preset)
//! into an access + refresh token pair, then refresh, revoke and check.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod session_common;
use common::{Driver, T0};
use keymint::json::{obj, s, Value};
use session_common::base as common;
use session_common::{
    action, answer, code, local, next_kind, request, session_request, session_response, text,
};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const BASE: &str = "http://127.0.0.1:5173";
const AT: &str = "at_0123456789abcdefghijABCDEFGHIJ0123456789";
const RT: &str = "rt_0123456789abcdefghijABCDEFGHIJ0123456789abcdefgh";

fn flow(purpose: &str) -> Driver {
    Driver::start(obj(vec![
        ("provider", s("sessions")),
        ("baseUrl", s(BASE)),
        ("email", s(" You@Example.com ")),
        ("purpose", s(purpose)),
        ("flowId", s("f1")),
    ]))
}

const SENT: &str = r#"{"ok":true,"email":"you@example.com","purpose":"signin","expiresAt":"2026-11-22T17:50:00Z","resendAvailableAt":"2026-11-22T17:40:30Z"}"#;

fn pair() -> String {
    format!(
        r#"{{"accessToken":"{AT}","refreshToken":"{RT}","tokenType":"Bearer","expiresIn":900,"expiresAt":"2026-11-22T17:55:00Z","user":{{"id":"usr_1","email":"you@example.com","createdAt":"2026-11-22T17:40:00Z"}}}}"#
    )
}

fn err(code: &str, extra: &str) -> String {
    format!(r#"{{"error":{{"code":"{code}","message":"m"{extra}}}}}"#)
}

#[test]
fn sign_in_into_a_token_pair() {
    let mut d = flow("login");
    let out = d.request_code();
    let (method, url, body) = common::request(&out);
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("POST", "http://127.0.0.1:5173/api/v1/auth/request-otp")
    );
    assert_eq!(
        body.to_json(),
        r#"{"email":"You@Example.com","purpose":"signin"}"#
    );
    let out = d.respond(200, SENT);
    assert_eq!(common::action(&out), "code_sent");
    assert_eq!(out.str_at("action.expiresAt"), Some("2026-11-22T17:50:00Z"));
    assert_eq!(
        out.str_at("action.resendAvailableAt"),
        Some("2026-11-22T17:40:30Z")
    );
    assert_eq!(d.state.str_at("expiresAt"), Some("2026-11-22T17:50:00Z"));
    assert_eq!(
        d.state.str_at("resendAvailableAt"),
        Some("2026-11-22T17:40:30Z")
    );
    d.now += 20;
    let out = d.submit("123-456");
    let (_, url, body) = common::request(&out);
    assert!(url.ends_with("/api/v1/auth/verify-otp"));
    assert_eq!(
        body.to_json(),
        r#"{"email":"You@Example.com","purpose":"signin","code":"123456"}"#
    );
    let out = d.respond(200, &pair());
    assert_eq!(common::action(&out), "done", "{}", out.to_json());
    let c = out.path("action.credential").unwrap();
    assert_eq!(c.str_at("accessToken"), Some(AT));
    assert_eq!(c.str_at("refreshToken"), Some(RT));
    assert_eq!(c.str_at("expiresAt"), Some("2026-11-22T17:55:00Z"));
    assert_eq!(c.str_at("user.id"), Some("usr_1"));
    assert!(c.get("apiKey").is_none(), "a session is not an API key");
    assert!(!d.state.to_json().contains(AT) && !d.state.to_json().contains(RT));
}

#[test]
fn sign_up_sends_the_signup_purpose_on_both_routes() {
    let mut d = flow("signup");
    let (_, _, body) = common::request(&d.request_code());
    assert_eq!(body.str_at("purpose"), Some("signup"));
    d.respond(200, &SENT.replace("signin", "signup"));
    let (_, _, body) = common::request(&d.submit("123456"));
    assert_eq!(body.str_at("purpose"), Some("signup"));
    let out = d.respond(200, &pair());
    assert_eq!(common::action(&out), "done");
}

#[test]
fn local_guards_cooldown_and_expiry() {
    let mut d = flow("login");
    d.request_code();
    d.respond(200, SENT);
    d.now += 10;
    let out = d.request_code();
    assert_eq!(common::code(&out), "OTP_RESEND_COOLDOWN");
    assert_eq!(
        out.int_at("action.error.nextAction.retryAfterSeconds"),
        Some(20)
    );
    assert_eq!(out.path("action.request"), None);
    d.now = T0 + 600;
    let out = d.submit("123456");
    assert_eq!(common::code(&out), "OTP_EXPIRED");
}

#[test]
fn every_request_error_row() {
    // (status, code, extra, canonical, kind)
    let rows = [
        (400, "invalid_email", "", "EMAIL_INVALID", "fix_input"),
        (400, "invalid_purpose", "", "INVALID_PURPOSE", "-"),
        (
            429,
            "otp_locked",
            r#","retryAfterSeconds":840"#,
            "OTP_LOCKED_OUT",
            "wait",
        ),
        (
            429,
            "otp_cooldown",
            r#","retryAfterSeconds":12"#,
            "OTP_RESEND_COOLDOWN",
            "wait",
        ),
        (404, "user_not_found", "", "USER_NOT_FOUND", "switch_flow"),
        (409, "user_exists", "", "USER_ALREADY_EXISTS", "switch_flow"),
    ];
    for (status, pcode, extra, canonical, kind) in rows {
        let mut d = flow(if pcode == "user_exists" {
            "signup"
        } else {
            "login"
        });
        d.request_code();
        let retry = extra.rsplit(':').next().map(|n| n.trim_end_matches('}'));
        let headers = match (status, retry) {
            (429, Some(n)) => vec![("retry-after", n)],
            _ => vec![],
        };
        let out = d.respond_h(status, &err(pcode, extra), headers);
        assert_eq!(common::code(&out), canonical, "{pcode}");
        if kind != "-" {
            assert_eq!(common::next_kind(&out), kind, "{pcode}");
        }
        assert_eq!(out.int_at("action.error.status"), Some(status));
        assert_eq!(out.str_at("action.error.providerCode"), Some(pcode));
        match pcode {
            "otp_locked" => assert_eq!(
                out.int_at("action.error.nextAction.retryAfterSeconds"),
                Some(840)
            ),
            "otp_cooldown" => {
                assert_eq!(
                    out.int_at("action.error.nextAction.retryAfterSeconds"),
                    Some(12)
                );
                assert_eq!(
                    d.state.str_at("resendAvailableAt"),
                    Some("2026-11-22T17:40:12Z")
                );
            }
            "user_not_found" => {
                assert_eq!(out.str_at("action.error.nextAction.to"), Some("signup"))
            }
            "user_exists" => {
                assert_eq!(out.str_at("action.error.nextAction.to"), Some("login"))
            }
            _ => {}
        }
    }
}

#[test]
fn auto_purpose_switches_between_signup_and_signin() {
    let mut d = flow("auto");
    let (_, _, body) = common::request(&d.request_code());
    assert_eq!(
        body.str_at("purpose"),
        Some("signup"),
        "optimistic sign-up first"
    );
    let out = d.respond(409, &err("user_exists", ""));
    assert_eq!(common::action(&out), "send", "switched by itself");
    let (_, _, body) = common::request(&out);
    assert_eq!(body.str_at("purpose"), Some("signin"));
    let out = d.respond(200, SENT);
    assert_eq!(out.str_at("action.switchedFrom"), Some("signup"));
}

#[test]
fn every_verify_error_row() {
    let rows = [
        (
            400,
            "invalid_code",
            r#","attemptsRemaining":3"#,
            "OTP_INVALID",
            "retry_code",
        ),
        (
            404,
            "code_not_found",
            "",
            "OTP_NOT_FOUND",
            "request_new_code",
        ),
        (410, "code_expired", "", "OTP_EXPIRED", "request_new_code"),
        (
            429,
            "otp_locked",
            r#","retryAfterSeconds":900"#,
            "OTP_LOCKED_OUT",
            "wait",
        ),
    ];
    for (status, pcode, extra, canonical, kind) in rows {
        let mut d = flow("login");
        d.request_code();
        d.respond(200, SENT);
        d.submit("123456");
        let headers = if status == 429 {
            vec![("retry-after", "900")]
        } else {
            vec![]
        };
        let out = d.respond_h(status, &err(pcode, extra), headers);
        assert_eq!(common::code(&out), canonical, "{pcode}");
        assert_eq!(common::next_kind(&out), kind, "{pcode}");
        assert_eq!(out.str_at("action.error.providerCode"), Some(pcode));
        if pcode == "invalid_code" {
            assert_eq!(
                out.int_at("action.error.details.attemptsRemaining"),
                Some(3)
            );
            assert_eq!(d.state.int_at("attemptsRemaining"), Some(3));
        }
        if pcode == "otp_locked" {
            assert_eq!(
                out.int_at("action.error.nextAction.retryAfterSeconds"),
                Some(900)
            );
        }
    }
}

// ---- session operations -------------------------------------------------------

fn session(operation: &str) -> Value {
    obj(vec![
        ("provider", s("sessions")),
        ("baseUrl", s(BASE)),
        ("operation", s(operation)),
        ("accessToken", s(AT)),
        ("refreshToken", s(RT)),
    ])
}

#[test]
fn refresh_rotates_the_pair() {
    let cfg = session("refresh");
    let (method, url, headers, body) = request(&session_request(&cfg));
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("POST", "http://127.0.0.1:5173/api/v1/auth/refresh")
    );
    assert_eq!(body, format!(r#"{{"refreshToken":"{RT}"}}"#));
    assert!(headers.get("authorization").is_none());
    let new_rt = "rt_ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ";
    let out = session_response(&cfg, answer(200, &pair().replace(RT, new_rt), vec![]));
    assert_eq!(action(&out), "done");
    assert_eq!(out.str_at("action.session.refreshToken"), Some(new_rt));
    assert_eq!(out.str_at("action.session.accessToken"), Some(AT));
    assert_eq!(
        out.str_at("action.session.expiresAt"),
        Some("2026-11-22T17:55:00Z")
    );
    assert_eq!(out.str_at("action.session.tokenType"), Some("Bearer"));
    // expiresIn alone is enough.
    let body = format!(r#"{{"accessToken":"{AT}","refreshToken":"{RT}","expiresIn":900}}"#);
    let out = session_response(&cfg, answer(200, &body, vec![]));
    assert_eq!(
        out.str_at("action.session.expiresAt"),
        Some("2026-11-22T17:55:00Z")
    );
    // A 200 without tokens is a bad answer.
    let out = session_response(&cfg, answer(200, r#"{"ok":true}"#, vec![]));
    assert_eq!(code(&out), "BAD_RESPONSE");
    // No refresh token: local.
    let cfg = obj(vec![
        ("provider", s("sessions")),
        ("operation", s("refresh")),
    ]);
    let out = session_request(&cfg);
    assert_eq!(code(&out), "UNAUTHENTICATED");
    assert!(local(&out));
}

#[test]
fn every_session_error_row() {
    for (operation, status, pcode, canonical, kind) in [
        (
            "refresh",
            401,
            "refresh_token_reused",
            "REFRESH_TOKEN_REUSED",
            "sign_in_again",
        ),
        (
            "refresh",
            401,
            "invalid_refresh_token",
            "INVALID_REFRESH_TOKEN",
            "sign_in_again",
        ),
        ("check", 401, "token_expired", "TOKEN_EXPIRED", "refresh"),
        (
            "check",
            401,
            "invalid_token",
            "INVALID_TOKEN",
            "sign_in_again",
        ),
        ("revoke", 401, "token_expired", "TOKEN_EXPIRED", "refresh"),
    ] {
        let out = session_response(&session(operation), answer(status, &err(pcode, ""), vec![]));
        assert_eq!(code(&out), canonical, "{operation} {pcode}");
        assert_eq!(next_kind(&out), kind, "{operation} {pcode}");
        assert_eq!(out.str_at("action.error.providerCode"), Some(pcode));
        assert!(!out.to_json().contains(AT) && !out.to_json().contains(RT));
    }
    let out = session_response(
        &session("refresh"),
        answer(401, &err("refresh_token_reused", ""), vec![]),
    );
    assert!(text(&out).contains("revoked the session"), "{}", text(&out));
    // Transport failures.
    let out = session_response(
        &session("refresh"),
        obj(vec![("type", s("transport_error")), ("kind", s("timeout"))]),
    );
    assert_eq!(code(&out), "TIMEOUT");
    // An HTML 502 is INTERNAL, not a parse failure.
    let out = session_response(
        &session("check"),
        obj(vec![
            ("type", s("response")),
            ("status", Value::Int(502)),
            ("body", s("<html>bad gateway</html>")),
            ("headers", obj(vec![("content-type", s("text/html"))])),
        ]),
    );
    assert_eq!(code(&out), "INTERNAL");
}

#[test]
fn revoke_and_check() {
    let cfg = session("revoke");
    let (method, url, headers, body) = request(&session_request(&cfg));
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("POST", "http://127.0.0.1:5173/api/v1/auth/revoke")
    );
    assert_eq!(
        headers.str_at("authorization"),
        Some(format!("Bearer {AT}").as_str())
    );
    assert_eq!(body, format!(r#"{{"refreshToken":"{RT}"}}"#));
    let out = session_response(&cfg, answer(200, r#"{"ok":true}"#, vec![]));
    assert_eq!(
        out.get("action").unwrap().get("revoked"),
        Some(&Value::Bool(true))
    );
    // Revoking a revoked session is done too (the emulator answers 200; a token it
    // no longer knows answers invalid_token).
    let out = session_response(&cfg, answer(401, &err("invalid_token", ""), vec![]));
    assert_eq!(action(&out), "done");

    let cfg = session("check");
    let (method, url, headers, _) = request(&session_request(&cfg));
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("GET", "http://127.0.0.1:5173/api/v1/auth/session")
    );
    assert_eq!(
        headers.str_at("authorization"),
        Some(format!("Bearer {AT}").as_str())
    );
    let out = session_response(
        &cfg,
        answer(
            200,
            r#"{"user":{"id":"usr_1","email":"you@example.com"},"session":{"id":"ses_1","expiresAt":"2026-11-22T17:55:00Z"}}"#,
            vec![],
        ),
    );
    assert_eq!(out.str_at("action.identity.session.id"), Some("ses_1"));
}

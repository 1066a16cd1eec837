//! One provider model: the `errors` table, the status fallback and `success:false`
//! mean the same thing for the email-code steps and for the session, password and
//! 2FA steps (issue 15). Each test drives a custom spec through the step API.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod session_common;
use keymint::backend::Backend;
use keymint::json::{obj, parse, s, Value};
use keymint::provider::{self, Spec};
use keymint::response::{map_code, Contract};
use session_common::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const API: &str = "https://api.example.test";

/// The CODITECT preset with extra `errors` rows: step-scoped and kebab-case.
fn coditect_spec() -> Value {
    let mut doc = parse(provider::preset("coditect").unwrap()).unwrap();
    let Some(Value::Obj(errors)) = doc.path("errors").cloned() else {
        panic!("errors")
    };
    let mut errors = errors;
    for (k, v) in [
        ("login:refused", "INVALID_CREDENTIALS"),
        ("register:refused", "WEAK_PASSWORD"),
        ("secondFactor:refused", "INVALID_2FA_CODE"),
        ("refresh:refused", "INVALID_REFRESH_TOKEN"),
        ("refused", "INTERNAL"),
        ("too-many", "RATE_LIMITED"),
    ] {
        errors.push((k.to_string(), s(v)));
    }
    if let Value::Obj(m) = &mut doc {
        m.retain(|(k, _)| k != "errors");
        m.push(("errors".to_string(), Value::Obj(errors)));
    }
    doc
}

fn password_run(spec: &Value) -> Run {
    let (run, out) = Run::start(
        "password_start",
        obj(vec![
            ("spec", spec.clone()),
            ("baseUrl", s(API)),
            ("email", s("ada@example.com")),
        ]),
    );
    assert_eq!(action(&out), "ready", "{}", out.to_json());
    run
}

/// A `check` session op against `provider` (`("spec", doc)` or `("provider", name)`).
fn check_config(provider: (&str, Value)) -> Value {
    obj(vec![
        provider,
        ("baseUrl", s(API)),
        ("operation", s("check")),
        ("accessToken", s("at_1")),
    ])
}

fn err(code: &str) -> String {
    format!(r#"{{"error":{{"code":"{code}","message":"m"}}}}"#)
}

#[test]
fn password_steps_honour_step_scoped_entries() {
    let spec = coditect_spec();
    for (event, want) in [
        ("login", "INVALID_CREDENTIALS"),
        ("register", "WEAK_PASSWORD"),
    ] {
        let mut run = password_run(&spec);
        run.ev(event, vec![("password", s("correct horse battery"))]);
        let out = run.respond(400, &err("refused"));
        assert_eq!(code(&out), want, "{event}");
        assert_eq!(next_kind(&out), "fix_input", "{event}");
        assert_eq!(out.str_at("action.error.providerCode"), Some("refused"));
    }
    // The unscoped row for a step without its own.
    let config = check_config(("spec", spec.clone()));
    let out = session_response(&config, answer(400, &err("refused"), vec![]));
    assert_eq!(code(&out), "INTERNAL");
    let config = with(
        &config,
        vec![("operation", s("refresh")), ("refreshToken", s("rt_1"))],
    );
    let out = session_response(&config, answer(400, &err("refused"), vec![]));
    assert_eq!(code(&out), "INVALID_REFRESH_TOKEN");
}

#[test]
fn second_factor_step_is_scoped_too() {
    let mut run = password_run(&coditect_spec());
    run.ev("login", vec![("password", s("correct horse battery"))]);
    let out = run.respond(
        200,
        r#"{"data":{"requires_2fa":true,"challenge_token":"ch_1","method":"totp"}}"#,
    );
    assert_eq!(action(&out), "second_factor");
    run.ev("submit_2fa", vec![("code", s("123456"))]);
    let out = run.respond(
        400,
        r#"{"error":{"code":"refused","message":"m","attempts_remaining":2}}"#,
    );
    assert_eq!(
        (code(&out), next_kind(&out)),
        ("INVALID_2FA_CODE", "retry_code")
    );
    assert_eq!(run.phase(), "second_factor");
}

#[test]
fn session_steps_fold_kebab_and_lower_case_codes() {
    let spec = coditect_spec();
    // A table row written in kebab case, and canonical names in kebab / lower case.
    for (pcode, want) in [
        ("too-many", "RATE_LIMITED"),
        ("user-already-exists", "USER_ALREADY_EXISTS"),
        ("invalid-2fa-code", "INVALID_2FA_CODE"),
        ("challenge_expired", "CHALLENGE_EXPIRED"),
    ] {
        let mut run = password_run(&spec);
        run.ev("login", vec![("password", s("correct horse battery"))]);
        let out = run.respond(400, &err(pcode));
        assert_eq!(code(&out), want, "{pcode}");
    }
}

#[test]
fn success_false_is_an_error_for_every_flow() {
    let spec = coditect_spec();
    let body =
        r#"{"success":false,"error":{"code":"invalid_credentials","message":"Wrong password"}}"#;
    let mut run = password_run(&spec);
    run.ev("login", vec![("password", s("correct horse battery"))]);
    let out = run.respond(200, body);
    assert_eq!(code(&out), "INVALID_CREDENTIALS", "{}", out.to_json());
    assert_eq!(out.int_at("action.error.status"), Some(200));
    assert_eq!(run.phase(), "ready");
    let config = check_config(("spec", spec));
    let out = session_response(
        &config,
        answer(
            200,
            r#"{"success":false,"error":{"code":"token_expired","message":"m"}}"#,
            vec![],
        ),
    );
    assert_eq!((code(&out), next_kind(&out)), ("TOKEN_EXPIRED", "refresh"));
    // `success: true` (or none) with data is data.
    let out = session_response(
        &config,
        answer(200, r#"{"success":true,"data":{"id":"u1"}}"#, vec![]),
    );
    assert_eq!(out.str_at("action.identity.id"), Some("u1"));
}

#[test]
fn the_status_fallback_is_shared() {
    let config = check_config(("provider", s("coditect")));
    for (status, want) in [
        (429, "RATE_LIMITED"),
        (401, "UNAUTHENTICATED"),
        (503, "INTERNAL"),
        (418, "UNKNOWN_ERROR"),
    ] {
        let out = session_response(&config, answer(status, "", vec![]));
        assert_eq!(code(&out), want, "{status}");
    }
}

#[test]
fn one_table_reading_for_both_provider_kinds() {
    // The sessions preset is both an email-code spec and a session backend.
    let doc = parse(provider::preset("sessions").unwrap()).unwrap();
    let spec = Spec::from_value(&doc).unwrap();
    let backend = Backend::from_value(&doc).unwrap();
    let both: [&dyn Contract; 2] = [&spec, &backend];
    for c in both {
        assert_eq!(
            map_code(c, "refresh", "invalid_refresh_token").map(|c| c.as_str()),
            Some("INVALID_REFRESH_TOKEN")
        );
        assert_eq!(
            map_code(c, "complete", "otp-expired").map(|c| c.as_str()),
            Some("OTP_EXPIRED")
        );
        assert_eq!(map_code(c, "complete", "no-such-thing"), None);
    }
}

#[test]
fn one_route_rule_for_spec_and_session_routes() {
    for (path, ok) in [
        ("/api/v1/auth/login", true),
        ("/", true),
        ("//evil.example/x", false),
        ("/x?y=1", false),
        ("/x#y", false),
        ("/x\\y", false),
        ("/x y", false),
        ("/a://b", false),
        ("x", false),
        ("", false),
    ] {
        assert_eq!(provider::is_route(path), ok, "{path}");
        // An email-code route, and a session route, of the same provider document.
        let mut doc = parse(provider::preset("sessions").unwrap()).unwrap();
        set_path(&mut doc, &["flows", "login", "request"], path);
        assert_eq!(Spec::from_value(&doc).is_ok(), ok, "flows: {path}");
        let mut doc = parse(provider::preset("sessions").unwrap()).unwrap();
        set_path(&mut doc, &["session", "routes", "refresh"], path);
        assert_eq!(Backend::from_value(&doc).is_ok(), ok, "session: {path}");
    }
}

fn set_path(doc: &mut Value, keys: &[&str], value: &str) {
    let mut v = doc;
    for k in keys {
        let Value::Obj(m) = v else { panic!("object") };
        v = &mut m.iter_mut().find(|(name, _)| name == k).unwrap().1;
    }
    *v = s(value);
}

#[test]
fn one_validation_of_the_sections_both_engines_read() {
    let doc = |errors: &str, oauth: &str| {
        let text = provider::preset("sessions").unwrap().replacen(
            r#""errors":{"#,
            &format!(r#""oauth":{oauth},"errors":{{{errors}"#),
            1,
        );
        parse(&text).unwrap()
    };
    let bad_code = doc(r#""nope":"NOT_A_CODE","#, "null");
    let (a, b) = (
        Spec::from_value(&bad_code).unwrap_err(),
        Backend::from_value(&bad_code).unwrap_err(),
    );
    assert_eq!(a, b);
    assert_eq!(
        (a.field.as_str(), a.problem),
        ("errors.nope", "must name a canonical error code")
    );
    let bad_route = doc("", r#"{"token":"https://evil.example/token"}"#);
    let e = Backend::from_value(&bad_route).unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.problem),
        ("oauth.token", "must be a path starting with '/'")
    );
    // A provider's password text names no other provider.
    let mut run = password_run(&coditect_spec());
    run.ev("register", vec![("password", s("correct horse battery"))]);
    let out = run.respond(400, &err("weak_password"));
    assert_eq!(code(&out), "WEAK_PASSWORD");
    assert_eq!(text(&out), "Choose a longer password, then try again.");
}

#[test]
fn message_and_status_rows_apply_to_session_steps_too() {
    let mut spec = coditect_spec();
    if let Value::Obj(m) = &mut spec {
        for (k, v) in m.iter_mut() {
            if k == "errors" {
                if let Value::Obj(rows) = v {
                    rows.push((
                        "login:~wrong password".to_string(),
                        s("INVALID_CREDENTIALS"),
                    ));
                    rows.push(("login:http:423".to_string(), s("CHALLENGE_EXPIRED")));
                }
            }
        }
    }
    let mut run = password_run(&spec);
    run.ev("login", vec![("password", s("correct horse battery"))]);
    let out = run.respond(400, r#"{"error":{"message":"Wrong password, sorry."}}"#);
    assert_eq!(code(&out), "INVALID_CREDENTIALS", "{}", out.to_json());
    let mut run = password_run(&spec);
    run.ev("login", vec![("password", s("correct horse battery"))]);
    let out = run.respond(423, "{}");
    assert_eq!(code(&out), "CHALLENGE_EXPIRED", "{}", out.to_json());
}

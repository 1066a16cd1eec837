//! CODITECT transcripts with a fixed clock: password + TOTP sessions, OAuth2 with
//! PKCE, refresh, logout, me, `cdt_` tokens; every error row of
//! ../shared/protocols/coditect.md; TOTP (RFC 6238) and PKCE (RFC 7636) vectors.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod session_common;
use keymint::family::oauth2 as oauth;
use keymint::json::{obj, parse, s, Value};
use keymint::{crypto, totp};
use session_common::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const API: &str = "https://api.coditect.example";
const AUTH: &str = "https://auth.coditect.example";
const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // base32 of ASCII "12345678901234567890"
const AT: &str = "cat_0123456789abcdefghijABCDEFGHIJ0123456789";
const RT: &str = "crt_0123456789abcdefghijABCDEFGHIJ0123456789abcd";

// ---- RFC vectors ----------------------------------------------------------------

#[test]
fn totp_rfc6238_appendix_b_sha1() {
    let key = b"12345678901234567890";
    for (t, want) in [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ] {
        assert_eq!(totp::totp_raw(key, t, 30, 8), want, "8 digits @{t}");
        // 6 digits is the same truncation modulo 10^6: the last six.
        assert_eq!(totp::totp_raw(key, t, 30, 6), &want[2..], "6 digits @{t}");
        assert_eq!(totp::totp(SECRET, t).unwrap(), &want[2..], "base32 @{t}");
    }
    // Through the step boundary, as the JS `totp` helper calls it.
    let out = call(obj(vec![
        ("op", s("totp")),
        ("now", Value::Int(59)),
        ("secret", s("gezd gnbv-gy3t qojq gezd gnbv gy3t qojq")),
    ]));
    assert_eq!(out.str_at("action.code"), Some("287082"));
    assert_eq!(out.str_at("action.expiresAt"), Some("1970-01-01T00:01:00Z"));
    let out = call(obj(vec![
        ("op", s("totp")),
        ("now", Value::Int(59)),
        ("secret", s("not base32!")),
    ]));
    assert_eq!(code(&out), "INVALID_TOTP_SECRET");
    assert_eq!(next_kind(&out), "fix_input");
    assert!(
        !out.to_json().contains("not base32!"),
        "the secret is never echoed"
    );
}

#[test]
fn hotp_rfc4226_appendix_d() {
    let key = b"12345678901234567890";
    let want = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
        "520489",
    ];
    for (i, w) in want.iter().enumerate() {
        assert_eq!(totp::hotp(key, i as u64, 6), *w);
    }
}

/// The 32 octets of RFC 7636 appendix B.
const RFC7636_OCTETS: [u8; 32] = [
    116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77,
    105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
];

#[test]
fn pkce_rfc7636_appendix_b() {
    let verifier = crypto::base64url(&RFC7636_OCTETS);
    assert_eq!(verifier, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    assert_eq!(
        oauth::challenge(&verifier),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

// ---- OAuth2 ----------------------------------------------------------------------

fn random() -> String {
    let mut bytes = RFC7636_OCTETS.to_vec();
    bytes.extend(0u8..16);
    crypto::hex(&bytes)
}

fn oauth_config() -> Value {
    obj(vec![
        ("provider", s("coditect")),
        ("baseUrl", s(API)),
        ("authUrl", s(AUTH)),
        ("clientId", s("cli_1")),
        ("redirectUri", s("http://127.0.0.1:8976/callback")),
        (
            "scope",
            Value::Arr(vec![s("read:projects"), s("write:projects")]),
        ),
        ("random", s(&random())),
    ])
}

fn authorized() -> (Run, String) {
    let (run, out) = Run::start("oauth_start", oauth_config());
    assert_eq!(action(&out), "authorize", "{}", out.to_json());
    let state = out.str_at("action.state").unwrap().to_string();
    (run, state)
}

#[test]
fn oauth_authorize_url_has_pkce_and_state() {
    let (run, out) = Run::start("oauth_start", oauth_config());
    let url = out.str_at("action.url").unwrap();
    assert_eq!(
        url,
        "https://auth.coditect.example/authorize?response_type=code&client_id=cli_1\
         &redirect_uri=http%3A%2F%2F127.0.0.1%3A8976%2Fcallback&scope=read%3Aprojects%20write%3Aprojects\
         &state=AAECAwQFBgcICQoLDA0ODw&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\
         &code_challenge_method=S256"
    );
    assert_eq!(run.phase(), "authorizing");
    assert_eq!(
        run.state.str_at("codeVerifier"),
        Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    );
    // Too little randomness, or none: refused, nothing built.
    for bad in ["", "00ff", "zz"] {
        let (_, out) = Run::start(
            "oauth_start",
            with(&oauth_config(), vec![("random", s(bad))]),
        );
        assert_eq!(code(&out), "INVALID_STEP");
        assert!(out.get("state").is_none());
    }
    // A plain-http redirect to a non-loopback host is refused.
    let cfg = with(
        &oauth_config(),
        vec![("redirectUri", s("http://evil.example/cb"))],
    );
    let (_, out) = Run::start("oauth_start", cfg);
    assert_eq!(code(&out), "INSECURE_URL");
}

#[test]
fn oauth_tampered_state_is_refused_before_any_exchange() {
    let (mut run, state) = authorized();
    let before = run.state.clone();
    for url in [
        "http://127.0.0.1:8976/callback?code=ac_1&state=AAECAwQFBgcICQoLDA0ODx".to_string(),
        format!("http://127.0.0.1:8976/callback?code=ac_1&state={state}x"),
        "http://127.0.0.1:8976/callback?code=ac_1".to_string(),
        // Even an error answer is not read unless its state is ours.
        "http://127.0.0.1:8976/callback?error=access_denied&state=forged".to_string(),
    ] {
        let out = run.ev("callback", vec![("url", s(&url))]);
        assert_eq!(code(&out), "STATE_MISMATCH", "{url}");
        assert_eq!(next_kind(&out), "sign_in_again");
        assert!(local(&out), "answered locally");
        assert!(out.path("action.request").is_none(), "no exchange request");
        assert_eq!(run.phase(), "authorizing", "the real callback still works");
    }
    assert_eq!(run.state.str_at("state"), before.str_at("state"));
    // The genuine callback then exchanges.
    let url = format!("http://127.0.0.1:8976/callback?code=ac_1&state={state}");
    let out = run.ev("callback", vec![("url", s(&url))]);
    assert_eq!(action(&out), "send");
}

#[test]
fn oauth_exchange_and_token_answer() {
    let (mut run, state) = authorized();
    let out = run.ev(
        "callback",
        vec![
            (
                "params",
                obj(vec![("code", s("ac_a b/c")), ("state", s(&state))]),
            ),
            ("clientSecret", s("shh")),
        ],
    );
    let (method, url, headers, body) = request(&out);
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("POST", "https://auth.coditect.example/token")
    );
    assert_eq!(
        headers.str_at("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        body,
        "grant_type=authorization_code&code=ac_a%20b%2Fc&client_id=cli_1\
         &redirect_uri=http%3A%2F%2F127.0.0.1%3A8976%2Fcallback\
         &code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&client_secret=shh"
    );
    assert!(
        !run.state.to_json().contains("shh"),
        "the client secret is not saved"
    );
    assert_eq!(run.phase(), "exchanging");
    let out = run.respond(
        200,
        &format!(r#"{{"access_token":"{AT}","refresh_token":"{RT}","token_type":"Bearer","expires_in":3600,"scope":"read:projects write:projects"}}"#),
    );
    assert_eq!(action(&out), "done", "{}", out.to_json());
    let c = out.get("action").unwrap().get("credential").unwrap();
    assert_eq!(c.str_at("accessToken"), Some(AT));
    assert_eq!(c.str_at("refreshToken"), Some(RT));
    assert_eq!(c.str_at("expiresAt"), Some("2026-11-22T18:40:00Z"));
    assert_eq!(c.str_at("scope"), Some("read:projects write:projects"));
    assert_eq!(c.str_at("clientId"), Some("cli_1"));
    assert_eq!(c.str_at("kind"), Some("oauth"));
    assert_eq!(run.phase(), "done");
    assert!(!run.state.to_json().contains(AT));
}

#[test]
fn oauth_rfc6749_error_rows() {
    // Token endpoint (§5.2).
    for (status, name, canonical, kind) in [
        (400, "invalid_request", "INVALID_REQUEST", "fix_input"),
        (401, "invalid_client", "INVALID_CLIENT", "fix_input"),
        (400, "invalid_grant", "INVALID_GRANT", "sign_in_again"),
        (
            400,
            "unauthorized_client",
            "UNAUTHORIZED_CLIENT",
            "fix_input",
        ),
        (
            400,
            "unsupported_grant_type",
            "UNSUPPORTED_GRANT_TYPE",
            "fix_input",
        ),
        (400, "invalid_scope", "INVALID_SCOPE", "fix_input"),
        (503, "temporarily_unavailable", "INTERNAL", "retry"),
        (400, "something_new", "UNKNOWN_ERROR", "retry"),
    ] {
        let (mut run, state) = authorized();
        let url = format!("http://127.0.0.1:8976/callback?code=ac_1&state={state}");
        run.ev("callback", vec![("url", s(&url))]);
        let out = run.respond(
            status,
            &format!(r#"{{"error":"{name}","error_description":"described"}}"#),
        );
        assert_eq!(code(&out), canonical, "{name}");
        assert_eq!(next_kind(&out), kind, "{name}");
        assert_eq!(out.str_at("action.error.providerCode"), Some(name));
        assert_eq!(out.str_at("action.error.message"), Some("described"));
        assert_eq!(out.int_at("action.error.status"), Some(status));
        assert_eq!(run.phase(), "authorizing");
    }
    // Authorization endpoint (§4.1.2.1), with our state.
    for (name, canonical) in [
        ("access_denied", "ACCESS_DENIED"),
        ("invalid_scope", "INVALID_SCOPE"),
        ("unsupported_response_type", "INVALID_REQUEST"),
        ("server_error", "INTERNAL"),
    ] {
        let (mut run, state) = authorized();
        let url = format!(
            "http://127.0.0.1:8976/callback?error={name}&error_description=no+thanks&state={state}"
        );
        let out = run.ev("callback", vec![("url", s(&url))]);
        assert_eq!(code(&out), canonical);
        assert_eq!(out.str_at("action.error.message"), Some("no thanks"));
        assert!(out.path("action.request").is_none());
    }
    // A transport failure during the exchange.
    let (mut run, state) = authorized();
    let url = format!("http://127.0.0.1:8976/callback?code=ac_1&state={state}");
    run.ev("callback", vec![("url", s(&url))]);
    let out = run.ev("transport_error", vec![("kind", s("timeout"))]);
    assert_eq!(code(&out), "TIMEOUT");
    // A resumed flow whose state was edited is refused.
    let (mut run, _) = authorized();
    if let Value::Obj(m) = &mut run.state {
        for (k, v) in m.iter_mut() {
            if k == "state" {
                *v = s("attacker");
            }
        }
    }
    let out = run.ev("callback", vec![("url", s("x?code=1&state=attacker"))]);
    assert_eq!(code(&out), "INVALID_STATE");
}

#[test]
fn oauth_refresh_grant() {
    let cfg = obj(vec![
        ("provider", s("coditect")),
        ("authUrl", s(AUTH)),
        ("operation", s("refresh")),
        ("refreshToken", s(RT)),
        ("clientId", s("cli_1")),
    ]);
    let out = session_request(&cfg);
    let (method, url, _, body) = request(&out);
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("POST", "https://auth.coditect.example/token")
    );
    assert_eq!(
        body,
        format!("grant_type=refresh_token&refresh_token={RT}&client_id=cli_1")
    );
    let out = session_response(
        &cfg,
        answer(
            200,
            &format!(r#"{{"access_token":"{AT}","token_type":"Bearer","expires_in":3600}}"#),
            vec![],
        ),
    );
    assert_eq!(out.str_at("action.session.accessToken"), Some(AT));
    assert_eq!(
        out.str_at("action.session.refreshToken"),
        Some(RT),
        "a server that does not rotate keeps the old refresh token"
    );
    let out = session_response(
        &cfg,
        answer(
            400,
            r#"{"error":"invalid_grant","error_description":"The refresh token was already used; the grant has been revoked."}"#,
            vec![],
        ),
    );
    assert_eq!(code(&out), "INVALID_GRANT");
}

// ---- password sessions and 2FA ---------------------------------------------------

fn tokens_body(status_user: &str) -> String {
    format!(
        r#"{{"data":{{"user":{{"id":"usr_1","email":"{status_user}","name":"Ada"}},"access_token":"{AT}","refresh_token":"{RT}","expires_at":"2026-11-22T18:40:00Z"}}}}"#
    )
}

fn login_flow() -> Run {
    let (run, out) = Run::start(
        "password_start",
        obj(vec![
            ("provider", s("coditect")),
            ("baseUrl", s(API)),
            ("email", s(" ada@example.com ")),
        ]),
    );
    assert_eq!(action(&out), "ready", "{}", out.to_json());
    run
}

fn err_body(code: &str, extra: &str) -> String {
    format!(r#"{{"error":{{"code":"{code}","message":"m"{extra}}}}}"#)
}

#[test]
fn register_and_login_without_2fa() {
    let mut run = login_flow();
    let out = run.ev(
        "register",
        vec![
            ("password", s("correct horse battery")),
            ("name", s(" Ada ")),
        ],
    );
    let (method, url, _, body) = request(&out);
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("POST", "https://api.coditect.example/v1/auth/register")
    );
    assert_eq!(
        body,
        r#"{"email":"ada@example.com","password":"correct horse battery","name":"Ada"}"#
    );
    assert!(
        !run.state.to_json().contains("horse"),
        "the password is never saved"
    );
    let out = run.respond(201, &tokens_body("ada@example.com"));
    assert_eq!(action(&out), "done");
    let c = out.path("action.credential").unwrap();
    assert_eq!(c.str_at("accessToken"), Some(AT));
    assert_eq!(c.str_at("refreshToken"), Some(RT));
    assert_eq!(c.str_at("expiresAt"), Some("2026-11-22T18:40:00Z"));
    assert_eq!(c.str_at("user.name"), Some("Ada"));
    assert_eq!(c.get("accountCreated"), Some(&Value::Bool(true)));
    assert!(!run.state.to_json().contains(AT));

    let mut run = login_flow();
    let out = run.ev("login", vec![("password", s("correct horse battery"))]);
    let (_, url, _, body) = request(&out);
    assert!(url.ends_with("/v1/auth/login"));
    assert_eq!(
        body,
        r#"{"email":"ada@example.com","password":"correct horse battery"}"#
    );
    let out = run.respond(200, &tokens_body("ada@example.com"));
    assert_eq!(
        out.path("action.credential.accountCreated"),
        Some(&Value::Bool(false))
    );
}

#[test]
fn session_error_rows() {
    // register
    for (status, pcode, extra, canonical, kind) in [
        (
            400,
            "invalid_request",
            r#","field":"email""#,
            "INVALID_REQUEST",
            "fix_input",
        ),
        (400, "weak_password", "", "WEAK_PASSWORD", "fix_input"),
        (409, "email_taken", "", "USER_ALREADY_EXISTS", "switch_flow"),
    ] {
        let mut run = login_flow();
        run.ev("register", vec![("password", s("correct horse battery"))]);
        let out = run.respond(status, &err_body(pcode, extra));
        assert_eq!(code(&out), canonical, "{pcode}");
        assert_eq!(next_kind(&out), kind, "{pcode}");
        assert_eq!(out.str_at("action.error.providerCode"), Some(pcode));
        assert_eq!(run.phase(), "ready");
    }
    let mut run = login_flow();
    run.ev("register", vec![("password", s("correct horse battery"))]);
    let out = run.respond(409, &err_body("email_taken", ""));
    assert_eq!(out.str_at("action.error.nextAction.to"), Some("login"));
    // Weak password answered locally (12 characters, counted as characters).
    let mut run = login_flow();
    let out = run.ev("register", vec![("password", s("ééééééééééé"))]);
    assert_eq!(code(&out), "WEAK_PASSWORD");
    assert!(local(&out));
    assert_eq!(
        out.str_at("action.error.nextAction.field"),
        Some("password")
    );
    let out = run.ev("register", vec![("password", s("éééééééééééé"))]);
    assert_eq!(action(&out), "send");
    // Missing password: local.
    let mut run = login_flow();
    let out = run.ev("login", vec![]);
    assert_eq!(code(&out), "INVALID_REQUEST");
    assert!(local(&out));

    // login
    let mut run = login_flow();
    run.ev("login", vec![("password", s("wrong password!"))]);
    let out = run.respond(401, r#"{"error":{"code":"invalid_credentials","message":"The email or password is incorrect"}}"#);
    assert_eq!(
        (code(&out), next_kind(&out)),
        ("INVALID_CREDENTIALS", "fix_input")
    );
    assert_eq!(run.phase(), "ready");
    run.ev("login", vec![("password", s("wrong password!"))]);
    let out = run.respond_h(
        429,
        &err_body("rate_limited", r#","retry_after":612"#),
        vec![("retry-after", "612")],
    );
    assert_eq!((code(&out), next_kind(&out)), ("RATE_LIMITED", "wait"));
    assert_eq!(
        out.int_at("action.error.nextAction.retryAfterSeconds"),
        Some(612)
    );
    assert_eq!(
        out.int_at("action.error.details.retryAfterSeconds"),
        Some(612)
    );
    run.ev("login", vec![("password", s("x"))]);
    let out = run.respond(500, "<html>oops</html>");
    assert_eq!(code(&out), "INTERNAL");
}

fn at_second_factor() -> Run {
    let mut run = login_flow();
    run.ev("login", vec![("password", s("correct horse battery"))]);
    let out = run.respond(
        200,
        r#"{"data":{"requires_2fa":true,"challenge_token":"ch_abc123","method":"totp"}}"#,
    );
    assert_eq!(action(&out), "second_factor", "{}", out.to_json());
    assert_eq!(out.str_at("action.method"), Some("totp"));
    assert_eq!(out.str_at("action.expiresAt"), Some("2026-11-22T17:45:00Z"));
    assert_eq!(run.phase(), "second_factor");
    run
}

#[test]
fn second_factor_with_the_totp_secret() {
    let mut run = at_second_factor();
    run.now += 10;
    let out = run.ev("submit_2fa", vec![("totpSecret", s(SECRET))]);
    let (_, url, _, body) = request(&out);
    assert!(url.ends_with("/v1/auth/2fa/verify"));
    let want = totp::totp(SECRET, run.now).unwrap();
    assert_eq!(
        body,
        format!(r#"{{"challenge_token":"ch_abc123","code":"{want}"}}"#)
    );
    assert!(
        !run.state.to_json().contains(SECRET),
        "the TOTP secret is never saved"
    );
    let out = run.respond(200, &tokens_body("ada@example.com"));
    assert_eq!(out.str_at("action.credential.accessToken"), Some(AT));
    assert_eq!(run.phase(), "done");
    assert!(run.state.str_at("challengeToken").is_none());
}

#[test]
fn second_factor_error_rows() {
    // Wrong code: retry with attempts; the typed code is normalised.
    let mut run = at_second_factor();
    let out = run.ev("submit_2fa", vec![("code", s("123 456"))]);
    assert!(request(&out).3.contains(r#""code":"123456""#));
    let out = run.respond(
        401,
        &err_body("invalid_2fa_code", r#","attempts_remaining":4"#),
    );
    assert_eq!(
        (code(&out), next_kind(&out)),
        ("INVALID_2FA_CODE", "retry_code")
    );
    assert_eq!(
        out.int_at("action.error.details.attemptsRemaining"),
        Some(4)
    );
    assert!(text(&out).contains("4 attempts left"));
    assert_eq!(run.phase(), "second_factor");
    assert_eq!(run.state.int_at("attemptsRemaining"), Some(4));
    // Out of attempts: the challenge is spent.
    run.ev("submit_2fa", vec![("code", s("000000"))]);
    let out = run.respond(
        401,
        &err_body("invalid_2fa_code", r#","attempts_remaining":0"#),
    );
    assert_eq!(
        (code(&out), next_kind(&out)),
        ("INVALID_2FA_CODE", "sign_in_again")
    );
    assert_eq!(run.phase(), "ready");
    // Expired on the server.
    let mut run = at_second_factor();
    run.ev("submit_2fa", vec![("code", s("000000"))]);
    let out = run.respond(410, &err_body("challenge_expired", ""));
    assert_eq!(
        (code(&out), next_kind(&out)),
        ("CHALLENGE_EXPIRED", "sign_in_again")
    );
    assert_eq!(run.phase(), "ready");
    // Expired locally (300 s): no request.
    let mut run = at_second_factor();
    run.now += 300;
    let out = run.ev("submit_2fa", vec![("code", s("000000"))]);
    assert_eq!(code(&out), "CHALLENGE_EXPIRED");
    assert!(local(&out));
    // A malformed code: local.
    let mut run = at_second_factor();
    let out = run.ev("submit_2fa", vec![("code", s("12345"))]);
    assert_eq!(
        (code(&out), next_kind(&out)),
        ("INVALID_2FA_CODE", "fix_input")
    );
    assert!(local(&out));
    // A second factor before login: wrong step.
    let mut run = login_flow();
    let out = run.ev("submit_2fa", vec![("code", s("123456"))]);
    assert_eq!(code(&out), "INVALID_STEP");
    // A network failure while verifying keeps the challenge.
    let mut run = at_second_factor();
    run.ev("submit_2fa", vec![("code", s("123456"))]);
    let out = run.ev("transport_error", vec![("kind", s("network"))]);
    assert_eq!(code(&out), "NETWORK_ERROR");
    assert_eq!(run.phase(), "second_factor");
}

#[test]
fn saved_flow_resumes_and_refuses_edits() {
    let run = at_second_factor();
    let text = run.state.to_json();
    let out = call(obj(vec![
        ("op", s("validate")),
        ("state", parse(&text).unwrap()),
    ]));
    assert_eq!(action(&out), "ready");
    let edited = text.replace("ch_abc123", "ch_evil");
    let out = call(obj(vec![
        ("op", s("validate")),
        ("state", parse(&edited).unwrap()),
    ]));
    assert_eq!(code(&out), "INVALID_STATE");
}

/// A store may not keep member order (chrome.storage.local does not): the password flow's
/// saved document still validates with its members reversed, and an edit is still refused.
#[test]
fn saved_flow_resumes_whatever_its_member_order() {
    let run = at_second_factor();
    let mut members = match run.state.clone() {
        Value::Obj(m) => m,
        other => vec![("state".into(), other)],
    };
    members.reverse();
    let text = Value::Obj(members).to_json();
    let out = call(obj(vec![
        ("op", s("validate")),
        ("state", parse(&text).unwrap()),
    ]));
    assert_eq!(action(&out), "ready");
    let edited = text.replace("ch_abc123", "ch_evil");
    let out = call(obj(vec![
        ("op", s("validate")),
        ("state", parse(&edited).unwrap()),
    ]));
    assert_eq!(code(&out), "INVALID_STATE");
}

// ---- session operations ------------------------------------------------------------

fn session(operation: &str) -> Value {
    obj(vec![
        ("provider", s("coditect")),
        ("baseUrl", s(API)),
        ("operation", s(operation)),
        ("accessToken", s(AT)),
        ("refreshToken", s(RT)),
    ])
}

#[test]
fn refresh_logout_me() {
    let cfg = session("refresh");
    let (method, url, _, body) = request(&session_request(&cfg));
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("POST", "https://api.coditect.example/v1/auth/refresh")
    );
    assert_eq!(body, format!(r#"{{"refresh_token":"{RT}"}}"#));
    let out = session_response(&cfg, answer(200, &tokens_body("ada@example.com"), vec![]));
    assert_eq!(out.str_at("action.session.accessToken"), Some(AT));
    assert_eq!(
        out.str_at("action.session.expiresAt"),
        Some("2026-11-22T18:40:00Z")
    );

    let cfg = session("revoke");
    let (method, url, headers, body) = request(&session_request(&cfg));
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("POST", "https://api.coditect.example/v1/auth/logout")
    );
    assert_eq!(
        headers.str_at("authorization"),
        Some(format!("Bearer {AT}").as_str())
    );
    assert_eq!(body, "", "logout has no body");
    let out = session_response(
        &cfg,
        obj(vec![
            ("type", s("response")),
            ("status", Value::Int(204)),
            ("body", s("")),
        ]),
    );
    assert_eq!(
        out.get("action").unwrap().get("revoked"),
        Some(&Value::Bool(true))
    );

    let cfg = session("check");
    let (method, url, _, _) = request(&session_request(&cfg));
    assert_eq!(
        (method.as_str(), url.as_str()),
        ("GET", "https://api.coditect.example/v1/auth/me")
    );
    let out = session_response(
        &cfg,
        answer(
            200,
            r#"{"data":{"id":"usr_1","email":"ada@example.com","organization":{"id":"org_1","name":"Acme","role":"admin"}}}"#,
            vec![],
        ),
    );
    assert_eq!(
        out.str_at("action.identity.organization.role"),
        Some("admin")
    );
}

#[test]
fn token_error_rows() {
    for (operation, status, pcode, extra, canonical, kind) in [
        (
            "refresh",
            401,
            "invalid_refresh_token",
            "",
            "INVALID_REFRESH_TOKEN",
            "sign_in_again",
        ),
        (
            "refresh",
            400,
            "invalid_request",
            r#","field":"refresh_token""#,
            "INVALID_REQUEST",
            "fix_input",
        ),
        (
            "check",
            401,
            "token_expired",
            "",
            "TOKEN_EXPIRED",
            "refresh",
        ),
        (
            "check",
            401,
            "invalid_token",
            "",
            "INVALID_TOKEN",
            "sign_in_again",
        ),
        (
            "revoke",
            401,
            "token_expired",
            "",
            "TOKEN_EXPIRED",
            "refresh",
        ),
        (
            "call",
            403,
            "insufficient_scope",
            r#","required_scope":"write:projects""#,
            "INSUFFICIENT_SCOPE",
            "fix_input",
        ),
    ] {
        let out = session_response(
            &session(operation),
            answer(status, &err_body(pcode, extra), vec![]),
        );
        assert_eq!(code(&out), canonical, "{operation} {pcode}");
        assert_eq!(next_kind(&out), kind, "{operation} {pcode}");
        assert_eq!(out.int_at("action.error.status"), Some(status));
    }
    // insufficient_scope names the scope, from `required_scope` or from the seed's message.
    for body in [
        r#"{"error":{"code":"insufficient_scope","message":"m","required_scope":"write:projects"}}"#,
        r#"{"error":{"code":"insufficient_scope","message":"This action requires the 'write:projects' scope"}}"#,
    ] {
        let out = session_response(&session("call"), answer(403, body, vec![]));
        assert_eq!(
            out.str_at("action.error.details.requiredScope"),
            Some("write:projects")
        );
        assert!(
            text(&out).contains("'write:projects' scope"),
            "{}",
            text(&out)
        );
    }
    // Logging out a revoked token is done already.
    let out = session_response(
        &session("revoke"),
        answer(401, &err_body("invalid_token", ""), vec![]),
    );
    assert_eq!(
        out.get("action").unwrap().get("alreadyRevoked"),
        Some(&Value::Bool(true))
    );
    // No token: local, nothing sent.
    let cfg = obj(vec![("provider", s("coditect")), ("operation", s("check"))]);
    let out = session_request(&cfg);
    assert_eq!(
        (code(&out), next_kind(&out)),
        ("UNAUTHENTICATED", "sign_in_again")
    );
    // Never to plain http off loopback.
    let cfg = with(
        &session("check"),
        vec![("baseUrl", s("http://api.coditect.example"))],
    );
    assert_eq!(code(&session_request(&cfg)), "INSECURE_URL");
    // No error text ever carries a token.
    let out = session_response(
        &session("check"),
        answer(401, &err_body("invalid_token", ""), vec![]),
    );
    assert!(!out.to_json().contains(AT));
}

#[test]
fn api_tokens() {
    for (token, env) in [
        ("cdt_live_abc123abc123abc123", Some("live")),
        ("cdt_test_abc123abc123abc123", Some("test")),
        ("cdt_prod_abc123", None),
        ("cdt_live_", None),
    ] {
        let out = call(obj(vec![
            ("op", s("api_token")),
            (
                "config",
                obj(vec![("provider", s("coditect")), ("token", s(token))]),
            ),
        ]));
        assert_eq!(out.str_at("action.env"), env, "{token}");
        assert!(!out.to_json().contains("abc123abc123abc123"));
    }
    // An API token is used as a bearer like an access token.
    let cfg = obj(vec![
        ("provider", s("coditect")),
        ("baseUrl", s(API)),
        ("operation", s("check")),
        ("apiKey", s("cdt_test_abc123abc123abc123")),
    ]);
    let (_, _, headers, _) = request(&session_request(&cfg));
    assert_eq!(
        headers.str_at("authorization"),
        Some("Bearer cdt_test_abc123abc123abc123")
    );
    // CODITECT has no email-code flow.
    let out = call(obj(vec![
        ("op", s("start")),
        (
            "config",
            obj(vec![("provider", s("coditect")), ("email", s("a@b.co"))]),
        ),
    ]));
    assert_eq!(code(&out), "INVALID_PROVIDER");
}

// ---- robustness ------------------------------------------------------------------

/// Seeded mutations of real inputs (saved states, events, configs, answers) to every
/// session, password, OAuth2 and TOTP op: the core answers JSON and never panics.
#[test]
fn no_mutated_input_makes_the_session_ops_panic() {
    let second = at_second_factor();
    let (oauth_run, _) = authorized();
    let ev = |state: &Value, event: Value| {
        obj(vec![
            ("op", s("event")),
            ("now", Value::Int(T0)),
            ("state", state.clone()),
            ("event", event),
        ])
        .to_json()
    };
    let mut corpus = vec![
        ev(
            &second.state,
            obj(vec![("type", s("submit_2fa")), ("totpSecret", s(SECRET))]),
        ),
        ev(
            &second.state,
            answer(
                401,
                &err_body("invalid_2fa_code", r#","attempts_remaining":2"#),
                vec![],
            ),
        ),
        ev(
            &oauth_run.state,
            obj(vec![
                ("type", s("callback")),
                ("url", s("x?code=a%20b&state=AAECAwQFBgcICQoLDA0ODw")),
            ]),
        ),
        ev(
            &oauth_run.state,
            answer(400, r#"{"error":"invalid_grant"}"#, vec![]),
        ),
        obj(vec![("op", s("oauth_start")), ("config", oauth_config())]).to_json(),
        obj(vec![
            ("op", s("totp")),
            ("now", Value::Int(59)),
            ("secret", s(SECRET)),
        ])
        .to_json(),
    ];
    for op in ["refresh", "revoke", "check", "call"] {
        corpus.push(obj(vec![("op", s("session_request")), ("config", session(op))]).to_json());
        corpus.push(
            obj(vec![
                ("op", s("session_response")),
                ("config", session(op)),
                ("event", answer(200, &tokens_body("a@b.co"), vec![])),
            ])
            .to_json(),
        );
    }
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet = br#"{}[]:,"\ 0-9aZen.%"#;
    let mut answered = 0;
    for _ in 0..4000 {
        let base = &corpus[next() as usize % corpus.len()];
        let mut b = base.as_bytes().to_vec();
        for _ in 0..1 + next() % 4 {
            let at = next() as usize % b.len().max(1);
            match next() % 3 {
                0 => b[at] = alphabet[next() as usize % alphabet.len()],
                1 => {
                    let end = (at + 1 + next() as usize % 12).min(b.len());
                    b.drain(at..end);
                }
                _ => {
                    let end = (at + next() as usize % 24).min(b.len());
                    let piece = b[at..end].to_vec();
                    b.splice(at..at, piece);
                }
            }
            if b.is_empty() {
                b.push(b'{');
            }
        }
        if let Ok(text) = String::from_utf8(b) {
            let out = parse(&keymint::step(&text)).unwrap();
            assert!(out.str_at("action.type").is_some(), "{text}");
            answered += 1;
        }
    }
    assert!(answered > 3000);
}

/// Scope words from a string with any ASCII white space, or from an array of such strings,
/// are sent space-separated (non-ASCII words kept whole).
#[test]
fn scope_words_are_normalised() {
    for (scope, want) in [
        (
            s(" read:projects \t write:projects\n"),
            "read%3Aprojects%20write%3Aprojects",
        ),
        (
            Value::Arr(vec![s("a b"), s("  c"), s("é")]),
            "a%20b%20c%20%C3%A9",
        ),
    ] {
        let (_, out) = Run::start(
            "oauth_start",
            obj(vec![
                ("provider", s("coditect")),
                ("clientId", s("cli_1")),
                ("redirectUri", s("http://127.0.0.1:8976/callback")),
                ("scope", scope),
                ("random", s(&random())),
            ]),
        );
        let url = out.str_at("action.url").unwrap().to_string();
        assert!(url.contains(&format!("&scope={want}&")), "{url}");
    }
}

//! Property test: no sequence of events and backend answers makes the core
//! panic (a panic in wasm kills the instance), and every output is a well-formed
//! action. Inputs are mutations of a seed corpus of real contract answers plus
//! generated JSON, driven by a seeded PRNG so a failure replays exactly.
//! `KEYMINT_FUZZ_ITERS` raises the count (default 3000 flows per provider).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use keymint::json::{obj, parse, s, Value};

const CORPUS: &[&str] = &[
    r#"{"success":true,"data":{"ok":true,"email":"you@example.com"}}"#,
    r#"{"success":true,"data":{"email":"you@example.com","purpose":"signup","expiresAt":"2026-11-22T17:50:00Z","resendAvailableAt":"2026-11-22T17:40:30Z","codeLength":6}}"#,
    r#"{"success":true,"data":{"apiKey":"cko_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","keyId":"key_1","keyName":"CLI default key","keyPrefix":"cko_aaaa","scopes":["a","b"],"expiresAt":null,"organization":{"id":"org_1","name":"Acme"},"user":{"id":"usr_1","email":"you@example.com"}}}"#,
    r#"{"success":true,"data":{"apiKey":"scripto_x","keyId":"key_1","userId":"user_1","email":"you@example.com"}}"#,
    r#"{"success":false,"error":{"code":"OTP_INVALID","message":"Wrong code","details":{"attemptsRemaining":3}}}"#,
    r#"{"success":false,"error":{"code":"OTP_RESEND_COOLDOWN","message":"wait","details":{"retryInSeconds":17}}}"#,
    r#"{"success":false,"error":{"code":"ORGANIZATION_SELECTION_REQUIRED","message":"pick","details":{"organizations":[{"id":"org_1","name":"A"},{"id":"org_2","name":"B"}]}}}"#,
    r#"{"success":false,"error":{"code":"USER_ALREADY_HAS_ORGANIZATION","message":"exists"}}"#,
    r#"{"success":false,"error":{"code":"USER_NOT_FOUND","message":"none"}}"#,
    r#"{"success":false,"error":{"code":"invalid-argument","message":"bad","nextAction":"request a new code with: scripto auth login-request"}}"#,
    r#"{"success":false,"error":{"code":"OTP_LOCKED_OUT","message":"locked"}}"#,
    r#"<html><body>502 Bad Gateway</body></html>"#,
    "",
    "null",
    "[]",
    r#"{"success":true}"#,
    r#"{"success":true,"data":[]}"#,
    r#"{"ok":true,"email":"you@example.com","purpose":"signin","expiresAt":"2026-11-22T17:50:00Z","resendAvailableAt":"2026-11-22T17:40:30Z"}"#,
    r#"{"accessToken":"at_x","refreshToken":"rt_y","tokenType":"Bearer","expiresIn":900,"expiresAt":"2026-11-22T17:55:00Z","user":{"id":"usr_1","email":"you@example.com","createdAt":"2026-11-22T17:40:00Z"}}"#,
    r#"{"error":{"code":"otp_locked","message":"locked","retryAfterSeconds":900}}"#,
    r#"{"error":{"code":"invalid_code","message":"wrong","attemptsRemaining":2}}"#,
    r#"{"token":"sess_tok","user":{"id":"u1","email":"you@example.com","createdAt":"2026-11-22T17:40:00.000Z"}}"#,
    r#"{"key":"ba_key_123","id":"k1","name":"cli","prefix":null,"expiresAt":null}"#,
    r#"{"message":"Invalid OTP","code":"INVALID_OTP"}"#,
    r#"{"message":"Too many attempts","code":"TOO_MANY_ATTEMPTS"}"#,
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "success",
    "data",
    "error",
    "code",
    "message",
    "details",
    "retryInSeconds",
    "attemptsRemaining",
    "organizations",
    "apiKey",
    "expiresAt",
    "resendAvailableAt",
    "id",
    "name",
    "nextAction",
    "OTP_INVALID",
    "OTP_LOCKED_OUT",
    "ORGANIZATION_NOT_MEMBER",
    "2026-11-22T17:50:00Z",
    "9999-99-99T99:99:99Z",
    "\u{0}",
    "é",
];

fn gen_json(r: &mut Rng, depth: u32) -> String {
    match r.below(if depth > 4 { 5 } else { 8 }) {
        0 => String::from("null"),
        1 => String::from(if r.below(2) == 0 { "true" } else { "false" }),
        2 => (r.next() as i64 >> r.below(64)).to_string(),
        3 => format!("{:?}", r.pick(WORDS)),
        4 => String::from(r.pick(&[
            "1e999",
            "-0",
            "0.5",
            "18446744073709551616",
            "-9223372036854775808",
        ])),
        5 | 6 => {
            let n = r.below(5);
            let members: Vec<String> = (0..n)
                .map(|_| format!("{:?}:{}", r.pick(WORDS), gen_json(r, depth + 1)))
                .collect();
            format!("{{{}}}", members.join(","))
        }
        _ => {
            let n = r.below(4);
            let items: Vec<String> = (0..n).map(|_| gen_json(r, depth + 1)).collect();
            format!("[{}]", items.join(","))
        }
    }
}

fn mutate(r: &mut Rng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..r.below(4) {
        if bytes.is_empty() {
            break;
        }
        let i = r.below(bytes.len());
        match r.below(4) {
            0 => bytes.truncate(i),
            1 => bytes[i] = (r.next() & 0xff) as u8,
            2 => {
                bytes.remove(i);
            }
            _ => bytes.insert(i, r.pick(b"{}[]\",:0\\")),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn body(r: &mut Rng) -> String {
    match r.below(3) {
        0 => String::from(r.pick(CORPUS)),
        1 => {
            let seed = r.pick(CORPUS);
            mutate(r, seed)
        }
        _ => gen_json(r, 0),
    }
}

/// Steps `event` into the saved `state` (occasionally a damaged copy of it instead), checks
/// the output with `check`, keeps the new state, and returns the action's type.
fn feed(
    r: &mut Rng,
    state: &mut Value,
    now: i64,
    event: Value,
    check: fn(&str) -> Value,
) -> String {
    let saved = if r.below(10) == 0 {
        parse(&mutate(r, &state.to_json())).unwrap_or(Value::Null)
    } else {
        state.clone()
    };
    let out = check(&keymint::step(
        &obj(vec![
            ("op", s("event")),
            ("now", Value::Int(now)),
            ("state", saved),
            ("event", event),
        ])
        .to_json(),
    ));
    if let Some(st) = out.get("state").filter(|v| !v.is_null()) {
        *state = st.clone();
    }
    String::from(out.str_at("action.type").unwrap_or(""))
}

fn check(out: &str) -> Value {
    let v = parse(out).unwrap_or_else(|| panic!("output is not JSON: {out}"));
    let t = v.str_at("action.type").unwrap_or("");
    assert!(
        ["ready", "send", "code_sent", "done", "error"].contains(&t),
        "bad action {out}"
    );
    if t == "error" {
        assert!(v.str_at("action.error.code").is_some(), "{out}");
        assert!(v.str_at("action.error.nextAction.kind").is_some(), "{out}");
    }
    v
}

fn run_provider(provider: &str, seed: u64, iters: usize) {
    let mut r = Rng(seed);
    for _ in 0..iters {
        let purpose = r.pick(&["login", "signup", "auto", "bogus"]);
        let cfg = obj(vec![
            ("provider", s(provider)),
            ("baseUrl", s("https://api.example.test")),
            ("email", s(r.pick(&["you@example.com", "", "x", "a@b.co"]))),
            ("purpose", s(purpose)),
            ("flowId", s("fz")),
        ]);
        let out = check(&keymint::step(
            &obj(vec![
                ("op", s("start")),
                ("now", Value::Int(1_795_369_200)),
                ("config", cfg),
            ])
            .to_json(),
        ));
        let Some(mut state) = out.get("state").filter(|v| !v.is_null()).cloned() else {
            continue;
        };
        let mut now = 1_795_369_200i64;
        for _ in 0..r.below(12) {
            now += r.below(700) as i64;
            let event = match r.below(7) {
                0 => obj(vec![("type", s("request_code"))]),
                1 => obj(vec![
                    ("type", s("submit_code")),
                    ("code", s(r.pick(&["123456", "12 34-56", "abc", ""]))),
                    (
                        "nonce",
                        s(r.pick(&["00112233445566778899aabbccddeeff", "zz", ""])),
                    ),
                ]),
                2 => obj(vec![
                    ("type", s("choose_organization")),
                    ("organizationId", s(r.pick(&["org_1", "org_9"]))),
                    (
                        "nonce",
                        s(r.pick(&["ffeeddccbbaa99887766554433221100", "1"])),
                    ),
                ]),
                3 => obj(vec![
                    ("type", s("transport_error")),
                    ("kind", s(r.pick(&["network", "timeout", "too_large"]))),
                ]),
                _ => obj(vec![
                    ("type", s("response")),
                    (
                        "status",
                        Value::Int(
                            r.pick(&[200, 400, 401, 403, 404, 409, 410, 429, 500, 502, 0, 999]),
                        ),
                    ),
                    ("body", s(&body(&mut r))),
                    (
                        "headers",
                        obj(vec![
                            (
                                "content-type",
                                s(r.pick(&["application/json", "text/html", ""])),
                            ),
                            (
                                "retry-after",
                                s(r.pick(&["5", "-1", "abc", "99999999999999999999"])),
                            ),
                        ]),
                    ),
                ]),
            };
            feed(&mut r, &mut state, now, event, check);
        }
    }
}

fn iters() -> usize {
    std::env::var("KEYMINT_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

#[test]
fn scripto_never_panics() {
    run_provider("scripto", 0x5eed_0001, iters());
}

#[test]
fn codika_never_panics() {
    run_provider("codika", 0x5eed_0002, iters());
}

#[test]
fn sessions_never_panics() {
    run_provider("sessions", 0x5eed_0004, iters());
}

#[test]
fn better_auth_never_panics() {
    run_provider("better-auth", 0x5eed_0005, iters());
}

#[test]
fn arbitrary_step_inputs_never_panic() {
    let mut r = Rng(0x5eed_0003);
    for _ in 0..iters() {
        let input = match r.below(3) {
            0 => gen_json(&mut r, 0),
            1 => mutate(
                &mut r,
                r#"{"op":"whoami_response","config":{"provider":"codika"},"event":{"status":200,"body":"{}"}}"#,
            ),
            _ => mutate(
                &mut r,
                r#"{"op":"start","now":5,"config":{"provider":"codika","spec":{"name":"x"},"email":"a@b.co"}}"#,
            ),
        };
        check(&keymint::step(&input));
    }
}

/// Answers the session family's flows read: 2FA challenges, token answers, RFC 8628
/// device answers and errors, RFC 8414 metadata, mint answers.
const FAMILY_CORPUS: &[&str] = &[
    r#"{"data":{"requires_2fa":true,"challenge_token":"ch","method":"totp"}}"#,
    r#"{"data":{"access_token":"at","refresh_token":"rt","expires_at":"2026-11-22T17:50:00Z","user":{"id":"u"}}}"#,
    r#"{"error":{"code":"invalid_2fa_code","attempts_remaining":0}}"#,
    r#"{"access_token":"at","refresh_token":"rt","expires_in":3600,"token_type":"Bearer","scope":"a b"}"#,
    r#"{"device_code":"dc","user_code":"AB-CD","verification_uri":"https://auth.example.com/device","expires_in":600,"interval":5}"#,
    r#"{"device_code":"dc","user_code":"AB","verification_uri":"http://evil.example/x","interval":-5,"expires_in":99999999999}"#,
    r#"{"error":"authorization_pending"}"#,
    r#"{"error":"slow_down"}"#,
    r#"{"error":"expired_token"}"#,
    r#"{"error":"access_denied","error_description":"no"}"#,
    r#"{"device_authorization_endpoint":"https://auth.example.com/d","token_endpoint":"https://auth.example.com/t"}"#,
    r#"{"key":"k_1","id":"key_1"}"#,
    "",
    "not json",
];

/// Answers that fit a family flow's step in flight (its saved `phase`), with their status
/// (indices into [`FAMILY_CORPUS`]).
fn fitting(phase: &str) -> Vec<(i64, &'static str)> {
    let rows: &[(i64, usize)] = match phase {
        "logging_in" => &[(200, 0), (200, 1)],
        "registering" => &[(200, 1)],
        "verifying" => &[(200, 1), (400, 2)],
        "exchanging" => &[(200, 3)],
        "discovering" => &[(200, 10)],
        "requesting" => &[(200, 4), (200, 5)],
        "polling" => &[(400, 6), (400, 7), (400, 8), (400, 9), (200, 3)],
        "minting" => &[(200, 11)],
        _ => &[],
    };
    rows.iter()
        .map(|(status, i)| (*status, FAMILY_CORPUS[*i]))
        .collect()
}

fn check_family(out: &str) -> Value {
    let v = parse(out).unwrap_or_else(|| panic!("output is not JSON: {out}"));
    let t = v.str_at("action.type").unwrap_or("");
    assert!(
        [
            "ready",
            "send",
            "second_factor",
            "authorize",
            "device_code",
            "wait",
            "done",
            "error"
        ]
        .contains(&t),
        "bad action {out}"
    );
    if t == "error" || t == "wait" {
        assert!(v.str_at("action.error.code").is_some(), "{out}");
        assert!(v.str_at("action.error.nextAction.kind").is_some(), "{out}");
    }
    v
}

/// Password + 2FA, OAuth2 and device flows under random events, answers and damaged
/// saved documents: every step answers JSON with a known action, never a panic.
#[test]
fn family_flows_never_panic() {
    let mut r = Rng(0x5eed_0006);
    let device_spec = parse(
        r#"{"name":"dev","baseUrl":"https://auth.example.com/api","device":{"deviceAuthorizationEndpoint":"/device/code","tokenEndpoint":"/device/token","clientId":"cli","mint":true},"mint":{"path":"/key","body":{"name":"keyName"}},"credential":{"apiKey":"key","keyId":"id"}}"#,
    )
    .unwrap();
    // Every action a family flow can answer must turn up, or the fuzzer is not reaching
    // the flows' later states.
    let mut seen = std::collections::BTreeSet::new();
    let meta_spec = parse(
        r#"{"name":"meta","baseUrl":"https://auth.example.com","device":{"metadata":"/.well-known/oauth-authorization-server","clientId":"cli"}}"#,
    )
    .unwrap();
    for i in 0..iters() {
        let (op, config) = match i % 4 {
            0 => (
                "password_start",
                obj(vec![
                    ("provider", s("coditect")),
                    ("email", s(r.pick(&["dev@example.com", "x"]))),
                ]),
            ),
            1 => (
                "oauth_start",
                obj(vec![
                    ("provider", s("coditect")),
                    ("clientId", s("cli")),
                    (
                        "redirectUri",
                        s(r.pick(&["http://127.0.0.1:5555/cb", "bogus"])),
                    ),
                    ("random", s(&"ab".repeat(r.pick(&[48, 10])))),
                ]),
            ),
            2 => (
                "device_start",
                obj(vec![("spec", device_spec.clone()), ("keyName", s("k"))]),
            ),
            _ => ("device_start", obj(vec![("spec", meta_spec.clone())])),
        };
        let mut now = 1_795_369_200i64;
        let out = check_family(&keymint::step(
            &obj(vec![
                ("op", s(op)),
                ("now", Value::Int(now)),
                ("config", config),
            ])
            .to_json(),
        ));
        seen.insert(String::from(out.str_at("action.type").unwrap_or("")));
        let Some(mut state) = out.get("state").filter(|v| !v.is_null()).cloned() else {
            continue;
        };
        // The answers this kind of flow reads (and the two junk ones), so its later states are
        // reached often enough to be fuzzed.
        let answers: Vec<&str> = FAMILY_CORPUS
            .iter()
            .enumerate()
            .filter(|(n, _)| match i % 4 {
                0 => *n <= 2 || *n >= 12,
                1 => *n == 3 || *n == 9 || *n >= 12,
                _ => *n >= 3,
            })
            .map(|(_, a)| *a)
            .collect();
        let answers = answers.as_slice();
        let oauth_state = out.str_at("action.state").unwrap_or("").to_string();
        for _ in 0..r.below(14) {
            // Mostly small steps, so polls come early, on time and after expiry.
            now += r.pick(&[0, 1, 6, 30, 700]);
            // Mostly the events this kind of flow takes; sometimes any (wrong steps).
            let kind = match (r.below(5), i % 4) {
                (0, _) => r.below(9),
                (_, 0) => r.pick(&[0, 1, 2, 5, 6, 7, 8]),
                (_, 1) => r.pick(&[3, 5, 6, 7, 8]),
                _ => r.pick(&[4, 4, 5, 6, 7, 8]),
            };
            let event = match kind {
                0 => obj(vec![
                    ("type", s(r.pick(&["register", "login"]))),
                    (
                        "password",
                        s(r.pick(&["correct horse battery", "short", ""])),
                    ),
                ]),
                1 => obj(vec![
                    ("type", s("submit_2fa")),
                    ("code", s(r.pick(&["123456", "12 34-56", "abc"]))),
                ]),
                2 => obj(vec![
                    ("type", s("submit_2fa")),
                    ("totpSecret", s(r.pick(&["JBSWY3DPEHPK3PXP", "!!", ""]))),
                ]),
                3 => {
                    let st = if r.below(2) == 0 {
                        oauth_state.as_str()
                    } else {
                        "x"
                    };
                    let url = format!(
                        "http://127.0.0.1:5555/cb?{}&state={st}",
                        r.pick(&["code=c1", "error=access_denied", "code=", "%zz=1"])
                    );
                    obj(vec![("type", s("callback")), ("url", s(&url))])
                }
                4 => obj(vec![(
                    "type",
                    s(r.pick(&["request", "poll", "poll", "bogus"])),
                )]),
                5 => obj(vec![
                    ("type", s("transport_error")),
                    ("kind", s(r.pick(&["network", "timeout", "too_large"]))),
                ]),
                _ => {
                    // Half the time an answer that fits the step in flight, so the flows get
                    // past it; else any of their answers, mutated or made up, with any status.
                    let fitting = fitting(state.str_at("phase").unwrap_or(""));
                    let (status, text) = match r.below(6) {
                        0..=2 if !fitting.is_empty() => {
                            let (status, body) = r.pick(&fitting);
                            (status, String::from(body))
                        }
                        0 | 1 => (200, String::from(r.pick(answers))),
                        2 | 3 => {
                            let seed = r.pick(answers);
                            (200, mutate(&mut r, seed))
                        }
                        _ => (200, gen_json(&mut r, 0)),
                    };
                    let status = match r.below(3) {
                        0 => r.pick(&[200, 201, 400, 401, 403, 429, 500, 0]),
                        _ => status,
                    };
                    obj(vec![
                        ("type", s("response")),
                        ("status", Value::Int(status)),
                        ("body", s(&text)),
                        (
                            "headers",
                            obj(vec![("content-type", s("application/json"))]),
                        ),
                    ])
                }
            };
            seen.insert(feed(&mut r, &mut state, now, event, check_family));
        }
    }
    for kind in [
        "ready",
        "send",
        "second_factor",
        "authorize",
        "device_code",
        "wait",
        "done",
        "error",
    ] {
        assert!(
            seen.contains(kind),
            "no flow reached a '{kind}' action: {seen:?}"
        );
    }
}

//! The crate as a Rust API: `error::Error` is a `std::error::Error` (feature
//! `std`), and the public types serialise with the `serde` feature
//! (`cargo test --features serde`); a stored credential reads back whole while
//! its `Debug` stays masked.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use keymint::error::{Code, Error};

#[cfg(feature = "std")]
#[test]
fn error_is_a_std_error() {
    let e: Box<dyn std::error::Error> =
        Box::new(Error::new(Code::OTP_INVALID, "The code is wrong."));
    assert_eq!(e.to_string(), "OTP_INVALID: The code is wrong.");
    assert!(e.source().is_none());
}

#[cfg(feature = "serde")]
mod serde_types {
    use super::*;
    use keymint::action::{Action, Credential, Done, Request};
    use keymint::json::Value;
    use keymint::secret::Secret;
    use serde_json::json;

    #[test]
    fn code_is_its_name() {
        assert_eq!(
            serde_json::to_value(Code::OTP_INVALID).unwrap(),
            json!("OTP_INVALID")
        );
        let back: Code = serde_json::from_str("\"MAX_API_KEYS_REACHED\"").unwrap();
        assert_eq!(back, Code::MAX_API_KEYS_REACHED);
        assert!(serde_json::from_str::<Code>("\"NO_SUCH_CODE\"").is_err());
    }

    #[test]
    fn error_and_failed_action() {
        let mut e = Error::input(Code::EMAIL_INVALID, "email", "The email is malformed.");
        e.status = Some(400);
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], json!("EMAIL_INVALID"));
        assert_eq!(v["message"], json!("The email is malformed."));
        assert_eq!(v["status"], json!(400));
        assert_eq!(v["next"], json!({"fix_input": "email"}));
        assert_eq!(v["local"], json!(true));
        assert_eq!(v["attemptsRemaining"], json!(null));
        let a = serde_json::to_value(Action::Failed(e)).unwrap();
        assert_eq!(a["failed"]["code"], json!("EMAIL_INVALID"));
        assert_eq!(serde_json::to_value(Action::Ready).unwrap(), json!("ready"));
    }

    #[test]
    fn code_sent_action_names_members_as_the_protocol_does() {
        let a = Action::CodeSent {
            email: String::from("a@b.co"),
            purpose: String::from("login"),
            expires_at: Some(1_795_000_600),
            resend_at: None,
            switched_from: None,
        };
        assert_eq!(
            serde_json::to_value(a).unwrap(),
            json!({"code_sent": {"email": "a@b.co", "purpose": "login", "expiresAt": 1_795_000_600,
                                 "resendAt": null, "switchedFrom": null}})
        );
    }

    #[test]
    fn send_action() {
        let a = Action::Send(Request {
            method: "POST",
            url: String::from("http://127.0.0.1:1/api/cli/login-request"),
            headers: vec![("content-type", String::from("application/json"))],
            extra: vec![],
            body: Some(String::from("{\"email\":\"a@b.co\"}")),
        });
        let v = serde_json::to_value(a).unwrap();
        assert_eq!(v["send"]["method"], json!("POST"));
        assert_eq!(
            v["send"]["headers"],
            json!([["content-type", "application/json"]])
        );
    }

    #[test]
    fn credential_is_storable_and_stays_masked_in_debug() {
        let raw = "scripto_0123456789abcdefghijklmnopqrstuvwxyzAB";
        let c = Credential {
            api_key: Secret::new(raw),
            session: false,
            refresh_token: None,
            fields: vec![
                (String::from("keyId"), Value::Str(String::from("key_1"))),
                (String::from("expiresInDays"), Value::Int(90)),
                (
                    String::from("scopes"),
                    Value::Arr(vec![Value::Str(String::from("read"))]),
                ),
            ],
        };
        let text = serde_json::to_string(&Done::Credential(c.clone())).unwrap();
        // Serialising is storing: the raw key is written (documented on Secret).
        assert!(text.contains(&format!("\"apiKey\":\"{raw}\"")), "{text}");
        assert!(text.contains(
            "\"fields\":{\"keyId\":\"key_1\",\"expiresInDays\":90,\"scopes\":[\"read\"]}"
        ));
        let back: Done = serde_json::from_str(&text).unwrap();
        assert_eq!(back, Done::Credential(c));
        let debug = format!("{back:?}");
        assert!(!debug.contains(raw), "{debug}");
        assert!(debug.contains("scripto_••••••••yzAB"), "{debug}");
    }
}

/// A password + second-factor flow driven natively with typed values: the config
/// in, typed events (the TOTP secret rather than a code), typed actions out, the
/// saved document carried between "processes" and checked.
#[test]
fn password_flow_natively() {
    use keymint::action::{Action, Done};
    use keymint::family::password::{Config, Password, State};
    use keymint::family::{Event, Target};
    use keymint::json::parse;
    use keymint::response::Response;

    const T0: i64 = 1_800_000_000;
    let config = Config {
        target: Target {
            provider: Some("coditect"),
            ..Target::default()
        },
        email: "dev@example.com",
    };
    let mut flow = Password::start(&config).unwrap();
    let Action::Send(req) = flow.handle(
        Event::Login {
            password: Some("correct horse battery"),
        },
        T0,
    ) else {
        panic!("a login request")
    };
    assert_eq!(req.url, "https://api.coditect.ai/v1/auth/login");
    assert!(
        !format!("{flow:?}").contains("correct horse"),
        "the password is not kept"
    );
    let challenge = Response::from_parts(
        200,
        &[("Content-Type", "application/json")],
        r#"{"data":{"requires_2fa":true,"challenge_token":"ch_1","method":"totp"}}"#,
    );
    let action = flow.handle(Event::Response(challenge), T0);
    assert!(matches!(action, Action::SecondFactor { expires_at, .. } if expires_at == T0 + 300));
    assert!(matches!(flow.state(), State::SecondFactor(c) if c.token.expose() == "ch_1"));
    assert!(
        !format!("{flow:?}").contains("ch_1"),
        "Debug masks the challenge token"
    );

    // Saved, and resumed in another process; an edited document is refused.
    let mut w = keymint::json::Writer::new();
    keymint::saved::seal(&mut w, &|w| flow.write(w));
    let saved = parse(&w.out).unwrap();
    let mut flow = Password::resume(&saved).unwrap();
    let edited = parse(&w.out.replace("ch_1", "ch_2")).unwrap();
    assert!(Password::resume(&edited).is_err());

    let Action::Send(req) = flow.handle(
        Event::SubmitSecondFactor {
            code: None,
            totp_secret: Some("JBSWY3DPEHPK3PXP"),
        },
        T0 + 10,
    ) else {
        panic!("a second-factor request")
    };
    let body = parse(req.body.as_deref().unwrap()).unwrap();
    assert_eq!(body.str_at("challenge_token"), Some("ch_1"));
    assert_eq!(
        body.str_at("code"),
        Some(
            keymint::totp::totp("JBSWY3DPEHPK3PXP", T0 + 10)
                .unwrap()
                .as_str()
        )
    );
    let tokens = Response::from_parts(
        200,
        &[("content-type", "application/json")],
        r#"{"data":{"access_token":"at_1","refresh_token":"rt_1","expires_at":"2027-01-15T00:00:00Z","user":{"id":"u1","email":"dev@example.com"}}}"#,
    );
    let Action::Done(Done::Credential(c)) = flow.handle(Event::Response(tokens), T0 + 11) else {
        panic!("a credential")
    };
    assert!(c.session);
    assert_eq!(c.api_key.expose(), "at_1");
    assert_eq!(c.refresh_token.as_ref().map(|s| s.expose()), Some("rt_1"));
    assert!(matches!(flow.state(), State::Done));
}

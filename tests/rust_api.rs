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

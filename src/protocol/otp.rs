//! The email-code flow's events as decoded from the step input's `event`
//! (`{type, …}`): the only place their wire names appear. The engine
//! ([`crate::otp`]) defines the typed [`Event`]; a Rust caller builds it directly.

use crate::json::Value;
use crate::otp::Event;
use crate::response::Response;

impl<'a> Event<'a> {
    /// Decodes a step input's `event` member.
    pub fn decode(event: &'a Value) -> Event<'a> {
        // A `url` that is not a string is checked (and refused) as an empty one.
        let url = match event.get("url") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_str().unwrap_or("")),
        };
        let nonce = event.str_at("nonce");
        match event.str_at("type").unwrap_or("") {
            "request_code" => Event::RequestCode { url },
            "submit_code" => Event::SubmitCode {
                code: event.get("code").and_then(Value::as_str).unwrap_or(""),
                nonce,
                options: event.get("options"),
                url,
            },
            "choose_organization" => Event::ChooseOrganization {
                organization_id: event.str_at("organizationId").unwrap_or(""),
                nonce,
                url,
            },
            "response" => Event::Response(Response::from_value(event)),
            "transport_error" => Event::TransportError {
                kind: event.str_at("kind").unwrap_or("network"),
            },
            _ => Event::Unknown,
        }
    }
}

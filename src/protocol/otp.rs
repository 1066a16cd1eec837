//! The email-code flow's events: decoded once from the step input's `event`
//! (`{type, …}`), or built directly by a Rust caller.

use crate::json::Value;
use crate::response::Response;

/// One event for an email-code flow ([`crate::otp::Flow::handle`]).
///
/// A Rust caller builds them directly, e.g. `Event::RequestCode { url: None }`
/// or `Event::SubmitCode { code: "123456", nonce: Some(nonce), options: None, url: None }`;
/// the JSON edge uses [`Event::decode`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// `request_code`: ask the backend to email a code. The flow answers with a
    /// request to send.
    RequestCode {
        /// Replaces the whole URL of the code request (https or loopback).
        url: Option<&'a str>,
    },
    /// `submit_code`: the code the user received. The flow answers with the
    /// complete request to send, or a local refusal.
    SubmitCode {
        /// The code as typed.
        code: &'a str,
        /// A fresh caller-drawn nonce (8 to 32 random bytes as hex); may be left
        /// out when the same code and options are sent again.
        nonce: Option<&'a str>,
        /// Complete options by canonical name (`keyName`, `organizationId`, …).
        options: Option<&'a Value>,
        /// Replaces the whole URL of the complete request.
        url: Option<&'a str>,
    },
    /// `choose_organization`: the organization to complete with, after the
    /// flow asked for one. The flow answers with the complete request.
    ChooseOrganization {
        /// One of the offered organizations' ids.
        organization_id: &'a str,
        /// As for [`Event::SubmitCode`].
        nonce: Option<&'a str>,
        /// Replaces the whole URL of the complete request.
        url: Option<&'a str>,
    },
    /// `response`: the answer to the request the flow last asked to send.
    Response(Response),
    /// `transport_error`: that request got no usable answer (`kind`:
    /// `network`, `timeout`, `too_large`, …).
    TransportError {
        /// What went wrong.
        kind: &'a str,
    },
    /// Any other `type`: refused with `INVALID_STEP`.
    Unknown,
}

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

//! The email one-time-code flow as a state machine over plain data.
//!
//! [`Flow::start`] takes a typed [`Config`]; [`Flow::handle`] takes an [`Event`]
//! with `now` (Unix seconds) and answers one [`Action`]: send this request, the
//! code was sent, choose an organization, done with a credential, or failed.
//! Where the flow is lives in its [`State`], whose variants carry exactly the
//! data valid in them. The flow never performs IO, so the same transitions run
//! natively, under wasm and under the fuzzer; [`Flow::write_saved`] and
//! [`Flow::resume`] carry it between processes.

mod answer;
mod config;
mod credential;
mod events;
pub mod key;
mod request;
mod saved;
mod state;

pub use config::Config;
pub use state::{InFlight, Limits, Orgs, State};

use crate::action::Action;
use crate::error::{Code, Error};
use crate::json::Value;
use crate::provider::Spec;
use crate::response::Response;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

/// Which step an event belongs to; picks the command a next action names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Not a request or complete step (start, resume, a refused event).
    Other,
    /// Requesting a code.
    Request,
    /// Completing with a code (including an organization choice).
    Complete,
}

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

/// A pending or finished email-code flow: everything needed to resume it in
/// another process.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    /// The provider spec (a preset, or the caller's custom one), shared with the preset cache.
    spec: Rc<Spec>,
    /// The custom spec document, kept so the flow resumes without it being passed again.
    custom: Option<Value>,
    /// Base URL, without a trailing slash.
    base_url: String,
    /// The calling program's name, used in next-action text.
    program: String,
    /// The email, trimmed.
    email: String,
    /// `login` or `signup`.
    purpose: String,
    /// Whether the agent recipe may switch purpose by itself.
    auto: bool,
    /// Whether plain http:// to non-loopback hosts is allowed.
    allow_insecure: bool,
    /// Caller-supplied random id; the idempotency key starts with it.
    flow_id: String,
    /// Where the flow is, with the data valid there.
    state: State,
    /// The backend's limits on the code last sent.
    limits: Limits,
    /// When a new code may be requested.
    resend_at: Option<i64>,
    /// Complete options (canonical names).
    options: Vec<(String, Value)>,
    /// The caller-drawn nonce of the submission in flight (or last sent): the
    /// idempotency key's second half, kept so a re-send of the same code and
    /// options carries the same key.
    nonce: Option<String>,
    /// A complete's answer was lost: a key may exist.
    maybe_minted: bool,
    /// The purpose the flow switched from, if it switched.
    switched_from: Option<String>,
    /// The server's clock when it answered the last code request (its `Date`).
    sent_at: Option<i64>,
    /// Values carried from the request answer into the complete (`carry`), by name.
    carried: Vec<(String, Value)>,
    /// The last code request failed and no code from an earlier one is pending:
    /// a submitted code has nothing to be checked against.
    request_failed: bool,
    /// The step the last event belonged to (not saved).
    last_step: Step,
}

impl Flow {
    /// Where the flow is.
    pub fn state(&self) -> &State {
        &self.state
    }
    /// The email, trimmed.
    pub fn email(&self) -> &str {
        &self.email
    }
    /// `login` or `signup`: the purpose now (the agent recipe may switch it).
    pub fn purpose(&self) -> &str {
        &self.purpose
    }
    /// The backend's limits on the code last sent.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Handles one event at `now` (Unix seconds) and answers what the caller
    /// does next. An event the state cannot take is refused with `INVALID_STEP`
    /// and changes nothing.
    pub fn handle(&mut self, event: Event<'_>, now: i64) -> Action {
        let answer = matches!(event, Event::Response(_) | Event::TransportError { .. });
        self.last_step = match (&event, &self.state) {
            (Event::RequestCode { .. }, _) => Step::Request,
            (_, State::Requesting(_)) if answer => Step::Request,
            (Event::SubmitCode { .. } | Event::ChooseOrganization { .. }, _) => Step::Complete,
            (_, State::Completing { .. } | State::Minting { .. }) if answer => Step::Complete,
            _ => Step::Other,
        };
        let result = match event {
            Event::RequestCode { url } => self.on_request_code(url, now),
            Event::SubmitCode {
                code,
                nonce,
                options,
                url,
            } => self.on_submit(code, nonce, options, url, now),
            Event::ChooseOrganization {
                organization_id,
                nonce,
                url,
            } => self.on_choose(organization_id, nonce, url),
            Event::Response(r) => self.on_response(&r, now),
            Event::TransportError { kind } => self.on_transport_error(kind),
            Event::Unknown => Err(Error::input(
                Code::INVALID_STEP,
                "event",
                "Unknown event type.",
            )),
        };
        result.unwrap_or_else(Action::Failed)
    }

    /// Whether the flow is over (its credential handed out).
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Forgets which step the last event belonged to, as a flow resumed from its document
    /// has (it is not saved): what `protocol::Memo` keeps is then the resumed flow exactly.
    pub(crate) fn settle(&mut self) {
        self.last_step = Step::Other;
    }

    /// What the renderer needs of this flow to write next-action text.
    pub fn render_ctx(&self) -> crate::render::Ctx<'_> {
        crate::render::Ctx {
            program: &self.program,
            spec: &self.spec,
            email: &self.email,
            purpose: &self.purpose,
            options: &self.options,
            // Which step a retry repeats: the one that failed, else what the state calls for.
            repeat_request: match self.last_step {
                Step::Request => true,
                Step::Complete => false,
                Step::Other => matches!(self.state, State::Ready),
            },
        }
    }

    /// The `code_sent` action for the code now pending.
    fn code_sent(&self) -> Action {
        Action::CodeSent {
            email: self.email.clone(),
            purpose: self.purpose.clone(),
            expires_at: self.limits.expires_at,
            resend_at: self.resend_at,
            switched_from: self.switched_from.clone(),
        }
    }

    /// `INVALID_STEP` for an event this state cannot take.
    fn wrong_step(&self) -> Error {
        Error::wrong_step(self.state.name())
    }

    /// A complete option by canonical name.
    fn option(&self, name: &str) -> Option<&Value> {
        self.options.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// A submission nonce: 16 to 64 lowercase hex digits (8 to 32 bytes).
fn valid_nonce(n: &str) -> bool {
    (16..=64).contains(&n.len()) && n.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests;

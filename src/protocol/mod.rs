//! The protocol edge: the only code that knows the names of ops, events and
//! actions on the wire. It decodes the step input into typed values for the
//! engines and encodes what they answer.
//!
//! [`step`] is the whole JSON protocol: `{op, now, config?, state?, event?}` in,
//! `{state?, action}` out. The op is parsed once ([`Op`]); each op's config and
//! event are decoded into the engine's typed values here; every answer is one
//! [`Action`] written by its one encoder.

use crate::action::{Action, Done};
use crate::error::{Code, Error};
use crate::json::{parse, parse_keeping, Value, Writer};
use crate::otp::key::{self, KeyConfig, KeyOp};
use crate::otp::{Config, Flow};
use crate::render::Ctx;
use crate::response::{transport_error, Response};
use alloc::string::String;

pub use memo::Memo;

#[cfg(feature = "sessions")]
pub mod family;
mod memo;
pub mod otp;
#[cfg(not(feature = "sessions"))]
mod otp_only;
pub mod schema;
pub mod typescript;

/// The op a step input names (`{op, …}`): which engine and which entry of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// Start an email-code flow.
    Start,
    /// Check a saved flow of any kind.
    Validate,
    /// One event of a saved flow of any kind.
    Event,
    /// The whoami request of an email-code credential.
    Whoami,
    /// Its answer.
    WhoamiResponse,
    /// The refresh request of an email-code session credential.
    TokenRefresh,
    /// Its answer.
    TokenRefreshResponse,
    /// A one-shot session operation's request.
    SessionRequest,
    /// Its answer.
    SessionResponse,
    /// A TOTP code.
    Totp,
    /// What an API token's prefix says.
    ApiToken,
    /// Start a password flow.
    PasswordStart,
    /// Start an OAuth2 flow.
    OauthStart,
    /// Start a device flow.
    DeviceStart,
}

impl Op {
    /// Every op, in the order of [`schema::OPS`].
    pub const ALL: [Op; 14] = [
        Op::Start,
        Op::Validate,
        Op::Event,
        Op::Whoami,
        Op::WhoamiResponse,
        Op::TokenRefresh,
        Op::TokenRefreshResponse,
        Op::SessionRequest,
        Op::SessionResponse,
        Op::Totp,
        Op::ApiToken,
        Op::PasswordStart,
        Op::OauthStart,
        Op::DeviceStart,
    ];

    /// The op named `name` on the wire (its [`schema::OPS`] tag; `tests/protocol.rs`
    /// checks the two agree). A match rather than a search of the table, so the
    /// table's documentation text stays out of the shipped wasm.
    pub fn parse(name: &str) -> Option<Op> {
        Some(match name {
            "start" => Op::Start,
            "validate" => Op::Validate,
            "event" => Op::Event,
            "whoami" => Op::Whoami,
            "whoami_response" => Op::WhoamiResponse,
            "token_refresh" => Op::TokenRefresh,
            "token_refresh_response" => Op::TokenRefreshResponse,
            "session_request" => Op::SessionRequest,
            "session_response" => Op::SessionResponse,
            "totp" => Op::Totp,
            "api_token" => Op::ApiToken,
            "password_start" => Op::PasswordStart,
            "oauth_start" => Op::OauthStart,
            "device_start" => Op::DeviceStart,
            _ => return None,
        })
    }
}

/// Runs one step of the JSON protocol (see [`crate::step`]).
pub fn step(input: &str) -> String {
    run(input).text
}

/// A step's answer: `{state?, action}` as text, and where the saved document is in it (an
/// empty range when there is none), so a caller can keep that text as it is, without
/// parsing it, and hand it back at the next step (the JS driver does).
#[derive(Debug)]
pub struct Reply {
    /// `{state?, action}`.
    pub text: String,
    /// The saved document's bytes in `text`.
    pub state: core::ops::Range<usize>,
}

impl Reply {
    /// The action's text and the saved document's (empty when there is none).
    pub fn parts(&self) -> (&str, &str) {
        let t = self.text.as_str();
        let state = t.get(self.state.clone()).unwrap_or("");
        // `{"action":A}` or `{"state":S,"action":A}`: A starts after `"action":`.
        let from = if self.state.is_empty() {
            10
        } else {
            self.state.end + 10
        };
        let action = t.get(from..t.len().saturating_sub(1)).unwrap_or("");
        (action, state)
    }
}

/// Runs one step of the JSON protocol, answering a [`Reply`].
pub fn run(input: &str) -> Reply {
    run_with(input, None)
}

/// As [`run`], keeping email-code flows in `memo` between steps: a step whose `state` is a
/// kept flow's document, byte for byte, takes that flow instead of parsing the document
/// (see [`Memo`]). The answer is the same as [`run`]'s.
pub fn run_with(input: &str, mut memo: Option<&mut Memo>) -> Reply {
    let mut hit = None;
    let parsed = parse_keeping(input, "state", &mut |rest| {
        let (slot, len) = memo.as_deref()?.find(rest)?;
        hit = Some(slot);
        Some(len)
    });
    let Some((doc, state_text)) = parsed else {
        return failed(Error::new(
            Code::INVALID_STEP,
            "The step input was not valid JSON.",
        ));
    };
    let now = doc.int_at("now").unwrap_or(0);
    let Some(op) = doc.str_at("op").and_then(Op::parse) else {
        return failed(Error::new(Code::INVALID_STEP, "Unknown op."));
    };
    // A kept flow's document was skipped unparsed: an event or check of it takes the flow;
    // any other op reads the document as given.
    let kept = match (hit, memo.as_deref_mut()) {
        (Some(slot), Some(m)) if matches!(op, Op::Event | Op::Validate) => m.take(slot),
        _ => None,
    };
    // What the memo rests on: a kept flow is the one its document resumes as.
    #[cfg(debug_assertions)]
    if let Some(flow) = &kept {
        let doc = state_text.and_then(parse).unwrap_or(Value::Null);
        debug_assert_eq!(Flow::resume_given(&doc, state_text).as_ref(), Ok(flow));
    }
    let reparsed = match (hit, &kept) {
        (Some(_), None) => state_text.and_then(parse),
        _ => None,
    };
    let empty = Value::Obj(alloc::vec::Vec::new());
    let input = Input {
        op,
        now,
        config: doc.get("config").unwrap_or(&empty),
        event: doc.get("event").unwrap_or(&empty),
        state: reparsed
            .as_ref()
            .or(doc.get("state"))
            .unwrap_or(&Value::Null),
        secret: doc.str_at("secret"),
    };
    if kept.is_none() {
        // The session family's ops, and the events of its flows' saved documents (by their `kind`).
        #[cfg(feature = "sessions")]
        if let Some(out) = family::step(&input) {
            return out;
        }
        #[cfg(not(feature = "sessions"))]
        if otp_only::is_family(&input) {
            return failed(otp_only::error());
        }
    }
    let Input {
        config,
        event,
        state,
        ..
    } = input;
    let key = || KeyConfig::from_value(config);
    let done = |r: Result<Done, Error>| out(None, &r.map_or_else(Action::Failed, Action::Done));
    match op {
        Op::Start => match Flow::start(&Config::from_value(config)) {
            Ok(flow) => stepped(flow, &Action::Ready, memo),
            Err(e) => failed(e),
        },
        Op::Validate | Op::Event => {
            match kept.map_or_else(|| Flow::resume_given(state, state_text), Ok) {
                Ok(mut flow) => {
                    let action = match op {
                        Op::Event => flow.handle(crate::otp::Event::decode(event), now),
                        _ => Action::Ready,
                    };
                    stepped(flow, &action, memo)
                }
                Err(e) => failed(e),
            }
        }
        Op::Whoami | Op::TokenRefresh => {
            let which = match op {
                Op::Whoami => KeyOp::Whoami,
                _ => KeyOp::Refresh,
            };
            out(
                None,
                &key::request(&key(), which).map_or_else(Action::Failed, Action::Send),
            )
        }
        Op::WhoamiResponse => done(
            answer(event)
                .and_then(|r| key::identity(&key(), &r))
                .map(Done::Identity),
        ),
        Op::TokenRefreshResponse => done(
            answer(event)
                .and_then(|r| key::refreshed(&key(), &r))
                .map(Done::Credential),
        ),
        // The session family's ops were answered above.
        _ => failed(Error::new(Code::INVALID_STEP, "Unknown op.")),
    }
}

/// The answer to a `send` action: a `response` event, or the canonical error of a
/// `transport_error` event.
pub fn answer(event: &Value) -> Result<Response, Error> {
    match event.str_at("type") {
        Some("transport_error") => Err(transport_error(event.str_at("kind").unwrap_or("network"))),
        _ => Ok(Response::from_value(event)),
    }
}

/// A step input, its members found once.
pub struct Input<'a> {
    /// The op.
    pub op: Op,
    /// The caller's clock (Unix seconds).
    pub now: i64,
    /// `config` (an empty object when absent).
    pub config: &'a Value,
    /// `event` (an empty object when absent).
    pub event: &'a Value,
    /// `state`: a saved flow (`null` when absent).
    pub state: &'a Value,
    /// `secret` (the `totp` op's).
    pub secret: Option<&'a str>,
}

/// `{state?, action}`: a flow's saved document (`write` writes it, sealed here), and the
/// action, with a render context when the flow has one (its commands in next-action text).
pub fn reply(write: Option<&dyn Fn(&mut Writer)>, action: &Action, ctx: Option<&Ctx>) -> Reply {
    let mut w = Writer::new();
    w.open();
    let mut state = 0..0;
    if let Some(write) = write {
        state.start = w.key("state").out.len();
        crate::saved::seal(&mut w, write);
        state.end = w.out.len();
    }
    action.write(w.key("action"), ctx);
    w.close();
    Reply { text: w.out, state }
}

/// `{state?, action}` of an email-code flow.
fn out(flow: Option<&Flow>, action: &Action) -> Reply {
    let ctx = flow.map(Flow::render_ctx);
    match flow {
        Some(f) => reply(Some(&|w| f.write_document(w)), action, ctx.as_ref()),
        None => reply(None, action, None),
    }
}

/// `{state, action}` of an email-code flow that goes on, kept in `memo` with its document
/// (a finished one is not: nothing steps it again).
fn stepped(mut flow: Flow, action: &Action, memo: Option<&mut Memo>) -> Reply {
    let reply = out(Some(&flow), action);
    if let Some(m) = memo {
        if !flow.is_done() {
            flow.settle();
            m.keep(reply.parts().1, flow);
        }
    }
    reply
}

fn failed(e: Error) -> Reply {
    out(None, &Action::Failed(e))
}

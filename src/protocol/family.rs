//! The session family at the protocol edge: decodes its events (the only place
//! their wire names appear) and runs its ops — the one-shot session operations
//! and the password, OAuth2 and device flows (by the saved document's `kind`).

use super::{answer, reply, Input, Op, Reply};
use crate::action::{Action, Done};
use crate::error::Error;
use crate::family::device::Device;
use crate::family::oauth::OAuth;
use crate::family::password::Password;
use crate::family::{device, oauth, oauth2, password, session, Event};
use crate::json::{Value, Writer};
use crate::response::Response;
use alloc::string::String;

impl<'a> Event<'a> {
    /// Decodes a step input's `event` member.
    pub fn decode(event: &'a Value) -> Event<'a> {
        let text = |k: &str| event.str_at(k);
        match text("type").unwrap_or("") {
            "register" => Event::Register {
                password: text("password"),
                name: text("name"),
            },
            "login" => Event::Login {
                password: text("password"),
            },
            "submit_2fa" => Event::SubmitSecondFactor {
                code: text("code"),
                totp_secret: text("totpSecret"),
            },
            "callback" => Event::Callback {
                // From the URL, else from a `params` object.
                params: match (text("url"), event.get("params")) {
                    (None, Some(Value::Obj(m))) => {
                        let mut params = alloc::vec::Vec::new();
                        for (k, v) in m {
                            if let Some(v) = v.as_str() {
                                params.push((k.clone(), String::from(v)));
                            }
                        }
                        params
                    }
                    (url, _) => oauth2::query(url.unwrap_or("")),
                },
                client_secret: text("clientSecret"),
            },
            "request" => Event::Request,
            "poll" => Event::Poll,
            "response" => Event::Response(Response::from_value(event)),
            "transport_error" => Event::TransportError(text("kind").unwrap_or("network")),
            _ => Event::Unknown,
        }
    }
}

/// A flow of the family, saved or resumed.
enum Flow {
    Password(Password),
    OAuth(OAuth),
    Device(Device),
}

impl Flow {
    fn write(&self, w: &mut Writer) {
        match self {
            Flow::Password(f) => f.write(w),
            Flow::OAuth(f) => f.write(w),
            Flow::Device(f) => f.write(w),
        }
    }
}

/// Runs the op of `input` if the family owns it (its ops, or `event` / `validate` of a
/// saved document whose `kind` is one of its flows); `None` otherwise.
pub fn step(input: &Input<'_>) -> Option<Reply> {
    let Input {
        op,
        now,
        config,
        event,
        state,
        secret,
    } = *input;
    let done = |r: Result<Done, Error>| out(None, &r.map_or_else(Action::Failed, Action::Done));
    let started = |r: Result<(Flow, Action), Error>| match r {
        Ok((flow, action)) => out(Some(&flow), &action),
        Err(e) => out(None, &Action::Failed(e)),
    };
    Some(match op {
        Op::SessionRequest => out(
            None,
            &session::request(&session::Config::from_value(config))
                .map_or_else(Action::Failed, Action::Send),
        ),
        Op::SessionResponse => done(session::response(
            &session::Config::from_value(config),
            answer(event),
            now,
        )),
        Op::Totp => done(session::totp_code(secret.unwrap_or(""), now)),
        Op::ApiToken => done(session::api_token(config)),
        Op::PasswordStart => started(
            Password::start(&password::Config::from_value(config))
                .map(|f| (Flow::Password(f), Action::Ready)),
        ),
        Op::OauthStart => started(
            OAuth::start(&oauth::Config::from_value(config)).map(|(f, a)| (Flow::OAuth(f), a)),
        ),
        Op::DeviceStart => started(
            Device::start(&device::Config::from_value(config))
                .map(|f| (Flow::Device(f), Action::Ready)),
        ),
        Op::Event | Op::Validate => {
            let resumed = match state.str_at("kind")? {
                "password" => Password::resume(state).map(Flow::Password),
                "oauth" => OAuth::resume(state).map(Flow::OAuth),
                "device" => Device::resume(state).map(Flow::Device),
                _ => return None,
            };
            let mut flow = match resumed {
                Ok(f) => f,
                Err(e) => return Some(out(None, &Action::Failed(e))),
            };
            let action = if op == Op::Validate {
                Action::Ready
            } else {
                let event = Event::decode(event);
                match &mut flow {
                    Flow::Password(f) => f.handle(event, now),
                    Flow::OAuth(f) => f.handle(event, now),
                    Flow::Device(f) => f.handle(event, now),
                }
            };
            out(Some(&flow), &action)
        }
        _ => return None,
    })
}

/// `{state?, action}` of the family (no render context: next-action text only).
fn out(flow: Option<&Flow>, action: &Action) -> Reply {
    match flow {
        Some(f) => reply(Some(&|w| f.write(w)), action, None),
        None => reply(None, action, None),
    }
}

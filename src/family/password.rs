//! Password sessions (CODITECT): register, log in, and — for an account with
//! two-factor authentication — a second-factor state of the same flow that takes
//! a TOTP code, or the TOTP secret itself, from which the core computes the code
//! at `now` so an agent completes 2FA without a person.
//!
//! Events: [`Event::Register`], [`Event::Login`], [`Event::SubmitSecondFactor`],
//! [`Event::Response`], [`Event::TransportError`]. Actions: `ready`, `send`,
//! `second_factor`, `done` (a session credential), `error`. The password and the
//! TOTP secret go into the one request that needs them and never into the saved
//! document; the short-lived challenge token does, so the second factor can be
//! given in another process.
//!
//! The saved document: `{v, kind: "password", provider, spec?, baseUrl, email,
//! phase, challengeToken?, challengeExpiresAt?, attemptsRemaining?, method?,
//! allowInsecure?, check}`.

use super::{json_request, need, verify, Event, Head, Target};
use crate::action::{Action, Done};
use crate::error::{Code, Error};
use crate::json::{s, Value, Writer};
use crate::response::{transport_error, Response};
use crate::secret::Secret;
use crate::time::{format_rfc3339, parse_rfc3339};
use crate::{input, totp};
use alloc::string::String;

/// A second-factor challenge the backend issued after the password was accepted.
#[derive(Clone, Debug, PartialEq)]
pub struct Challenge {
    /// The short-lived token the second factor is sent with (masked in `Debug`).
    pub token: Secret,
    /// When it stops working (Unix seconds).
    pub expires_at: i64,
    /// `totp` unless the backend said otherwise.
    pub method: String,
    /// Codes the backend still takes, when it said.
    pub attempts_remaining: Option<i64>,
}

/// Where a password flow is; each variant holds only what is valid in it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum State {
    /// Waits for `register` or `login`.
    Ready,
    /// The registration request is out: feed its answer back.
    Registering,
    /// The login request is out: feed its answer back.
    LoggingIn,
    /// The password was accepted; waits for `submit_2fa` (or a new `login`).
    SecondFactor(Challenge),
    /// The second factor is out: feed its answer back.
    Verifying(Challenge),
    /// Signed in; nothing more to do.
    Done,
}

impl State {
    /// The state's name in the saved document (`phase`).
    pub fn name(&self) -> &'static str {
        match self {
            State::Ready => "ready",
            State::Registering => "registering",
            State::LoggingIn => "logging_in",
            State::SecondFactor(_) => "second_factor",
            State::Verifying(_) => "verifying",
            State::Done => "done",
        }
    }
}

/// A password flow's start config.
#[derive(Clone, Copy, Debug, Default)]
pub struct Config<'a> {
    /// The backend and base URL.
    pub target: Target<'a>,
    /// The account's email.
    pub email: &'a str,
}

impl<'a> Config<'a> {
    /// Reads `{provider | spec, baseUrl?, email, allowInsecure?}`.
    pub fn from_value(v: &'a Value) -> Config<'a> {
        Config {
            target: Target::from_value(v),
            email: v.str_at("email").unwrap_or(""),
        }
    }
}

/// A password (+ second factor) flow.
#[derive(Clone, Debug, PartialEq)]
pub struct Password {
    head: Head,
    email: String,
    state: State,
}

impl Password {
    /// `password_start`: the flow, waiting for `register` or `login`.
    pub fn start(config: &Config<'_>) -> Result<Password, Error> {
        let head = Head::new(&config.target)?;
        if head.backend.route("login").is_none() {
            return Err(Error::input(
                Code::INVALID_PROVIDER,
                "provider",
                "This provider has no password sign-in.",
            ));
        }
        let email = input::email(config.email)?;
        Ok(Password {
            head,
            email,
            state: State::Ready,
        })
    }

    /// Where the flow is.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Writes the saved document (see the module docs) without its check.
    pub fn write(&self, w: &mut Writer) {
        self.head.open(w, "password");
        w.str("email", &self.email).str("phase", self.state.name());
        if let State::SecondFactor(c) | State::Verifying(c) = &self.state {
            w.str("challengeToken", c.token.expose())
                .str("challengeExpiresAt", &format_rfc3339(c.expires_at))
                .opt_int("attemptsRemaining", c.attempts_remaining)
                .str("method", &c.method);
        }
        self.head.close(w);
    }

    /// A saved password flow, its check verified.
    pub fn resume(saved: &Value) -> Result<Password, Error> {
        let head = Head::resume(saved, "password")?;
        let doc = saved;
        let challenge = || -> Result<Challenge, Error> {
            Ok(Challenge {
                token: Secret::new(need(doc, "challengeToken")?),
                expires_at: parse_rfc3339(need(doc, "challengeExpiresAt")?)
                    .ok_or_else(|| crate::saved::bad_field("challengeExpiresAt"))?,
                method: String::from(doc.str_at("method").unwrap_or("totp")),
                attempts_remaining: doc.int_at("attemptsRemaining"),
            })
        };
        let state = match need(doc, "phase")? {
            "ready" => State::Ready,
            "registering" => State::Registering,
            "logging_in" => State::LoggingIn,
            "second_factor" => State::SecondFactor(challenge()?),
            "verifying" => State::Verifying(challenge()?),
            "done" => State::Done,
            _ => return Err(crate::saved::bad_field("phase")),
        };
        let flow = Password {
            email: String::from(need(doc, "email")?),
            head,
            state,
        };
        verify(flow, saved, "password", Password::write)
    }

    /// Handles one event at `now` (Unix seconds).
    pub fn handle(&mut self, event: Event<'_>, now: i64) -> Action {
        self.step(event, now).unwrap_or_else(Action::Failed)
    }

    fn step(&mut self, event: Event<'_>, now: i64) -> Result<Action, Error> {
        let state = core::mem::replace(&mut self.state, State::Ready);
        match (event, state) {
            (Event::Register { password, name }, s @ (State::Ready | State::SecondFactor(_))) => {
                let r = self.register(password, name);
                self.state = if r.is_ok() { State::Registering } else { s };
                r
            }
            (Event::Login { password }, s @ (State::Ready | State::SecondFactor(_))) => {
                let r = required(password)
                    .and_then(|pw| self.post("login", &[("email", &self.email), ("password", pw)]));
                self.state = if r.is_ok() { State::LoggingIn } else { s };
                r
            }
            (Event::SubmitSecondFactor { code, totp_secret }, State::SecondFactor(c)) => {
                if now >= c.expires_at {
                    return Err(Error::local(
                        Code::CHALLENGE_EXPIRED,
                        &["The two-factor challenge has expired: log in again."],
                    ));
                }
                let digits = match (totp_secret, code) {
                    (Some(secret), _) => totp::totp(secret, now),
                    (None, code) => six_digits(code.unwrap_or("")),
                };
                let digits = match digits {
                    Ok(d) => d,
                    Err(e) => {
                        self.state = State::SecondFactor(c);
                        return Err(e);
                    }
                };
                let fields = [("challenge", c.token.expose()), ("code", digits.as_str())];
                let r = self.post("secondFactor", &fields);
                self.state = match r {
                    Ok(_) => State::Verifying(c),
                    Err(_) => State::SecondFactor(c),
                };
                r
            }
            (
                Event::Response(r),
                s @ (State::Registering | State::LoggingIn | State::Verifying(_)),
            ) => self.answered(s, &r, now),
            (
                Event::TransportError(kind),
                s @ (State::Registering | State::LoggingIn | State::Verifying(_)),
            ) => {
                if let State::Verifying(c) = s {
                    self.state = State::SecondFactor(c);
                }
                Err(transport_error(kind))
            }
            (_, s) => {
                let e = Error::wrong_step(s.name());
                self.state = s;
                Err(e)
            }
        }
    }

    fn register(&self, password: Option<&str>, name: Option<&str>) -> Result<Action, Error> {
        let pw = required(password)?;
        let min = self.head.backend.password_min();
        if (crate::text::char_count(pw) as i64) < min {
            let mut m = String::from("The password must be at least ");
            m.push_str(&crate::text::int_str(min));
            m.push_str(" characters.");
            return Err(Error::input(Code::WEAK_PASSWORD, "password", &m));
        }
        let mut fields = alloc::vec![("email", self.email.as_str()), ("password", pw)];
        if let Some(name) = name {
            fields.push(("name", name.trim()));
        }
        self.post("register", &fields)
    }

    /// A `POST` of `(canonical field, value)` pairs to `route`, named as the backend names them.
    fn post(&self, route: &str, pairs: &[(&str, &str)]) -> Result<Action, Error> {
        let b = &self.head.backend;
        let path = b.route(route).ok_or_else(|| {
            Error::input(
                Code::INVALID_STEP,
                "event",
                "This provider has no such route.",
            )
        })?;
        let mut w = Writer::new();
        w.open();
        for (k, v) in pairs {
            w.str(b.field(k), v);
        }
        Ok(Action::Send(json_request(
            "POST",
            self.head.url(path),
            None,
            Some(w.end()),
        )))
    }

    /// The answer to the request of `sent` (the state the flow was in).
    fn answered(&mut self, sent: State, r: &Response, now: i64) -> Result<Action, Error> {
        let b = &self.head.backend;
        let step = match sent {
            State::Registering => "register",
            State::LoggingIn => "login",
            _ => "secondFactor",
        };
        let data = match b.classify(step, r) {
            Ok(d) => d,
            Err(e) => {
                self.state = refused(sent, &e);
                return Err(e);
            }
        };
        let at = |k: &str| b.second_factor(k).and_then(|p| data.path(p));
        if matches!(sent, State::LoggingIn) && at("flag") == Some(&Value::Bool(true)) {
            let Some(token) = at("challenge").and_then(Value::as_text) else {
                return Err(crate::response::bad(
                    "The answer asked for a second factor without a challenge.",
                    r.status,
                ));
            };
            let c = Challenge {
                token: Secret::new(token),
                expires_at: now + b.challenge_lifetime(),
                method: String::from(at("method").and_then(Value::as_text).unwrap_or("totp")),
                attempts_remaining: None,
            };
            let action = Action::SecondFactor {
                method: c.method.clone(),
                email: self.email.clone(),
                expires_at: c.expires_at,
            };
            self.state = State::SecondFactor(c);
            return Ok(action);
        }
        let registering = matches!(sent, State::Registering);
        let mut cred = match b.tokens(&data, now, r.status) {
            Ok(c) => c,
            Err(e) => {
                self.state = refused(sent, &e);
                return Err(e);
            }
        };
        cred.set("provider", s(b.name()));
        cred.set("baseUrl", s(&self.head.base_url));
        cred.set("email", s(&self.email));
        cred.set("accountCreated", Value::Bool(registering));
        self.state = State::Done;
        Ok(Action::Done(Done::Credential(cred)))
    }
}

/// Where a refused step leaves the flow.
fn refused(sent: State, e: &Error) -> State {
    match (sent, e.code) {
        (State::Verifying(mut c), Code::INVALID_2FA_CODE) if e.attempts_remaining != Some(0) => {
            c.attempts_remaining = e.attempts_remaining;
            State::SecondFactor(c)
        }
        (State::Verifying(_), Code::INVALID_2FA_CODE | Code::CHALLENGE_EXPIRED) => State::Ready,
        (State::Verifying(c), _) => State::SecondFactor(c),
        _ => State::Ready,
    }
}

fn required(password: Option<&str>) -> Result<&str, Error> {
    password
        .ok_or_else(|| Error::input(Code::INVALID_REQUEST, "password", "A password is required."))
}

/// Six digits, spaces and dashes ignored.
fn six_digits(raw: &str) -> Result<String, Error> {
    let code: String = raw.chars().filter(|c| *c != ' ' && *c != '-').collect();
    if code.len() != 6 || !code.bytes().all(|c| c.is_ascii_digit()) {
        return Err(Error::input(
            Code::INVALID_2FA_CODE,
            "code",
            "The authenticator code must be 6 digits.",
        ));
    }
    Ok(code)
}

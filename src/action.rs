//! The one action every flow answers a step with, and its one encoder.
//!
//! Email code, password + second factor, OAuth2 + PKCE, the device grant and
//! the one-shot session operations all end a step in an [`Action`]: the caller
//! performs it (send a request, show a code, open a URL, wait) or reads its
//! result (done, failed). The JSON form written by [`Action::write`] is the
//! wire contract of the JS layer (`{type, …}`); nothing else writes an action.
//!
//! With the `serde` feature these types derive `Serialize` for Rust callers (to
//! log or record a step); a [`Credential`], [`Done`] and [`DeviceCode`] also
//! derive `Deserialize`, so a credential can be stored and read back (its
//! secrets are written raw: see [`Secret`]). Member names are camelCase and
//! variant names snake_case, as in the JSON protocol (`apiKey`, `code_sent`). [`Action`] and [`Request`] are
//! Serialize only: they hold `&'static str` names from the core's own tables and
//! are produced by a flow, never read.

use crate::error::Error;
use crate::json::{Value, Writer};
use crate::render::Ctx;
use crate::secret::Secret;
use crate::time::format_rfc3339;
use alloc::string::String;
use alloc::vec::Vec;

// serde for `Value`, so the types here that carry one derive serde too.
#[cfg(feature = "serde")]
mod serde_value;

/// An HTTP request for the transport to perform.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct Request {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Absolute URL.
    pub url: String,
    /// Header pairs.
    pub headers: Vec<(&'static str, String)>,
    /// Headers whose names come from the provider spec (its `headers`, a mint's
    /// or whoami's credential header).
    pub extra: Vec<(String, String)>,
    /// The body: JSON, or a form when the headers say so.
    pub body: Option<String>,
}

const JSON: &str = "application/json";

impl Request {
    /// A request that accepts JSON, with a JSON `body` (and its `content-type`) when given.
    pub fn json(method: &'static str, url: String, body: Option<String>) -> Request {
        let mut headers = alloc::vec![("accept", String::from(JSON))];
        if body.is_some() {
            headers.push(("content-type", String::from(JSON)));
        }
        Request {
            method,
            url,
            headers,
            extra: Vec::new(),
            body,
        }
    }

    /// A form-encoded `POST` that accepts JSON (OAuth2 token and device endpoints).
    pub fn form(url: String, body: String) -> Request {
        let mut r = Request::json("POST", url, None);
        r.headers.push((
            "content-type",
            String::from("application/x-www-form-urlencoded"),
        ));
        r.body = Some(body);
        r
    }

    /// Writes `{method, url, headers, body?}` as the next value of `w`.
    #[inline(never)]
    pub fn write(&self, w: &mut Writer) {
        w.open()
            .str("method", self.method)
            .str("url", &self.url)
            .obj("headers");
        for (k, v) in &self.headers {
            w.str(k, v);
        }
        for (k, v) in &self.extra {
            w.str(k, v);
        }
        w.close().opt_str("body", self.body.as_deref()).close();
    }
}

/// A credential a flow produced: a key or a session.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct Credential {
    /// The raw key (a session's access token when `session`), redacted in `Debug`.
    pub api_key: Secret,
    /// True for a session (access + refresh token, written as `accessToken`)
    /// rather than an API key (written as `apiKey`).
    pub session: bool,
    /// A session's refresh token.
    pub refresh_token: Option<Secret>,
    /// Everything else known about it (ids, names, scopes, expiry, provider,
    /// base URL, …), in the order written.
    #[cfg_attr(feature = "serde", serde(with = "serde_value::members"))]
    pub fields: Vec<(String, Value)>,
}

impl Credential {
    /// Sets the member `key` of [`Credential::fields`] (replacing it; `null` removes it).
    pub fn set(&mut self, key: &str, value: Value) {
        self.fields.retain(|(k, _)| k != key);
        if !value.is_null() {
            self.fields.push((String::from(key), value));
        }
    }

    fn write(&self, w: &mut Writer) {
        w.open().str(
            if self.session {
                "accessToken"
            } else {
                "apiKey"
            },
            self.api_key.expose(),
        );
        if let Some(rt) = &self.refresh_token {
            w.str("refreshToken", rt.expose());
        }
        for (k, v) in &self.fields {
            w.value(k, v);
        }
        w.close();
    }
}

#[cfg(feature = "sessions")]
/// What the device authorization grant shows the user (RFC 8628 §3.2), and when
/// the next poll may go out.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct DeviceCode {
    /// The code the user types at the verification page.
    pub user_code: String,
    /// Where the user goes.
    pub verification_uri: String,
    /// The same page with the code filled in, when the server gave one.
    pub verification_uri_complete: Option<String>,
    /// When the device code stops working (Unix seconds).
    pub expires_at: i64,
    /// Seconds between polls.
    pub interval: i64,
    /// When the next poll may go out (Unix seconds).
    pub next_poll_at: i64,
}

#[cfg(feature = "sessions")]
impl DeviceCode {
    fn write_fields(&self, w: &mut Writer) {
        w.str("userCode", &self.user_code)
            .str("verificationUri", &self.verification_uri)
            .opt_str(
                "verificationUriComplete",
                self.verification_uri_complete.as_deref(),
            )
            .str("expiresAt", &format_rfc3339(self.expires_at))
            .int("interval", self.interval)
            .str("nextPollAt", &format_rfc3339(self.next_poll_at));
    }
}

/// What a finished step produced.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", rename_all_fields = "camelCase")
)]
#[non_exhaustive]
pub enum Done {
    /// A key or session (`{credential}`).
    Credential(Credential),
    /// A refreshed session's tokens (`{session}`).
    #[cfg(feature = "sessions")]
    Session(Credential),
    /// Who the credential belongs to (`{identity}`).
    Identity(Value),
    /// An authenticated call's answer (`{data}`).
    #[cfg(feature = "sessions")]
    Data(Value),
    /// The session was revoked (`{revoked, alreadyRevoked?}`).
    #[cfg(feature = "sessions")]
    Revoked {
        /// It was unusable already (revoked before, or never valid).
        already: bool,
    },
    /// A TOTP code and when it stops being valid (`{code, expiresAt}`).
    #[cfg(feature = "sessions")]
    Totp {
        /// The six digits.
        code: String,
        /// End of its time step (Unix seconds).
        expires_at: i64,
    },
    /// What an API token's prefix says (`{env?, masked}`).
    #[cfg(feature = "sessions")]
    ApiToken {
        /// `live` or `test`, when the prefix says.
        env: Option<String>,
        /// The token masked for display.
        masked: String,
    },
}

/// What the caller should do next. The one action type of every flow.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", rename_all_fields = "camelCase")
)]
#[must_use = "an action tells the caller what to do next; dropping it stalls the flow"]
#[non_exhaustive]
pub enum Action {
    /// The flow was created (or resumed) and waits for the caller's first event.
    Ready,
    /// Perform this request and feed the answer back as a `response` event
    /// (or a `transport_error` event when there was none).
    Send(Request),
    /// An email code was sent: ask the user (or read the inbox) for it, then
    /// send `submit_code`.
    CodeSent {
        /// Where it went.
        email: String,
        /// `login` or `signup`.
        purpose: String,
        /// When the code expires.
        expires_at: Option<i64>,
        /// When another code may be requested.
        resend_at: Option<i64>,
        /// The purpose the flow switched from, if it switched.
        switched_from: Option<String>,
    },
    /// The password was accepted; a second factor is required: send `submit_2fa`.
    #[cfg(feature = "sessions")]
    SecondFactor {
        /// `totp` unless the server said otherwise.
        method: String,
        /// The account.
        email: String,
        /// When the challenge expires.
        expires_at: i64,
    },
    /// Open `url` in a browser; send the redirect back as a `callback` event.
    #[cfg(feature = "sessions")]
    Authorize {
        /// The authorization URL.
        url: String,
        /// The `state` the callback must carry.
        state: String,
    },
    /// Show the user code and where to enter it; then send `poll` events.
    #[cfg(feature = "sessions")]
    DeviceCode(DeviceCode),
    /// Too early to poll (or the server asked to slow down): poll again at `until`.
    #[cfg(feature = "sessions")]
    Wait {
        /// The device code, as shown.
        code: DeviceCode,
        /// When the next poll may go out.
        until: i64,
        /// Seconds from now until then.
        retry_after: i64,
        /// `early`, `pending` or `slow_down`.
        reason: &'static str,
        /// The same fact as a canonical error, for callers that treat waiting as one.
        error: Error,
    },
    /// The flow (or one-shot operation) finished.
    Done(Done),
    /// The step failed; the flow, if any, is where the error says.
    Failed(Error),
}

impl Action {
    /// Writes the action as JSON as the next value of `w`. `ctx` is the
    /// email-code flow's render context: with it, an error's next action names
    /// a command to run; without it, text only.
    #[inline(never)]
    pub fn write(&self, w: &mut Writer, ctx: Option<&Ctx>) {
        w.open();
        match self {
            Action::Ready => {
                w.str("type", "ready");
            }
            Action::Send(r) => {
                w.str("type", "send");
                r.write(w.key("request"));
            }
            Action::CodeSent {
                email,
                purpose,
                expires_at,
                resend_at,
                switched_from,
            } => {
                w.str("type", "code_sent")
                    .str("email", email)
                    .str("purpose", purpose);
                write_time(w, "expiresAt", *expires_at);
                write_time(w, "resendAvailableAt", *resend_at);
                w.opt_str("switchedFrom", switched_from.as_deref());
            }
            #[cfg(feature = "sessions")]
            Action::SecondFactor {
                method,
                email,
                expires_at,
            } => {
                w.str("type", "second_factor")
                    .str("method", method)
                    .str("email", email)
                    .str("expiresAt", &format_rfc3339(*expires_at));
            }
            #[cfg(feature = "sessions")]
            Action::Authorize { url, state } => {
                w.str("type", "authorize")
                    .str("url", url)
                    .str("state", state);
            }
            #[cfg(feature = "sessions")]
            Action::DeviceCode(code) => {
                w.str("type", "device_code");
                code.write_fields(w);
            }
            #[cfg(feature = "sessions")]
            Action::Wait {
                code,
                until,
                retry_after,
                reason,
                error,
            } => {
                w.str("type", "wait")
                    .str("until", &format_rfc3339(*until))
                    .int("retryAfterSeconds", *retry_after)
                    .str("reason", reason);
                code.write_fields(w);
                write_error(w, error, None);
            }
            Action::Done(done) => {
                w.str("type", "done");
                match done {
                    Done::Credential(c) => c.write(w.key("credential")),
                    #[cfg(feature = "sessions")]
                    Done::Session(c) => c.write(w.key("session")),
                    Done::Identity(v) => {
                        w.value("identity", v);
                    }
                    #[cfg(feature = "sessions")]
                    Done::Data(v) => {
                        w.value("data", v);
                    }
                    #[cfg(feature = "sessions")]
                    Done::Revoked { already } => {
                        w.bool("revoked", true);
                        if *already {
                            w.bool("alreadyRevoked", true);
                        }
                    }
                    #[cfg(feature = "sessions")]
                    Done::Totp { code, expires_at } => {
                        w.str("code", code)
                            .str("expiresAt", &format_rfc3339(*expires_at));
                    }
                    #[cfg(feature = "sessions")]
                    Done::ApiToken { env, masked } => {
                        w.opt_str("env", env.as_deref()).str("masked", masked);
                    }
                }
            }
            Action::Failed(e) => {
                w.str("type", "error");
                write_error(w, e, ctx);
            }
        }
        w.close();
    }
}

/// `error: {…}` with its next-action text rendered (a command only with a flow's `ctx`).
fn write_error(w: &mut Writer, e: &Error, ctx: Option<&Ctx>) {
    let (text, command) = crate::render::next_text(e, ctx);
    e.write(w.key("error"), &text, command.as_deref());
}

/// A time member as RFC 3339 text, left out when `None`.
pub fn write_time(w: &mut Writer, k: &str, t: Option<i64>) {
    if let Some(t) = t {
        w.str(k, &format_rfc3339(t));
    }
}

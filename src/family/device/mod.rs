//! OAuth 2.0 device authorization grant (RFC 8628): the device asks for a user
//! code, a person confirms it in a browser anywhere, the device polls the token
//! endpoint until the grant is approved, denied or expired. Optionally the token
//! is then exchanged for an API key by the provider's `mint` request.
//!
//! `device_start` `{config: {provider | spec, baseUrl?, clientId?, scope?,
//! resource?, allowInsecure?, keyName?, keyExpiresInDays?, description?}}`
//! checks the config and answers `ready` with the saved flow; [`Event::Request`]
//! sends the device authorization request (§3.1: `client_id`, `scope`, and the
//! RFC 8707 `resource`). Its `response` ends in a `device_code` action and the
//! saved flow, which any process may continue.
//!
//! [`Event::Poll`] before `nextPollAt` answers `wait` (nothing sent); after it,
//! the token request (§3.4). Its answer (§3.5, read in [`answer`]):
//! `authorization_pending` → `wait` one interval; `slow_down` → the interval
//! grows by 5 s (kept in the flow) and `wait`; `access_denied` → `ACCESS_DENIED`;
//! `expired_token` (or a poll after the saved expiry, answered locally) →
//! `DEVICE_CODE_EXPIRED`, whose next action is to start again (`request` on the
//! same flow does). A token ends in `done` with a session credential (carrying
//! `tokenUrl`, where its refresh grant goes), or, when the provider's
//! `device.mint` is true, in the `mint` request and then `done` with the key.
//! Every `wait` carries the `AUTHORIZATION_PENDING` error whose next action is
//! `open_url`, for a caller that does not wait.
//!
//! The saved document: `{v, kind: "device", provider, spec?, baseUrl,
//! deviceUrl?, tokenUrl?, metadataUrl?, clientId, scope?, resource?, options?,
//! phase, deviceCode?, userCode?, verificationUri?, verificationUriComplete?,
//! expiresAt?, interval?, nextPollAt?, accessToken? (only while a mint is in
//! flight), allowInsecure?, check}`.

mod answer;
mod saved;

use super::oauth2::form;
use super::{locate, Event, Head, Target};
use crate::action::{Action, DeviceCode, Request};
use crate::backend::Backend;
use crate::error::{Code, Error, Next};
use crate::json::{Value, Writer};
use crate::provider;
use crate::response::transport_error;
use crate::secret::Secret;
use crate::time::format_rfc3339;
use alloc::string::String;
use alloc::vec::Vec;

/// The `grant_type` of a device token request (RFC 8628 §3.4).
pub const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Options a `mint` body may draw from.
const OPTIONS: [&str; 4] = [
    "keyName",
    "keyExpiresInDays",
    "description",
    "organizationId",
];

/// A device code the server issued (§3.2): the secret device code polled with,
/// and what the user is shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Grant {
    /// The code the token request carries (never shown).
    pub device_code: Secret,
    /// What the user sees, and when the next poll may go out.
    pub code: DeviceCode,
}

/// Where a device flow is; each variant holds only what is valid in it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum State {
    /// Waits for `request`.
    Ready,
    /// The RFC 8414 metadata request is out (the provider names its endpoints there).
    Discovering,
    /// The device authorization request is out.
    Requesting,
    /// The user code is shown: waits for `poll`.
    Pending(Grant),
    /// A token request is out.
    Polling(Grant),
    /// The mint request is out, made with this access token.
    Minting(Secret),
    /// The user denied the sign-in; `request` starts again.
    Denied,
    /// The device code expired; `request` starts again.
    Expired,
    /// Signed in.
    Done,
}

impl State {
    /// The state's name in the saved document (`phase`).
    pub fn name(&self) -> &'static str {
        match self {
            State::Ready => "ready",
            State::Discovering => "discovering",
            State::Requesting => "requesting",
            State::Pending(_) => "pending",
            State::Polling(_) => "polling",
            State::Minting(_) => "minting",
            State::Denied => "denied",
            State::Expired => "expired",
            State::Done => "done",
        }
    }
}

/// A device flow's start config; `client_id`, `scope` and `resource` default to the
/// provider's `device` section.
#[derive(Clone, Debug, Default)]
pub struct Config<'a> {
    /// The backend and base URL.
    pub target: Target<'a>,
    /// The OAuth client id.
    pub client_id: Option<&'a str>,
    /// The scope asked for.
    pub scope: Option<&'a str>,
    /// The RFC 8707 resource indicator.
    pub resource: Option<&'a str>,
    /// An object holding what a `mint` body may draw from, by name: `keyName`,
    /// `keyExpiresInDays`, `description`, `organizationId` (other members are ignored; the
    /// JSON protocol passes the start config itself).
    pub options: Option<&'a Value>,
}

impl<'a> Config<'a> {
    /// Reads `{provider | spec, baseUrl?, clientId?, scope?, resource?, allowInsecure?,
    /// keyName?, keyExpiresInDays?, description?, organizationId?}`.
    pub fn from_value(v: &'a Value) -> Config<'a> {
        Config {
            target: Target::from_value(v),
            client_id: v.str_at("clientId"),
            scope: v.str_at("scope"),
            resource: v.str_at("resource"),
            options: Some(v),
        }
    }
}

/// A device authorization grant flow.
#[derive(Clone, Debug, PartialEq)]
pub struct Device {
    head: Head,
    /// The device authorization and token endpoints, once known.
    endpoints: Option<(String, String)>,
    /// Where the endpoints are read from when the provider does not declare them.
    metadata_url: Option<String>,
    client_id: String,
    scope: Option<String>,
    resource: Option<String>,
    options: Vec<(String, Value)>,
    state: State,
}

/// The device section's endpoint `key` ([`locate`]d against the base URL).
fn endpoint(b: &Backend, base: &str, key: &str, insecure: bool) -> Result<String, Error> {
    let raw = b.text("device", key).ok_or_else(|| {
        Error::input(
            Code::INVALID_PROVIDER,
            "provider",
            "This provider declares no device authorization endpoints.",
        )
    })?;
    locate(base, raw, insecure)
}

impl Device {
    /// `device_start`: the flow, waiting for `request`.
    pub fn start(config: &Config<'_>) -> Result<Device, Error> {
        let mut head = Head::new(&config.target)?;
        let b = &head.backend;
        // An origin-only base URL gets the provider's `basePath` (Better Auth's `/api/auth`),
        // as the email-code flow does.
        if let Some(path) = b.doc().str_at("basePath") {
            head.base_url = provider::with_base_path(&head.base_url, path);
        }
        let (b, base, insecure) = (&head.backend, head.base_url.as_str(), head.insecure);
        // Declared endpoints, else the RFC 8414 metadata that names them (read at `request`).
        let (endpoints, metadata_url) = match b.text("device", "metadata") {
            Some(_) if b.text("device", "deviceAuthorizationEndpoint").is_none() => {
                (None, Some(endpoint(b, base, "metadata", insecure)?))
            }
            _ => (
                Some((
                    endpoint(b, base, "deviceAuthorizationEndpoint", insecure)?,
                    endpoint(b, base, "tokenEndpoint", insecure)?,
                )),
                None,
            ),
        };
        let text = |given: Option<&str>, k: &str| {
            given
                .or_else(|| b.text("device", k))
                .filter(|v| !v.trim().is_empty())
                .map(String::from)
        };
        let client_id = text(config.client_id, "clientId").ok_or_else(|| {
            Error::input(
                Code::INVALID_REQUEST,
                "clientId",
                "The OAuth client id is required.",
            )
        })?;
        let mut options = Vec::new();
        for k in OPTIONS {
            if let Some(v) = config
                .options
                .and_then(|o| o.get(k))
                .filter(|v| !v.is_null())
            {
                options.push((String::from(k), v.clone()));
            }
        }
        Ok(Device {
            endpoints,
            metadata_url,
            client_id,
            scope: text(config.scope, "scope"),
            resource: text(config.resource, "resource"),
            options,
            state: State::Ready,
            head,
        })
    }

    /// Where the flow is.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Handles one event at `now` (Unix seconds).
    pub fn handle(&mut self, event: Event<'_>, now: i64) -> Action {
        let state = core::mem::replace(&mut self.state, State::Ready);
        let result = match (event, state) {
            (Event::Request, State::Ready | State::Pending(_) | State::Denied | State::Expired) => {
                Ok(self.request())
            }
            (Event::Poll, State::Pending(g)) => self.poll(g, now),
            (Event::Response(r), State::Discovering) => {
                self.discovered(&r).map(|()| self.request())
            }
            (Event::Response(r), State::Requesting) => self.code_answer(&r, now),
            (Event::Response(r), State::Polling(g)) => self.token(g, &r, now),
            (Event::Response(r), State::Minting(_)) => self.minted(&r),
            (Event::TransportError(kind), state) if in_flight(&state) => {
                let mut e = transport_error(kind);
                match state {
                    State::Polling(g) => self.state = State::Pending(g),
                    State::Minting(_) => {
                        e.maybe_minted = true;
                        e.next = Next::SignInAgain;
                    }
                    _ => {}
                }
                Err(e)
            }
            (_, state) => {
                let e = Error::wrong_step(state.name());
                self.state = state;
                Err(e)
            }
        };
        result.unwrap_or_else(Action::Failed)
    }

    /// The device authorization request (§3.1): the flow becomes `requesting`. Before it,
    /// when the endpoints come from RFC 8414 metadata not read yet, the metadata request
    /// (`discovering`).
    fn request(&mut self) -> Action {
        let Some((device_url, _)) = &self.endpoints else {
            self.state = State::Discovering;
            let url = self.metadata_url.clone().unwrap_or_default();
            return Action::Send(Request::json("GET", url, None));
        };
        let mut pairs = alloc::vec![("client_id", self.client_id.as_str())];
        for (wire, v) in [("scope", &self.scope), ("resource", &self.resource)] {
            if let Some(v) = v {
                pairs.push((wire, v.as_str()));
            }
        }
        let action = self.post_pairs(device_url.clone(), &pairs);
        self.state = State::Requesting;
        action
    }

    fn poll(&mut self, g: Grant, now: i64) -> Result<Action, Error> {
        if now >= g.code.expires_at {
            return Err(self.expired());
        }
        if now < g.code.next_poll_at {
            let wait = wait(&g, now, "early");
            self.state = State::Pending(g);
            return Ok(wait);
        }
        let token_url = self.endpoints.as_ref().map_or("", |(_, t)| t.as_str());
        let pairs = [
            ("grant_type", GRANT),
            ("device_code", g.device_code.expose()),
            ("client_id", self.client_id.as_str()),
        ];
        let action = self.post_pairs(String::from(token_url), &pairs);
        self.state = State::Polling(g);
        Ok(action)
    }

    /// `DEVICE_CODE_EXPIRED`; the flow waits for a new `request`.
    fn expired(&mut self) -> Error {
        self.state = State::Expired;
        Error::local(
            Code::DEVICE_CODE_EXPIRED,
            &["The device code expired before it was confirmed: start the sign-in again."],
        )
    }

    /// A `POST` with the provider's extra headers (`headers`, with `{origin}` /
    /// `{baseUrl}`), and a bearer token in the header its `mint` names.
    fn post(&self, mut r: Request, bearer: Option<&str>) -> Action {
        let b = &self.head.backend;
        if let Some(Value::Obj(m)) = b.doc().get("headers") {
            for (k, v) in m {
                let v = provider::fill_header(v.as_str().unwrap_or(""), &self.head.base_url);
                r.extra.push((k.clone(), v));
            }
        }
        if let Some(t) = bearer {
            let header = b.text("mint", "header").unwrap_or("authorization");
            let default = if header == "authorization" {
                "Bearer"
            } else {
                ""
            };
            let scheme = b.text("mint", "scheme").unwrap_or(default);
            let auth = (String::from(header), String::from(scheme));
            r.extra.push(provider::auth_header(&auth, t));
        }
        Action::Send(r)
    }

    /// A request of `pairs`: form-encoded as RFC 8628 says, or a JSON object when the
    /// provider's `device.encoding` is `json` (Better Auth's `/device/token`).
    fn post_pairs(&self, url: String, pairs: &[(&str, &str)]) -> Action {
        if self.head.backend.text("device", "encoding") == Some("json") {
            let mut w = Writer::new();
            w.open();
            for (k, v) in pairs {
                w.str(k, v);
            }
            return self.post(Request::json("POST", url, Some(w.end())), None);
        }
        self.post(Request::form(url, form(pairs)), None)
    }
}

/// A request of the flow is out (its answer or transport error is awaited).
fn in_flight(state: &State) -> bool {
    matches!(
        state,
        State::Discovering | State::Requesting | State::Polling(_) | State::Minting(_)
    )
}

/// `AUTHORIZATION_PENDING`: open the URL and confirm the code.
fn pending(g: &Grant, now: i64) -> Error {
    let c = &g.code;
    let url = c
        .verification_uri_complete
        .as_deref()
        .unwrap_or(&c.verification_uri);
    let mut e = Error::local(
        Code::AUTHORIZATION_PENDING,
        &[
            "Waiting for the code ",
            &c.user_code,
            " to be confirmed at ",
            url,
            ".",
        ],
    );
    e.next = Next::OpenUrl {
        url: String::from(url),
        user_code: c.user_code.clone(),
        expires_at: format_rfc3339(c.expires_at),
    };
    e.retry_after = Some((c.next_poll_at - now).max(1));
    e
}

/// `wait` until the next poll, with what to show meanwhile.
fn wait(g: &Grant, now: i64, reason: &'static str) -> Action {
    Action::Wait {
        code: g.code.clone(),
        until: g.code.next_poll_at,
        retry_after: (g.code.next_poll_at - now).max(0),
        reason,
        error: pending(g, now),
    }
}

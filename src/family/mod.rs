//! The session family: flows that carry tokens rather than a code the user
//! retypes — password + second factor ([`password`]), OAuth2 + PKCE
//! ([`oauth`]), the device grant ([`device`]) — and the one-shot session
//! operations ([`session`]: refresh, revoke, check, call, TOTP, API-token facts).
//!
//! Each flow is typed like the email-code engine: a struct whose `state` enum
//! carries the data valid in it, an [`Event`] in, one
//! [`Action`](crate::action::Action) out. What they share is here: where the flow
//! talks to ([`Head`]), the caller's events, and how a flow is saved and resumed
//! (written by the flow, sealed and verified by [`crate::saved`], the one codec).

pub mod device;
pub mod oauth;
pub mod oauth2;
pub mod password;
pub mod session;

use crate::action::Request;
use crate::backend::Backend;
use crate::error::{Code, Error};
use crate::json::{Value, Writer};
use crate::response::Response;
use alloc::string::String;
use alloc::vec::Vec;

/// Which backend a session-family flow or operation talks to, and where: the part every
/// start config shares (`{provider | spec, baseUrl?, allowInsecure?}`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Target<'a> {
    /// A preset's name (`coditect`, `sessions`, …), unless `spec` is given.
    pub provider: Option<&'a str>,
    /// A custom provider document (docs/custom-provider.md).
    pub spec: Option<&'a Value>,
    /// The API base URL; default the provider's.
    pub base_url: Option<&'a str>,
    /// Allow plain-HTTP loopback URLs (tests, a local emulator).
    pub allow_insecure: bool,
}

impl<'a> Target<'a> {
    /// Reads `{provider | spec, baseUrl?, allowInsecure?}` (a start config or a saved document).
    pub fn from_value(v: &'a Value) -> Target<'a> {
        Target {
            provider: v.str_at("provider"),
            spec: v.get("spec").filter(|s| !s.is_null()),
            base_url: v.str_at("baseUrl"),
            allow_insecure: v.get("allowInsecure").and_then(Value::as_bool) == Some(true),
        }
    }
}

/// Where a session-family flow talks to: the backend (a preset or the caller's own
/// document) and the checked base URL. Every saved document of the family starts
/// with it: `{v, kind, provider, spec?, baseUrl, …, allowInsecure?}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Head {
    /// The validated provider document.
    pub backend: Backend,
    /// The caller's custom provider document (`None` for a preset), saved so the
    /// flow resumes without it being passed again.
    pub custom: Option<Value>,
    /// The API base URL (checked: https, or loopback with `allow_insecure`).
    pub base_url: String,
    /// Plain-HTTP loopback URLs are allowed (tests, a local emulator).
    pub insecure: bool,
}

impl Head {
    /// The backend resolved and the base URL checked.
    pub fn new(t: &Target<'_>) -> Result<Head, Error> {
        let backend = crate::backend::resolve(t.provider, t.spec)?;
        let insecure = t.allow_insecure;
        let base_url = crate::input::base_url(t.base_url.unwrap_or(backend.base_url()), insecure)?;
        Ok(Head {
            backend,
            custom: t.spec.cloned(),
            base_url,
            insecure,
        })
    }

    /// Opens the saved document of a flow of `kind` with the head's members; the flow
    /// writes its own, then [`Head::close`].
    pub fn open(&self, w: &mut Writer, kind: &str) {
        w.open()
            .int("v", 1)
            .str("kind", kind)
            .str("provider", self.backend.name());
        if let Some(spec) = &self.custom {
            w.value("spec", spec);
        }
        w.str("baseUrl", &self.base_url);
    }

    /// Closes what [`Head::open`] opened.
    pub fn close(&self, w: &mut Writer) {
        w.flag("allowInsecure", self.insecure).close();
    }

    /// The head of a saved document of `kind` (its version checked); the flow reads its own
    /// members, then [`verify`]s the whole.
    pub fn resume(saved: &Value, kind: &str) -> Result<Head, Error> {
        crate::saved::versioned(saved, Some(kind))?;
        Head::new(&Target::from_value(saved)).map_err(|e| Error::bad_saved(&e.message))
    }

    /// `base_url` with `path` appended.
    pub fn url(&self, path: &str) -> String {
        let mut u = self.base_url.clone();
        u.push_str(path);
        u
    }
}

/// `flow`, resumed from `saved`, if the document's check matches what `write` writes for it
/// ([`crate::saved::verify`]).
pub fn verify<F>(
    flow: F,
    saved: &Value,
    kind: &str,
    write: fn(&F, &mut Writer),
) -> Result<F, Error> {
    crate::saved::verify(saved, Some(kind), &crate::saved::text(&|w| write(&flow, w)))?;
    Ok(flow)
}

/// A declared endpoint: a route of `base` (`/…`), or an absolute URL that passes the
/// core's URL rule (https, or loopback with `insecure`).
pub fn locate(base: &str, raw: &str, insecure: bool) -> Result<String, Error> {
    if crate::provider::is_route(raw) {
        let mut url = String::from(base);
        url.push_str(raw);
        return Ok(url);
    }
    if raw.starts_with("https://") || raw.starts_with("http://") {
        return crate::input::endpoint_url(raw, insecure);
    }
    Err(Error::input(
        Code::INVALID_PROVIDER,
        "provider",
        "An endpoint must be a path starting with '/' or an http(s) URL.",
    ))
}

/// A string member of a saved document that must be there.
pub fn need<'a>(doc: &'a Value, key: &str) -> Result<&'a str, Error> {
    doc.str_at(key).ok_or_else(|| crate::saved::bad_field(key))
}

/// One event for a flow of the family, decoded by [`crate::protocol`] from the
/// step input's `event` (`{type, …}`). A flow answers an event it does not take
/// in its state with `INVALID_STEP`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// Password: create the account (`register`).
    Register {
        /// The password (required; never saved).
        password: Option<&'a str>,
        /// A display name.
        name: Option<&'a str>,
    },
    /// Password: sign in (`login`).
    Login {
        /// The password (required; never saved).
        password: Option<&'a str>,
    },
    /// Password: the second factor (`submit_2fa`): six digits, or the TOTP secret
    /// from which the code is computed at `now`.
    SubmitSecondFactor {
        /// The code as typed (spaces and dashes are ignored).
        code: Option<&'a str>,
        /// The TOTP secret (base32; never saved).
        totp_secret: Option<&'a str>,
    },
    /// OAuth2: the redirect back from the authorization server (`callback`).
    Callback {
        /// The query parameters (`state`, `code` or `error`), from the redirect URL or a
        /// `params` object.
        params: Vec<(String, String)>,
        /// A confidential client's secret (never saved).
        client_secret: Option<&'a str>,
    },
    /// Device grant: ask for a (new) user code (`request`).
    Request,
    /// Device grant: poll for the token (`poll`).
    Poll,
    /// The answer to the request the flow last asked to send (`response`).
    Response(Response),
    /// That request got no answer (`transport_error`): `network`, `timeout`, ….
    TransportError(&'a str),
    /// Anything else (answered with `INVALID_STEP`).
    Unknown,
}

/// A request that accepts JSON and sends a JSON `body` when given, with an optional
/// bearer token.
pub fn json_request(
    method: &'static str,
    url: String,
    bearer: Option<&str>,
    body: Option<String>,
) -> Request {
    let mut r = Request::json(method, url, body);
    if let Some(t) = bearer {
        let mut auth = String::from("Bearer ");
        auth.push_str(t);
        r.headers.push(("authorization", auth));
    }
    r
}

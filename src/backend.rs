//! Session backends described as data: the `session` part of a provider's JSON
//! (routes, body field names, where the tokens sit in an answer) plus its error
//! envelope and code table. The OTP sessions API and CODITECT are presets; a
//! custom provider spec may carry the same sections.
//!
//! ```json
//! "session": {
//!   "routes": {"refresh": "/…", "revoke": "/…", "check": "/…", "register": "/…", "login": "/…", "secondFactor": "/…"},
//!   "fields": {"refreshToken": "refresh_token", "revoke": "refreshToken", "email": "email", …},
//!   "tokens": {"accessToken": "access_token", "refreshToken": "…", "expiresAt": "…", "expiresIn": "…", "userId": "user.id", …},
//!   "secondFactor": {"flag": "requires_2fa", "challenge": "challenge_token", "method": "method"}
//! }
//! ```

use crate::action::Credential;
use crate::error::{Code, Error};
use crate::json::{obj, opt_s, s, Value};
use crate::provider::{self, Contract, SpecError};
use crate::response::{self, Response, Shape};
use crate::secret::Secret;
use crate::time::{format_rfc3339, parse_rfc3339};
use alloc::vec::Vec;

/// A validated session-backend description: the provider document itself, read
/// through accessors (no copy of its maps).
#[derive(Clone, Debug, PartialEq)]
pub struct Backend {
    doc: Value,
}

impl Backend {
    /// Validates the session sections of a provider document (the same checks
    /// as a spec: [`provider::check_session`]).
    pub fn from_value(doc: &Value) -> Result<Backend, SpecError> {
        provider::check_session(doc)?;
        let any = ["session.routes", "oauth", "device"]
            .into_iter()
            .any(|section| matches!(doc.path(section), Some(Value::Obj(_))));
        if !any {
            return Err(SpecError::new("session", "has no session routes"));
        }
        Ok(Backend { doc: doc.clone() })
    }

    /// The string `key` of an object `section` of the document.
    pub fn text(&self, section: &str, key: &str) -> Option<&str> {
        self.doc
            .path(section)
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
    }
    /// The provider document.
    pub fn doc(&self) -> &Value {
        &self.doc
    }
    /// Provider name.
    pub fn name(&self) -> &str {
        self.doc.str_at("name").unwrap_or("")
    }
    /// Default API base URL.
    pub fn base_url(&self) -> &str {
        self.doc.str_at("baseUrl").unwrap_or("")
    }
    /// Default OAuth2 authorization-server base URL (else the API base URL).
    pub fn auth_url(&self) -> &str {
        self.doc.str_at("authUrl").unwrap_or(self.base_url())
    }
    /// Minimum password length in characters.
    pub fn password_min(&self) -> i64 {
        self.doc.int_at("limits.passwordMinChars").unwrap_or(1)
    }
    /// Seconds a second-factor challenge lives.
    pub fn challenge_lifetime(&self) -> i64 {
        self.doc
            .int_at("session.challengeLifetimeSeconds")
            .unwrap_or(300)
    }
    /// Path of a session route (`refresh`, `revoke`, `check`, `register`, `login`, `secondFactor`).
    pub fn route(&self, key: &str) -> Option<&str> {
        self.text("session.routes", key)
    }
    /// Wire name of a body field.
    pub fn field<'a>(&'a self, key: &'a str) -> &'a str {
        self.text("session.fields", key).unwrap_or(key)
    }
    /// Path of an OAuth2 endpoint (`authorize`, `token`) on the authorization server.
    pub fn oauth(&self, key: &str) -> Option<&str> {
        self.text("oauth", key)
    }
    /// Path inside a second-factor answer (`flag`, `challenge`, `method`).
    pub fn second_factor(&self, key: &str) -> Option<&str> {
        self.text("session.secondFactor", key)
    }
    /// `live` / `test` for an API token with one of the backend's prefixes.
    pub fn api_token_env(&self, token: &str) -> Option<&str> {
        match self.doc.get("apiTokens") {
            Some(Value::Obj(m)) => m
                .iter()
                .find(|(_, p)| {
                    p.as_text()
                        .is_some_and(|p| token.starts_with(p) && token.len() > p.len())
                })
                .map(|(env, _)| env.as_str()),
            _ => None,
        }
    }

    /// The data of a 2xx answer at session step `step` (a route name: any JSON
    /// value but `null`; an empty object for `204` or an empty body), or the
    /// canonical error of any other: the one classifier of [`crate::response`].
    pub fn classify(&self, step: &str, r: &Response) -> Result<Value, Error> {
        response::answer(self, step, r, Shape::Any)
    }

    /// The canonical token set of a session answer, found at the paths of the backend's
    /// `session.tokens` ([`session_credential`]).
    pub fn tokens(&self, data: &Value, now: i64, status: u16) -> Result<Credential, Error> {
        session_credential(data, &|k| self.text("session.tokens", k), now, status)
    }
}

/// The canonical token set of an answer: a session [`Credential`] (`accessToken`,
/// `refreshToken`) with `tokenType`, `expiresAt` (or `now + expiresIn`), `scope` and
/// `user: {id, email, name}` when the answer has them; `path` says where each canonical
/// name sits in `data` (a backend's `session.tokens`, or RFC 6749's fixed names).
pub fn session_credential<'p>(
    data: &Value,
    path: &dyn Fn(&str) -> Option<&'p str>,
    now: i64,
    status: u16,
) -> Result<Credential, Error> {
    let at = |key: &str| path(key).and_then(|p| data.path(p));
    let txt = |key: &str| at(key).and_then(Value::as_text);
    let Some(access) = txt("accessToken") else {
        return Err(bad("The answer carried no access token.", status));
    };
    let expires = txt("expiresAt")
        .and_then(parse_rfc3339)
        .or_else(|| at("expiresIn").and_then(Value::as_i64).map(|n| now + n));
    let user = obj(alloc::vec![
        ("id", opt_s(txt("userId"))),
        ("email", opt_s(txt("email"))),
        ("name", opt_s(txt("name"))),
    ]);
    let mut c = Credential {
        api_key: Secret::new(access),
        session: true,
        refresh_token: txt("refreshToken").map(Secret::new),
        fields: Vec::new(),
    };
    c.set("tokenType", opt_s(txt("tokenType")));
    c.set(
        "expiresAt",
        expires.map_or(Value::Null, |t| s(&format_rfc3339(t))),
    );
    c.set("scope", opt_s(txt("scope")));
    if user != Value::Obj(Vec::new()) {
        c.set("user", user);
    }
    Ok(c)
}

fn bad(message: &str, status: u16) -> Error {
    response::bad(message, status)
}

impl Contract for Backend {
    fn envelope(&self, key: &str) -> Option<&str> {
        self.text("envelope", key)
    }
    fn error_entry(&self, key: &str) -> Option<Code> {
        self.text("errors", key).and_then(Code::parse)
    }
    fn error_row(&self, i: usize) -> Option<(&str, Option<Code>)> {
        match self.doc.get("errors") {
            Some(Value::Obj(m)) => m
                .get(i)
                .map(|(k, v)| (k.as_str(), v.as_str().and_then(Code::parse))),
            _ => None,
        }
    }
}

/// Resolves a session backend: `spec` (a custom document) if given, else `provider` (a
/// preset name).
pub fn resolve(provider: Option<&str>, spec: Option<&Value>) -> Result<Backend, Error> {
    let doc = match spec {
        Some(d) => Some(d.clone()),
        None => provider::loaded(provider.unwrap_or("")).map(|p| p.doc.clone()),
    };
    let invalid = |m: &str| Error::input(Code::INVALID_PROVIDER, "provider", m);
    let doc = doc.ok_or_else(|| invalid("Unknown provider."))?;
    Backend::from_value(&doc).map_err(|e| invalid(&e.message()))
}

//! The provider spec format (see `docs/custom-provider.md`): the model of a
//! validated email-code spec ([`Spec`] and its parts) and what it answers.
//!
//! `keys` is the format's vocabulary, `rows` the table of checks, `check` runs
//! it, `parse` reads a document into a [`Spec`], `code` owns the code format.

mod check;
mod code;
mod keys;
mod parse;
mod rows;

pub use check::check_session;
pub use code::CodeFormat;
pub use keys::{DEFAULT_FLAGS, FLAG_KEYS};

use crate::error::Code;
use crate::json::Value;
use alloc::string::String;
use alloc::vec::Vec;

/// A spec that failed validation: which field, and what is wrong with it.
#[derive(Clone, Debug, PartialEq)]
pub struct SpecError {
    /// Dotted path of the bad field, e.g. `flows.login.request`.
    pub field: String,
    /// What is wrong.
    pub problem: &'static str,
}

impl SpecError {
    /// A new error for `field`.
    pub fn new(field: &str, problem: &'static str) -> Self {
        SpecError {
            field: String::from(field),
            problem,
        }
    }
    /// `provider spec field 'x': problem`.
    pub fn message(&self) -> String {
        let mut m = String::from("provider spec field '");
        m.push_str(&self.field);
        m.push_str("' ");
        m.push_str(self.problem);
        m
    }
}

/// Paths of one purpose's two routes.
#[derive(Clone, Debug, PartialEq)]
pub struct Routes {
    /// `login` or `signup`.
    pub purpose: String,
    /// Path of the request-a-code route.
    pub request: String,
    /// Path of the complete route.
    pub complete: String,
    /// Field names of this purpose that differ from the spec's `fields`
    /// (`flows.<purpose>.fields`, version 2).
    pub fields: Vec<(String, String)>,
}

/// A value carried from the request step's answer into the complete request
/// (`carry.<name>`, version 2): a flow id for the body, a pending-session token
/// for a header. Carried values are saved with the flow.
#[derive(Clone, Debug, PartialEq)]
pub struct Carry {
    /// The name the flow document saves it under.
    pub name: String,
    /// Path of the value inside the request answer's data.
    pub from: String,
    /// Body field of the complete request that carries it, if any.
    pub body: Option<String>,
    /// Header of the complete request that carries it, and its scheme (may be empty).
    pub header: Option<(String, String)>,
}

/// Statuses other than 2xx that a step counts as success (`accept.<step>`,
/// version 2), optionally only when the answer has a value at `has`.
#[derive(Clone, Debug, PartialEq)]
pub struct Accept {
    /// `request`, `complete`, `mint`, `whoami` or `refresh`.
    pub step: String,
    /// The statuses.
    pub status: Vec<i64>,
    /// A path that must hold a non-null value in the answer.
    pub has: Option<String>,
}

/// The token refresh of an email-code credential (`refresh`, version 2): the
/// current token goes in a header (or a body field) and the answer is read
/// through `credential` like a sign-in's.
#[derive(Clone, Debug, PartialEq)]
pub struct Refresh {
    /// Path of the refresh route.
    pub path: String,
    /// `POST` (default) or `GET`.
    pub method: &'static str,
    /// The header carrying the token and its scheme; ignored with `body`.
    pub auth: (String, String),
    /// Body field that carries the token instead of a header.
    pub body: Option<String>,
}

/// A validated provider description.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    /// Provider name (shown in errors and profiles).
    pub name: String,
    /// Default base URL.
    pub base_url: String,
    /// Appended to a caller's base URL that has no path of its own (Better Auth's
    /// convention: its client adds `/api/auth` to an origin-only URL); empty for none.
    pub base_path: String,
    /// CLI verbs for next-action text; `{purpose}` is replaced.
    pub cmd_request: String,
    /// CLI verb of the complete step.
    pub cmd_complete: String,
    /// Canonical option → the CLI flag next-action text names for it
    /// (`commands.flags`; [`DEFAULT_FLAGS`] fill the rest, see [`Spec::flag`]).
    pub flags: Vec<(String, String)>,
    /// Routes per purpose, in preference order.
    pub flows: Vec<Routes>,
    /// Body field carrying the purpose on both routes, if the backend wants one.
    pub purpose_field: Option<String>,
    /// Wire values of the purposes `(login, signup)`.
    pub purpose_values: (String, String),
    /// Canonical field name → wire field name (email, code, keyName, …).
    pub fields: Vec<(String, String)>,
    /// Envelope paths: data, error code, message, nextAction, retry, attempts, organizations.
    pub envelope: Vec<(String, String)>,
    /// Paths inside `data` of the code-sent answer.
    pub sent: Vec<(String, String)>,
    /// Paths inside `data` of the credential.
    pub credential: Vec<(String, String)>,
    /// whoami path, if any.
    pub whoami: Option<String>,
    /// Code lifetime in seconds.
    pub lifetime: i64,
    /// Minimum seconds between two code requests, if the backend has one.
    pub cooldown: Option<i64>,
    /// Maximum company name length in characters, if limited.
    pub company_max: Option<i64>,
    /// Allowed key lifetime in days, if limited.
    pub expires_days: Option<(i64, i64)>,
    /// `[step:]providerCode` → canonical code.
    pub errors: Vec<(String, Code)>,
    /// Extra request headers `(name, value template)`; `{origin}` and `{baseUrl}`
    /// are replaced with the flow's base URL.
    pub headers: Vec<(String, String)>,
    /// How whoami presents the key: `(header, scheme)`; the scheme may be empty.
    pub whoami_auth: (String, String),
    /// Path of the identity inside the whoami answer's data, if not all of it.
    pub whoami_data: Option<String>,
    /// A third request after a successful complete that turns a session token
    /// into the key (Better Auth's `api-key/create`).
    pub mint: Option<Mint>,
    /// Wrong codes a code survives when the backend does not say (counted locally).
    pub code_attempts: Option<i64>,
    /// The spec format version (`version`, default 1).
    pub version: i64,
    /// Values carried from the request answer into the complete request.
    pub carry: Vec<Carry>,
    /// Non-2xx statuses a step counts as success.
    pub accept: Vec<Accept>,
    /// What a code looks like.
    pub code_format: CodeFormat,
    /// `GET` (default) or `POST`.
    pub whoami_method: &'static str,
    /// What the credential is: `apiKey` (default), `sessionToken` or `jwt`.
    pub credential_kind: &'static str,
    /// The token refresh, if the backend has one.
    pub refresh: Option<Refresh>,
}

/// The mint request: complete answers a session token, this request turns it into a key.
#[derive(Clone, Debug, PartialEq)]
pub struct Mint {
    /// Path of the mint route.
    pub path: String,
    /// Path of the session token inside the complete answer's data.
    pub token: String,
    /// The header carrying the token, and its scheme (may be empty).
    pub auth: (String, String),
    /// Body: wire field name → source (`keyName`, `keyExpiresInDays`,
    /// `keyExpiresInSeconds`, `description`, `organizationId`, `email`).
    pub body: Vec<(String, String)>,
}

impl Spec {
    /// The base URL a caller gave, with [`Spec::base_path`] appended when it names
    /// only an origin (`http://127.0.0.1:3000` → `http://127.0.0.1:3000/api/auth`);
    /// a URL with a path of its own is used as given. Without one, the spec's default.
    pub fn base_url_for(&self, given: Option<&str>) -> String {
        match given {
            Some(url) => crate::provider::with_base_path(url, &self.base_path),
            None => self.base_url.clone(),
        }
    }

    fn lookup<'a>(list: &'a [(String, String)], key: &str) -> Option<&'a str> {
        list.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
    /// The CLI flag next-action text names for a canonical option (`keyName` →
    /// `--key-name`, or what the spec's `commands.flags` declares).
    pub fn flag<'a>(&'a self, key: &str) -> &'a str {
        Self::lookup(&self.flags, key)
            .or_else(|| {
                let i = FLAG_KEYS.iter().position(|k| *k == key)?;
                DEFAULT_FLAGS.get(i).copied()
            })
            .unwrap_or("")
    }
    /// Wire name of a canonical body field.
    pub fn field(&self, key: &str) -> Option<&str> {
        Self::lookup(&self.fields, key)
    }
    /// Wire name of a canonical body field for a purpose: its
    /// `flows.<purpose>.fields` entry, else [`Spec::field`].
    pub fn field_for(&self, purpose: &str, key: &str) -> Option<&str> {
        self.routes(purpose)
            .and_then(|r| Self::lookup(&r.fields, key))
            .or_else(|| self.field(key))
    }
    /// Envelope path of `key`.
    pub fn envelope(&self, key: &str) -> Option<&str> {
        Self::lookup(&self.envelope, key)
    }
    /// Path of a code-sent field inside data.
    pub fn sent(&self, key: &str) -> Option<&str> {
        Self::lookup(&self.sent, key)
    }
    /// Path of a credential field inside data.
    pub fn credential(&self, key: &str) -> Option<&str> {
        Self::lookup(&self.credential, key)
    }
    /// Routes for a purpose.
    pub fn routes(&self, purpose: &str) -> Option<&Routes> {
        self.flows.iter().find(|r| r.purpose == purpose)
    }
    /// The wire value of a purpose.
    pub fn purpose_value(&self, purpose: &str) -> &str {
        if purpose == "signup" {
            &self.purpose_values.1
        } else {
            &self.purpose_values.0
        }
    }
}

impl super::Contract for Spec {
    fn envelope(&self, key: &str) -> Option<&str> {
        Spec::envelope(self, key)
    }
    fn error_entry(&self, key: &str) -> Option<Code> {
        self.errors.iter().find(|(k, _)| k == key).map(|(_, c)| *c)
    }
    fn error_row(&self, i: usize) -> Option<(&str, Option<Code>)> {
        self.errors.get(i).map(|(k, c)| (k.as_str(), Some(*c)))
    }
    fn accepts(&self, step: &str, status: u16, doc: Option<&Value>) -> bool {
        self.accept.iter().any(|a| {
            a.step == step
                && a.status.contains(&i64::from(status))
                && a.has
                    .as_deref()
                    .is_none_or(|p| doc.and_then(|d| d.path(p)).is_some_and(|v| !v.is_null()))
        })
    }
}

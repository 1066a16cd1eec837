//! The provider spec format (see `docs/custom-provider.md`): parsing and validation.

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
}

/// A validated provider description.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    /// Provider name (shown in errors and profiles).
    pub name: String,
    /// Default base URL.
    pub base_url: String,
    /// CLI verbs for next-action text; `{purpose}` is replaced.
    pub cmd_request: String,
    /// CLI verb of the complete step.
    pub cmd_complete: String,
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

const ENVELOPE_KEYS: &[&str] = &[
    "success",
    "data",
    "code",
    "message",
    "nextAction",
    "retryAfter",
    "attemptsRemaining",
    "organizations",
];
const FIELD_KEYS: &[&str] = &[
    "email",
    "code",
    "companyName",
    "description",
    "keyName",
    "keyExpiresInDays",
    "organizationId",
];
const SENT_KEYS: &[&str] = &["expiresAt", "resendAvailableAt"];
const CREDENTIAL_KEYS: &[&str] = &[
    "apiKey",
    "accessToken",
    "refreshToken",
    "keyId",
    "keyName",
    "keyPrefix",
    "scopes",
    "expiresAt",
    "organizationId",
    "organizationName",
    "userId",
    "email",
    "accountCreated",
    "accountCreatedAt",
];
/// Every top-level key a spec may have (the session sections are read by `crate::backend`).
const TOP_KEYS: &[&str] = &[
    "$schema",
    "description",
    "name",
    "baseUrl",
    "commands",
    "flows",
    "purposeField",
    "purposeValues",
    "fields",
    "envelope",
    "sent",
    "credential",
    "whoami",
    "codeLifetimeSeconds",
    "resendCooldownSeconds",
    "codeAttempts",
    "limits",
    "errors",
    "headers",
    "mint",
    "authUrl",
    "session",
    "oauth",
    "apiTokens",
];
const MINT_SOURCES: &[&str] = &[
    "keyName",
    "keyExpiresInDays",
    "keyExpiresInSeconds",
    "description",
    "organizationId",
    "email",
];
/// Headers keymint sets itself; a spec may not replace them.
const RESERVED_HEADERS: &[&str] = &[
    "accept",
    "authorization",
    "content-length",
    "content-type",
    "cookie",
    "host",
    "idempotency-key",
];

fn join(a: &str, b: &str) -> String {
    let mut s = String::from(a);
    s.push('.');
    s.push_str(b);
    s
}

fn text(doc: &Value, field: &str) -> Result<String, SpecError> {
    match doc.path(field) {
        Some(Value::Str(s)) if !s.trim().is_empty() => Ok(s.clone()),
        _ => Err(SpecError::new(field, "must be a non-empty string")),
    }
}

fn opt_text(doc: &Value, field: &str) -> Result<Option<String>, SpecError> {
    match doc.path(field) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => text(doc, field).map(Some),
    }
}

fn route(doc: &Value, field: &str) -> Result<String, SpecError> {
    let p = text(doc, field)?;
    if p.starts_with('/') && crate::json::find(&p, "://").is_none() && !p.bytes().any(|b| b <= b' ')
    {
        Ok(p)
    } else {
        Err(SpecError::new(field, "must be a path starting with '/'"))
    }
}

fn seconds(doc: &Value, field: &str, default: Option<i64>) -> Result<Option<i64>, SpecError> {
    match doc.path(field) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => match v {
            Value::Int(n) if (1..=86_400 * 366).contains(n) => Ok(Some(*n)),
            _ => Err(SpecError::new(
                field,
                "must be a whole number of seconds from 1 to 31622400",
            )),
        },
    }
}

/// Reads a `{key: "path"}` map restricted to `allowed` keys.
fn path_map(
    doc: &Value,
    field: &str,
    allowed: &[&str],
) -> Result<Vec<(String, String)>, SpecError> {
    match doc.path(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Obj(members)) => {
            let mut out = Vec::new();
            for (k, _) in members {
                let f = join(field, k);
                if !allowed.contains(&k.as_str()) {
                    return Err(SpecError::new(&f, "is not a known key"));
                }
                let v = match doc.path(field).and_then(|m| m.get(k)) {
                    Some(Value::Str(s)) => s.clone(),
                    _ => return Err(SpecError::new(&f, "must be a string")),
                };
                out.push((k.clone(), v));
            }
            Ok(out)
        }
        Some(_) => Err(SpecError::new(field, "must be an object")),
    }
}

/// Refuses keys of the object at `field` ("" for the root) not in `allowed`.
fn known_keys(doc: &Value, field: &str, allowed: &[&str]) -> Result<(), SpecError> {
    if let Some(Value::Obj(members)) = doc.path(field) {
        if let Some((k, _)) = members.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
            let f = if field.is_empty() {
                k.clone()
            } else {
                join(field, k)
            };
            return Err(SpecError::new(&f, "is not a known key"));
        }
    }
    Ok(())
}

fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A header name: an HTTP token, lower-cased.
fn header_name(doc: &Value, field: &str) -> Result<String, SpecError> {
    let name = text(doc, field)?.to_ascii_lowercase();
    if is_token(&name) {
        Ok(name)
    } else {
        Err(SpecError::new(field, "must be an HTTP header name"))
    }
}

/// `{header?, scheme?}` of a credential-carrying request: the header (default
/// `authorization`) and its scheme (default `Bearer` for `authorization`, else none).
fn auth_of(doc: &Value, field: &str) -> Result<(String, String), SpecError> {
    let h = join(field, "header");
    let header = match doc.path(&h) {
        None | Some(Value::Null) => String::from("authorization"),
        Some(_) => header_name(doc, &h)?,
    };
    let sc = join(field, "scheme");
    let scheme = match doc.path(&sc) {
        None | Some(Value::Null) if header == "authorization" => String::from("Bearer"),
        None | Some(Value::Null) => String::new(),
        Some(Value::Str(t)) if t.is_empty() || is_token(t) => t.clone(),
        Some(_) => {
            return Err(SpecError::new(
                &sc,
                "must be an auth scheme such as \"Bearer\", or \"\"",
            ))
        }
    };
    Ok((header, scheme))
}

/// The `headers` section: `{name: "value"}`, names other than the ones keymint sets.
fn extra_headers(doc: &Value) -> Result<Vec<(String, String)>, SpecError> {
    let mut out = Vec::new();
    match doc.path("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Obj(members)) => {
            for (k, v) in members {
                let f = join("headers", k);
                let name = k.to_ascii_lowercase();
                if !is_token(&name) {
                    return Err(SpecError::new(&f, "must be an HTTP header name"));
                }
                if RESERVED_HEADERS.contains(&name.as_str()) {
                    return Err(SpecError::new(
                        &f,
                        "is set by keymint and cannot be replaced",
                    ));
                }
                match v {
                    Value::Str(t) if !t.bytes().any(|b| b < b' ' || b == 127) => {
                        out.push((name, t.clone()));
                    }
                    _ => {
                        return Err(SpecError::new(
                            &f,
                            "must be a string without control characters",
                        ))
                    }
                }
            }
        }
        Some(_) => return Err(SpecError::new("headers", "must be an object")),
    }
    Ok(out)
}

/// The optional `mint` section.
fn mint_of(doc: &Value) -> Result<Option<Mint>, SpecError> {
    match doc.path("mint") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Obj(_)) => {}
        Some(_) => return Err(SpecError::new("mint", "must be an object")),
    }
    known_keys(doc, "mint", &["path", "token", "header", "scheme", "body"])?;
    let mut body = Vec::new();
    match doc.path("mint.body") {
        None | Some(Value::Null) => {}
        Some(Value::Obj(members)) => {
            // Keys are the backend's field names; values name where the value comes from.
            for (k, v) in members {
                match v.as_str() {
                    Some(src) if MINT_SOURCES.contains(&src) => {
                        body.push((k.clone(), String::from(src)));
                    }
                    _ => {
                        return Err(SpecError::new(
                            &join("mint.body", k),
                            "must name keyName, keyExpiresInDays, keyExpiresInSeconds, description, organizationId or email",
                        ))
                    }
                }
            }
        }
        Some(_) => return Err(SpecError::new("mint.body", "must be an object")),
    }
    Ok(Some(Mint {
        path: route(doc, "mint.path")?,
        token: text(doc, "mint.token")?,
        auth: auth_of(doc, "mint")?,
        body,
    }))
}

impl Spec {
    /// Validates a spec document.
    pub fn from_value(doc: &Value) -> Result<Spec, SpecError> {
        if !matches!(doc, Value::Obj(_)) {
            return Err(SpecError::new("(root)", "must be an object"));
        }
        known_keys(doc, "", TOP_KEYS)?;
        let name = text(doc, "name")?;
        let base_url = text(doc, "baseUrl")?;
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            return Err(SpecError::new("baseUrl", "must be an http(s) URL"));
        }
        let mut flows = Vec::new();
        for purpose in ["login", "signup"] {
            if doc.path("flows").and_then(|f| f.get(purpose)).is_some() {
                let base = join("flows", purpose);
                flows.push(Routes {
                    purpose: String::from(purpose),
                    request: route(doc, &join(&base, "request"))?,
                    complete: route(doc, &join(&base, "complete"))?,
                });
            }
        }
        if flows.is_empty() {
            return Err(SpecError::new(
                "flows",
                "must describe 'login' and/or 'signup' routes",
            ));
        }
        if let Some(Value::Obj(m)) = doc.path("flows") {
            if let Some((k, _)) = m.iter().find(|(k, _)| k != "login" && k != "signup") {
                return Err(SpecError::new(
                    &join("flows", k),
                    "is not a known purpose (login, signup)",
                ));
            }
        }
        let fields = path_map(doc, "fields", FIELD_KEYS)?;
        for required in ["email", "code"] {
            if !fields.iter().any(|(k, _)| k == required) {
                return Err(SpecError::new(&join("fields", required), "is required"));
            }
        }
        let credential = path_map(doc, "credential", CREDENTIAL_KEYS)?;
        // An API key, or a session's access token.
        if !credential
            .iter()
            .any(|(k, _)| k == "apiKey" || k == "accessToken")
        {
            return Err(SpecError::new("credential.apiKey", "is required"));
        }
        let envelope = path_map(doc, "envelope", ENVELOPE_KEYS)?;
        if !envelope.iter().any(|(k, _)| k == "code") {
            return Err(SpecError::new("envelope.code", "is required"));
        }
        let mut errors = Vec::new();
        match doc.path("errors") {
            None | Some(Value::Null) => {}
            Some(Value::Obj(m)) => {
                for (k, v) in m {
                    let code = v.as_str().and_then(Code::parse);
                    match code {
                        Some(c) => errors.push((k.clone(), c)),
                        None => {
                            return Err(SpecError::new(
                                &join("errors", k),
                                "must name a canonical error code",
                            ))
                        }
                    }
                }
            }
            Some(_) => return Err(SpecError::new("errors", "must be an object")),
        }
        let company_max = seconds(doc, "limits.companyNameChars", None)?;
        let expires_days = match doc.path("limits.keyExpiresInDays") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_arr() {
                Some([Value::Int(lo), Value::Int(hi)]) if lo <= hi => Some((*lo, *hi)),
                _ => {
                    return Err(SpecError::new(
                        "limits.keyExpiresInDays",
                        "must be [min, max]",
                    ))
                }
            },
        };
        known_keys(doc, "commands", &["request", "complete", "whoami"])?;
        known_keys(doc, "purposeValues", &["login", "signup"])?;
        known_keys(doc, "flows.login", &["request", "complete"])?;
        known_keys(doc, "flows.signup", &["request", "complete"])?;
        known_keys(
            doc,
            "limits",
            &["companyNameChars", "keyExpiresInDays", "passwordMinChars"],
        )?;
        known_keys(doc, "whoami", &["path", "header", "scheme", "data"])?;
        let code_attempts = match doc.path("codeAttempts") {
            None | Some(Value::Null) => None,
            Some(Value::Int(n)) if (1..=100).contains(n) => Some(*n),
            Some(_) => {
                return Err(SpecError::new(
                    "codeAttempts",
                    "must be a whole number from 1 to 100",
                ))
            }
        };
        Ok(Spec {
            name,
            base_url,
            cmd_request: opt_text(doc, "commands.request")?
                .unwrap_or_else(|| String::from("auth {purpose}-request")),
            cmd_complete: opt_text(doc, "commands.complete")?
                .unwrap_or_else(|| String::from("auth {purpose}-complete")),
            flows,
            purpose_field: opt_text(doc, "purposeField")?,
            purpose_values: (
                opt_text(doc, "purposeValues.login")?.unwrap_or_else(|| String::from("login")),
                opt_text(doc, "purposeValues.signup")?.unwrap_or_else(|| String::from("signup")),
            ),
            fields,
            envelope,
            sent: path_map(doc, "sent", SENT_KEYS)?,
            credential,
            whoami: match doc.path("whoami.path") {
                None | Some(Value::Null) => None,
                Some(_) => Some(route(doc, "whoami.path")?),
            },
            lifetime: seconds(doc, "codeLifetimeSeconds", Some(600))?.unwrap_or(600),
            cooldown: seconds(doc, "resendCooldownSeconds", None)?,
            company_max,
            expires_days,
            errors,
            headers: extra_headers(doc)?,
            whoami_auth: auth_of(doc, "whoami")?,
            whoami_data: opt_text(doc, "whoami.data")?,
            mint: mint_of(doc)?,
            code_attempts,
        })
    }

    fn lookup<'a>(list: &'a [(String, String)], key: &str) -> Option<&'a str> {
        list.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
    /// Wire name of a canonical body field.
    pub fn field(&self, key: &str) -> Option<&str> {
        Self::lookup(&self.fields, key)
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
    /// Canonical code for a backend code at a step (`request`, `complete`, `whoami`).
    pub fn map_code(&self, step: &str, provider_code: &str) -> Option<Code> {
        let scoped = self.errors.iter().find(|(k, _)| {
            k.strip_prefix(step)
                .and_then(|r| r.strip_prefix(':'))
                .is_some_and(|r| r == provider_code)
        });
        scoped
            .or_else(|| self.errors.iter().find(|(k, _)| k == provider_code))
            .map(|(_, c)| *c)
            .or_else(|| {
                // Backends that already use canonical names (Codika) need no table;
                // kebab- or snake-case variants of a canonical name map too.
                let upper: String = provider_code
                    .chars()
                    .map(|c| {
                        if c == '-' {
                            '_'
                        } else {
                            c.to_ascii_uppercase()
                        }
                    })
                    .collect();
                Code::parse(&upper)
            })
    }
}

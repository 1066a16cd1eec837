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

/// What a one-time code looks like (`codeFormat`, version 2; default six digits).
#[derive(Clone, Debug, PartialEq)]
pub struct CodeFormat {
    /// Characters, without separators.
    pub length: usize,
    /// `digits`, `letters`, `alphanumeric` or `hex`.
    pub alphabet: &'static str,
    /// Characters per group when shown (0: not grouped).
    pub group: usize,
    /// The group separator (shown, and sent when `send` is `grouped`).
    pub separator: &'static str,
    /// `upper`, `lower` or `any`: how typed letters are normalised.
    pub case: &'static str,
    /// Send the code with its separators.
    pub send_grouped: bool,
}

impl CodeFormat {
    /// The example shown in prompts and messages: `123456`, `XXXX-XXXX`.
    pub fn example(&self) -> String {
        let ch = if self.alphabet == "digits" { '0' } else { 'X' };
        let mut out = String::new();
        for i in 0..self.length {
            if self.group > 0 && i > 0 && i % self.group == 0 {
                out.push_str(self.separator);
            }
            out.push(if ch == '0' {
                char::from(b'1' + (i % 9) as u8)
            } else {
                ch
            });
        }
        out
    }
    /// `6 digits`, `8 letters or digits`: the words a message names the format with.
    pub fn words(&self) -> String {
        let mut out = crate::text::int_str(self.length as i64);
        out.push_str(match self.alphabet {
            "digits" => " digits",
            "letters" => " letters",
            "hex" => " hexadecimal digits",
            _ => " letters or digits",
        });
        out
    }
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

const ENVELOPE_KEYS: &[&str] = &[
    "success",
    "data",
    "code",
    "message",
    "nextAction",
    "retryAfter",
    "attemptsRemaining",
    "organizations",
    "requiredScope",
    "field",
];
/// The canonical options: the keys of `fields` (their wire names) and of
/// `commands.flags` (the CLI flags next-action commands repeat them with) …
pub const FLAG_KEYS: &[&str] = &[
    "email",
    "code",
    "companyName",
    "description",
    "keyName",
    "keyExpiresInDays",
    "organizationId",
];
const FIELD_KEYS: &[&str] = FLAG_KEYS;
/// … and the generic `keymint` CLI's flag for each, used for any option a spec
/// leaves out.
pub const DEFAULT_FLAGS: &[&str] = &[
    "--email",
    "--code",
    "--company",
    "--description",
    "--key-name",
    "--key-expires-in",
    "--organization-id",
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
    "kind",
];
/// Every top-level key a spec may have (the session sections are read by `crate::backend`).
const TOP_KEYS: &[&str] = &[
    "$schema",
    "version",
    "description",
    "name",
    "baseUrl",
    "basePath",
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
    "carry",
    "accept",
    "codeFormat",
    "refresh",
    "authUrl",
    "session",
    "oauth",
    "device",
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

/// What a validation row checks at its path.
#[derive(Clone, Copy)]
enum K {
    /// A non-empty string.
    Text,
    /// Absent, `null` or a non-empty string.
    OptText,
    /// A path starting with `/`.
    Route,
    /// Absent, `null` or a route.
    OptRoute,
    /// An `http(s)://` URL.
    Http,
    /// Absent, `null` or a whole number in a range, else the message.
    Int(i64, i64, &'static str),
    /// Absent, `null` or an object.
    Obj,
    /// The object (if any) has only these keys.
    Keys(&'static [&'static str]),
    /// Absent, `null` or an object of these keys to strings.
    Map(&'static [&'static str]),
    /// Present, unless the other path is.
    Req(&'static str),
    /// Absent, `null` or an HTTP header name.
    Header,
    /// Absent, `null` or an auth scheme (a token, or "").
    Scheme,
    /// The `flows` section.
    Flows,
    /// The `errors` section.
    Codes,
    /// Absent, `null` or an object of routes (`session.routes`, `oauth`).
    Routes,
    /// `[min, max]`.
    Range,

    /// The `headers` section.
    Headers,
    /// The `mint.body` section.
    Sources,
    /// Absent, `null` or one of these strings, else the message.
    OneOf(&'static [&'static str], &'static str),
    /// Absent unless the spec says `"version": 2`.
    V2,
    /// The `carry` section.
    Carry,
    /// The `accept` section.
    Accept,
    /// A route, when the `refresh` section is there.
    RefreshRoute,
}

/// Steps whose answers the classifier reads for an email-code spec.
const STEPS: &[&str] = &["request", "complete", "mint", "whoami", "refresh"];

const GET_POST: &str = "must be \"GET\" or \"POST\"";
const GET_OR_POST: &[&str] = &["GET", "POST"];
const POST_OR_GET: &[&str] = &["POST", "GET"];
const KINDS: &[&str] = &["apiKey", "sessionToken", "jwt"];
const ALPHABETS: &[&str] = &["digits", "letters", "alphanumeric", "hex"];
const SEPARATORS: &[&str] = &["-", " ", "."];
const CASES: &[&str] = &["upper", "lower", "any"];
const SECS: &str = "must be a whole number of seconds from 1 to 31622400";
const MAX_SECS: i64 = 86_400 * 366;

/// Every check of a spec, in the order they run (the first failing one is reported).
const ROWS: &[(&str, K)] = &[
    ("", K::Keys(TOP_KEYS)),
    ("name", K::Text),
    ("baseUrl", K::Text),
    ("baseUrl", K::Http),
    ("basePath", K::OptRoute),
    ("flows", K::Flows),
    ("fields", K::Map(FIELD_KEYS)),
    ("fields.email", K::Req("")),
    ("fields.code", K::Req("")),
    ("credential", K::Map(CREDENTIAL_KEYS)),
    // An API key, or a session's access token.
    ("credential.apiKey", K::Req("credential.accessToken")),
    ("envelope", K::Map(ENVELOPE_KEYS)),
    ("envelope.code", K::Req("")),
    ("errors", K::Codes),
    ("limits.companyNameChars", K::Int(1, MAX_SECS, SECS)),
    ("limits.keyExpiresInDays", K::Range),
    (
        "commands",
        K::Keys(&["request", "complete", "whoami", "flags"]),
    ),
    ("commands.flags", K::Map(FLAG_KEYS)),
    ("purposeValues", K::Keys(&["login", "signup"])),
    ("flows.login", K::Keys(&["request", "complete", "fields"])),
    ("flows.signup", K::Keys(&["request", "complete", "fields"])),
    (
        "limits",
        K::Keys(&["companyNameChars", "keyExpiresInDays", "passwordMinChars"]),
    ),
    (
        "whoami",
        K::Keys(&["path", "header", "scheme", "data", "method"]),
    ),
    (
        "codeAttempts",
        K::Int(1, 100, "must be a whole number from 1 to 100"),
    ),
    ("commands.request", K::OptText),
    ("commands.complete", K::OptText),
    ("purposeField", K::OptText),
    ("purposeValues.login", K::OptText),
    ("purposeValues.signup", K::OptText),
    ("sent", K::Map(SENT_KEYS)),
    ("whoami.path", K::OptRoute),
    ("codeLifetimeSeconds", K::Int(1, MAX_SECS, SECS)),
    ("resendCooldownSeconds", K::Int(1, MAX_SECS, SECS)),
    ("headers", K::Headers),
    ("whoami.header", K::Header),
    ("whoami.scheme", K::Scheme),
    ("whoami.data", K::OptText),
    ("mint", K::Obj),
    // The rest apply only when there is a mint section.
    (
        "mint",
        K::Keys(&["path", "token", "header", "scheme", "body"]),
    ),
    ("mint.body", K::Sources),
    ("mint.path", K::Route),
    ("mint.token", K::Text),
    ("mint.header", K::Header),
    ("mint.scheme", K::Scheme),
    // Version 2.
    ("version", K::Int(1, 2, "must be 1 or 2")),
    ("carry", K::V2),
    ("accept", K::V2),
    ("codeFormat", K::V2),
    ("refresh", K::V2),
    ("flows.login.fields", K::V2),
    ("flows.signup.fields", K::V2),
    ("whoami.method", K::V2),
    ("credential.kind", K::V2),
    ("flows.login.fields", K::Map(FIELD_KEYS)),
    ("flows.signup.fields", K::Map(FIELD_KEYS)),
    ("whoami.method", K::OneOf(GET_OR_POST, GET_POST)),
    (
        "credential.kind",
        K::OneOf(KINDS, "must be \"apiKey\", \"sessionToken\" or \"jwt\""),
    ),
    ("carry", K::Carry),
    ("accept", K::Accept),
    ("codeFormat", K::Obj),
    (
        "codeFormat",
        K::Keys(&["length", "alphabet", "group", "separator", "case", "send"]),
    ),
    (
        "codeFormat.length",
        K::Int(1, 64, "must be a whole number from 1 to 64"),
    ),
    (
        "codeFormat.alphabet",
        K::OneOf(
            ALPHABETS,
            "must be \"digits\", \"letters\", \"alphanumeric\" or \"hex\"",
        ),
    ),
    (
        "codeFormat.group",
        K::Int(1, 64, "must be a whole number from 1 to 64"),
    ),
    (
        "codeFormat.separator",
        K::OneOf(SEPARATORS, "must be \"-\", \" \" or \".\""),
    ),
    (
        "codeFormat.case",
        K::OneOf(CASES, "must be \"upper\", \"lower\" or \"any\""),
    ),
    (
        "codeFormat.send",
        K::OneOf(&["plain", "grouped"], "must be \"plain\" or \"grouped\""),
    ),
    ("refresh", K::Obj),
    (
        "refresh",
        K::Keys(&["path", "method", "header", "scheme", "body"]),
    ),
    ("refresh.path", K::RefreshRoute),
    ("refresh.method", K::OneOf(GET_OR_POST, GET_POST)),
    ("refresh.header", K::Header),
    ("refresh.scheme", K::Scheme),
    ("refresh.body", K::OptText),
];

/// The checks of the sections a session backend reads ([`crate::backend::Backend`]):
/// the same rows, so a section means the same thing to both engines.
const SESSION_ROWS: &[(&str, K)] = &[
    ("name", K::Text),
    ("baseUrl", K::Text),
    ("session.routes", K::Routes),
    ("oauth", K::Routes),
    ("errors", K::Codes),
    ("device", K::Obj),
    (
        "device",
        K::Keys(&[
            "deviceAuthorizationEndpoint",
            "tokenEndpoint",
            "clientId",
            "scope",
            "resource",
            "mint",
            "encoding",
            "metadata",
        ]),
    ),
    (
        "device.encoding",
        K::OneOf(&["form", "json"], "must be \"form\" or \"json\""),
    ),
    ("device.deviceAuthorizationEndpoint", K::OptText),
    ("device.tokenEndpoint", K::OptText),
    ("device.metadata", K::OptText),
    ("device.clientId", K::OptText),
    ("device.scope", K::OptText),
    ("device.resource", K::OptText),
];

/// Validates the sections a session backend reads, with the checks of a spec.
pub fn check_session(doc: &Value) -> Result<(), SpecError> {
    for (field, kind) in SESSION_ROWS {
        check(doc, field, *kind)?;
    }
    Ok(())
}

fn is_text(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Str(s)) if !s.trim().is_empty())
}

fn is_route(v: Option<&Value>) -> bool {
    is_text(v) && v.and_then(Value::as_str).is_some_and(super::is_route)
}

/// Runs one check; `Err` names the bad field.
#[inline(never)]
fn check(doc: &Value, field: &'static str, kind: K) -> Result<(), SpecError> {
    let v = doc.path(field);
    let absent = matches!(v, None | Some(Value::Null));
    let fail = |problem| Err(SpecError::new(field, problem));
    let members: &[(String, Value)] = match v {
        Some(Value::Obj(m)) => m,
        _ => &[],
    };
    match kind {
        K::OptText
        | K::OptRoute
        | K::Header
        | K::Scheme
        | K::Int(..)
        | K::Range
        | K::OneOf(..)
        | K::V2
        | K::Carry
        | K::Accept
            if absent => {}
        K::RefreshRoute if matches!(doc.get("refresh"), None | Some(Value::Null)) => {}
        K::V2 => {
            if !matches!(doc.get("version"), Some(Value::Int(2))) {
                return fail("needs \"version\": 2 at the top of the spec");
            }
        }
        K::OneOf(allowed, problem) => {
            if !v
                .and_then(Value::as_str)
                .is_some_and(|s| allowed.contains(&s))
            {
                return fail(problem);
            }
        }
        K::Carry => return check_carry(field, v),
        K::Accept => return check_accept(field, v),
        K::Obj | K::Map(_) | K::Codes | K::Headers | K::Sources | K::Routes
            if !absent && !matches!(v, Some(Value::Obj(_))) =>
        {
            return fail("must be an object")
        }
        K::Text | K::OptText | K::Route | K::OptRoute | K::Header | K::RefreshRoute
            if !is_text(v) =>
        {
            return fail("must be a non-empty string")
        }
        K::Route | K::OptRoute | K::RefreshRoute if !is_route(v) => {
            return fail("must be a path starting with '/'")
        }
        K::Http => {
            let u = v.and_then(Value::as_str).unwrap_or("");
            if !(u.starts_with("https://") || u.starts_with("http://")) {
                return fail("must be an http(s) URL");
            }
        }
        K::Header => {
            if !is_token(&v.and_then(Value::as_str).unwrap_or("").to_ascii_lowercase()) {
                return fail("must be an HTTP header name");
            }
        }
        K::Scheme => {
            if !matches!(v, Some(Value::Str(t)) if t.is_empty() || is_token(t)) {
                return fail("must be an auth scheme such as \"Bearer\", or \"\"");
            }
        }
        K::Int(lo, hi, problem) => {
            if !matches!(v, Some(Value::Int(n)) if (lo..=hi).contains(n)) {
                return fail(problem);
            }
        }
        K::Range => {
            if !matches!(v.and_then(Value::as_arr), Some([Value::Int(lo), Value::Int(hi)]) if lo <= hi)
            {
                return fail("must be [min, max]");
            }
        }
        K::Req(other) => {
            if v.is_none() && (other.is_empty() || doc.path(other).is_none()) {
                return fail("is required");
            }
        }
        K::Flows => {
            let mut any = false;
            for purpose in ["login", "signup"] {
                if v.and_then(|f| f.get(purpose)).is_some() {
                    any = true;
                    for route in ["request", "complete"] {
                        let f = join(&join(field, purpose), route);
                        if !is_route(doc.path(&f)) {
                            let problem = if is_text(doc.path(&f)) {
                                "must be a path starting with '/'"
                            } else {
                                "must be a non-empty string"
                            };
                            return Err(SpecError::new(&f, problem));
                        }
                    }
                }
            }
            if !any {
                return fail("must describe 'login' and/or 'signup' routes");
            }
            if let Some((k, _)) = members.iter().find(|(k, _)| k != "login" && k != "signup") {
                return Err(SpecError::new(
                    &join(field, k),
                    "is not a known purpose (login, signup)",
                ));
            }
        }
        _ => {
            for (k, m) in members {
                let problem = match kind {
                    K::Keys(allowed) | K::Map(allowed) if !allowed.contains(&k.as_str()) => {
                        "is not a known key"
                    }
                    K::Map(_) if !matches!(m, Value::Str(_)) => "must be a string",
                    K::Codes if m.as_str().and_then(Code::parse).is_none() => {
                        "must name a canonical error code"
                    }
                    K::Routes if !is_route(Some(m)) => "must be a path starting with '/'",
                    K::Headers if !is_token(&k.to_ascii_lowercase()) => {
                        "must be an HTTP header name"
                    }
                    K::Headers if RESERVED_HEADERS.contains(&k.to_ascii_lowercase().as_str()) => {
                        "is set by keymint and cannot be replaced"
                    }
                    K::Headers
                        if !matches!(m, Value::Str(t) if !t.bytes().any(|b| b < b' ' || b == 127)) =>
                    {
                        "must be a string without control characters"
                    }
                    K::Sources if !m.as_str().is_some_and(|s| MINT_SOURCES.contains(&s)) => {
                        "must name keyName, keyExpiresInDays, keyExpiresInSeconds, description, organizationId or email"
                    }
                    _ => continue,
                };
                let f = if field.is_empty() {
                    k.clone()
                } else {
                    join(field, k)
                };
                return Err(SpecError::new(&f, problem));
            }
        }
    }
    Ok(())
}

/// `carry`: `{name: {from, body?, header?, scheme?}}`, each sent in the body or a header.
fn check_carry(field: &str, v: Option<&Value>) -> Result<(), SpecError> {
    let Some(Value::Obj(members)) = v else {
        return Err(SpecError::new(field, "must be an object"));
    };
    for (name, entry) in members {
        let f = join(field, name);
        let Value::Obj(keys) = entry else {
            return Err(SpecError::new(&f, "must be an object"));
        };
        if let Some((k, _)) = keys
            .iter()
            .find(|(k, _)| !["from", "body", "header", "scheme"].contains(&k.as_str()))
        {
            return Err(SpecError::new(&join(&f, k), "is not a known key"));
        }
        if !is_text(entry.get("from")) {
            return Err(SpecError::new(
                &join(&f, "from"),
                "must be a non-empty string",
            ));
        }
        for (k, kind) in [
            ("body", K::OptText),
            ("header", K::Header),
            ("scheme", K::Scheme),
        ] {
            if let Err(e) = check(entry, k, kind) {
                return Err(SpecError::new(&join(&f, k), e.problem));
            }
        }
        if entry.get("body").is_none() && entry.get("header").is_none() {
            return Err(SpecError::new(
                &f,
                "must say where it is sent: 'body' or 'header'",
            ));
        }
        if let Some(h) = entry.str_at("header") {
            if RESERVED_HEADERS.contains(&h.to_ascii_lowercase().as_str()) && h != "authorization" {
                return Err(SpecError::new(
                    &join(&f, "header"),
                    "is set by keymint and cannot be replaced",
                ));
            }
        }
    }
    Ok(())
}

/// `accept`: `{step: {status: [n, …], has?}}`.
fn check_accept(field: &str, v: Option<&Value>) -> Result<(), SpecError> {
    let Some(Value::Obj(members)) = v else {
        return Err(SpecError::new(field, "must be an object"));
    };
    for (step, entry) in members {
        let f = join(field, step);
        if !STEPS.contains(&step.as_str()) {
            return Err(SpecError::new(
                &f,
                "is not a known step (request, complete, mint, whoami, refresh)",
            ));
        }
        let Value::Obj(keys) = entry else {
            return Err(SpecError::new(&f, "must be an object"));
        };
        if let Some((k, _)) = keys.iter().find(|(k, _)| k != "status" && k != "has") {
            return Err(SpecError::new(&join(&f, k), "is not a known key"));
        }
        let ok = entry
            .get("status")
            .and_then(Value::as_arr)
            .is_some_and(|a| {
                !a.is_empty()
                    && a.iter()
                        .all(|s| matches!(s, Value::Int(n) if (100..=599).contains(n)))
            });
        if !ok {
            return Err(SpecError::new(
                &join(&f, "status"),
                "must be a list of HTTP statuses (100 to 599)",
            ));
        }
        if let Err(e) = check(entry, "has", K::OptText) {
            return Err(SpecError::new(&join(&f, "has"), e.problem));
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

/// The string at `field` (validated), if any.
fn opt(doc: &Value, field: &str) -> Option<String> {
    doc.path(field).and_then(Value::as_str).map(String::from)
}

/// The string at `field`, or `default`.
fn text_or(doc: &Value, field: &str, default: &str) -> String {
    opt(doc, field).unwrap_or_else(|| String::from(default))
}

/// The string members of the object at `field` (validated); `lower` lower-cases the keys.
#[inline(never)]
fn pairs(doc: &Value, field: &str, lower: bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(Value::Obj(members)) = doc.path(field) {
        for (k, v) in members {
            let k = if lower {
                k.to_ascii_lowercase()
            } else {
                k.clone()
            };
            out.push((k, String::from(v.as_str().unwrap_or(""))));
        }
    }
    out
}

/// The validated string at `field` as its entry of `allowed`, else the first entry (the default).
fn pick(doc: &Value, field: &str, allowed: &'static [&'static str]) -> &'static str {
    let v = doc.path(field).and_then(Value::as_str);
    allowed
        .iter()
        .find(|a| Some(**a) == v)
        .or(allowed.first())
        .copied()
        .unwrap_or("")
}

/// The members of the object at `field` (validated), if any.
fn members<'a>(doc: &'a Value, field: &str) -> &'a [(String, Value)] {
    match doc.path(field) {
        Some(Value::Obj(m)) => m,
        _ => &[],
    }
}

/// `{header?, scheme?}` of a credential-carrying request (validated): the header
/// (default `authorization`) and its scheme (default `Bearer` for
/// `authorization`, else none).
fn auth_of(doc: &Value, field: &str) -> (String, String) {
    let at = |k: &str| {
        if field.is_empty() {
            String::from(k)
        } else {
            join(field, k)
        }
    };
    let header = text_or(doc, &at("header"), "authorization").to_ascii_lowercase();
    let default = if header == "authorization" {
        "Bearer"
    } else {
        ""
    };
    let scheme = text_or(doc, &at("scheme"), default);
    (header, scheme)
}

impl Spec {
    /// Validates a spec document.
    pub fn from_value(doc: &Value) -> Result<Spec, SpecError> {
        if !matches!(doc, Value::Obj(_)) {
            return Err(SpecError::new("(root)", "must be an object"));
        }
        let has_mint = matches!(doc.get("mint"), Some(Value::Obj(_)));
        for (field, kind) in ROWS {
            let skip = !has_mint && field.starts_with("mint") && !matches!(kind, K::Obj);
            if !skip {
                check(doc, field, *kind)?;
            }
        }
        let flows = ["login", "signup"]
            .into_iter()
            .filter(|p| doc.path("flows").and_then(|f| f.get(p)).is_some())
            .map(|p| {
                let base = join("flows", p);
                Routes {
                    purpose: String::from(p),
                    request: text_or(doc, &join(&base, "request"), ""),
                    complete: text_or(doc, &join(&base, "complete"), ""),
                    fields: pairs(doc, &join(&base, "fields"), false),
                }
            })
            .collect();
        let errors = match doc.get("errors") {
            Some(Value::Obj(m)) => m
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str().and_then(Code::parse)?)))
                .collect(),
            _ => Vec::new(),
        };
        let expires_days = match doc.path("limits.keyExpiresInDays").and_then(Value::as_arr) {
            Some([Value::Int(lo), Value::Int(hi)]) => Some((*lo, *hi)),
            _ => None,
        };
        let int = |f: &str| doc.path(f).and_then(Value::as_i64);
        Ok(Spec {
            name: text_or(doc, "name", ""),
            base_url: text_or(doc, "baseUrl", ""),
            base_path: text_or(doc, "basePath", ""),
            cmd_request: text_or(doc, "commands.request", "auth {purpose}-request"),
            cmd_complete: text_or(doc, "commands.complete", "auth {purpose}-complete"),
            flags: pairs(doc, "commands.flags", false),
            flows,
            purpose_field: opt(doc, "purposeField"),
            purpose_values: (
                text_or(doc, "purposeValues.login", "login"),
                text_or(doc, "purposeValues.signup", "signup"),
            ),
            fields: pairs(doc, "fields", false),
            envelope: pairs(doc, "envelope", false),
            sent: pairs(doc, "sent", false),
            credential: pairs(doc, "credential", false)
                .into_iter()
                .filter(|(k, _)| k != "kind")
                .collect(),
            whoami: opt(doc, "whoami.path"),
            lifetime: int("codeLifetimeSeconds").unwrap_or(600),
            cooldown: int("resendCooldownSeconds"),
            company_max: int("limits.companyNameChars"),
            expires_days,
            errors,
            headers: pairs(doc, "headers", true),
            whoami_auth: auth_of(doc, "whoami"),
            whoami_data: opt(doc, "whoami.data"),
            mint: if has_mint {
                Some(Mint {
                    path: text_or(doc, "mint.path", ""),
                    token: text_or(doc, "mint.token", ""),
                    auth: auth_of(doc, "mint"),
                    body: pairs(doc, "mint.body", false),
                })
            } else {
                None
            },
            code_attempts: int("codeAttempts"),
            version: int("version").unwrap_or(1),
            carry: members(doc, "carry")
                .iter()
                .map(|(name, e)| Carry {
                    name: name.clone(),
                    from: text_or(e, "from", ""),
                    body: opt(e, "body"),
                    header: opt(e, "header").map(|_| auth_of(e, "")),
                })
                .collect(),
            accept: members(doc, "accept")
                .iter()
                .map(|(step, e)| Accept {
                    step: step.clone(),
                    status: e
                        .get("status")
                        .and_then(Value::as_arr)
                        .unwrap_or(&[])
                        .iter()
                        .filter_map(Value::as_i64)
                        .collect(),
                    has: opt(e, "has"),
                })
                .collect(),
            code_format: CodeFormat {
                length: int("codeFormat.length").map_or(6, |n| n as usize),
                alphabet: pick(doc, "codeFormat.alphabet", ALPHABETS),
                group: int("codeFormat.group").map_or(0, |n| n as usize),
                separator: pick(doc, "codeFormat.separator", SEPARATORS),
                case: pick(doc, "codeFormat.case", CASES),
                send_grouped: doc.str_at("codeFormat.send") == Some("grouped"),
            },
            whoami_method: pick(doc, "whoami.method", GET_OR_POST),
            credential_kind: pick(doc, "credential.kind", KINDS),
            refresh: doc
                .get("refresh")
                .filter(|r| !r.is_null())
                .map(|_| Refresh {
                    path: text_or(doc, "refresh.path", ""),
                    method: pick(doc, "refresh.method", POST_OR_GET),
                    auth: auth_of(doc, "refresh"),
                    body: opt(doc, "refresh.body"),
                }),
        })
    }

    /// The base URL a caller gave, with [`Spec::base_path`] appended when it names
    /// only an origin (`http://127.0.0.1:3000` → `http://127.0.0.1:3000/api/auth`);
    /// a URL with a path of its own is used as given. Without one, the spec's default.
    pub fn base_url_for(&self, given: Option<&str>) -> String {
        match given {
            Some(url) => super::with_base_path(url, &self.base_path),
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

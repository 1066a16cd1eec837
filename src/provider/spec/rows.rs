//! The table of checks: what each path of a spec (and of a session backend's
//! sections) must hold, in the order the checks run.

use super::code::{ALPHABETS, CASES, SEPARATORS};
use super::keys::*;

/// What a validation row checks at its path.
#[derive(Clone, Copy)]
pub(super) enum K {
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
    /// A non-empty list of HTTP statuses (`accept.<step>.status`).
    Statuses,
}

/// Every check of a spec, in the order they run (the first failing one is reported).
pub(super) const ROWS: &[(&str, K)] = &[
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
pub(super) const SESSION_ROWS: &[(&str, K)] = &[
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

/// The checks of one `carry.<name>` entry (after it is known to be an object).
pub(super) const CARRY_ROWS: &[(&str, K)] = &[
    ("", K::Keys(&["from", "body", "header", "scheme"])),
    ("from", K::Text),
    ("body", K::OptText),
    ("header", K::Header),
    ("scheme", K::Scheme),
];

/// The checks of one `accept.<step>` entry (after it is known to be an object).
pub(super) const ACCEPT_ROWS: &[(&str, K)] = &[
    ("", K::Keys(&["status", "has"])),
    ("status", K::Statuses),
    ("has", K::OptText),
];

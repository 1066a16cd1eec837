//! The wire contract of [`crate::step`] as data: every op the step takes, every
//! event a flow takes and every action it answers, with their members. The
//! TypeScript types the JS layer checks its calls against (`js/types/protocol.d.ts`)
//! are generated from these tables ([`super::typescript`]), and `tests/protocol.rs` checks
//! that what the encoder writes and the decoders read matches them, so the tables,
//! the Rust types and the TS types cannot drift apart.
//!
//! A member is `("name", "TS type")`; a trailing `?` on the name marks it optional.

/// One JSON object shape: its tag (the `op` or `type` value), what it is, its members.
pub struct Shape {
    /// The `op` (inputs) or `type` (events, actions) value.
    pub tag: &'static str,
    /// The TS interface name.
    pub name: &'static str,
    /// One line: what it is and what the caller does with it.
    pub doc: &'static str,
    /// `(name, TS type)`; `name?` is optional.
    pub members: &'static [(&'static str, &'static str)],
}

const PROVIDER: (&str, &str) = ("provider?", "string");
const SPEC: (&str, &str) = ("spec?", "object | null");
const BASE: (&str, &str) = ("baseUrl?", "string");
const INSECURE: (&str, &str) = ("allowInsecure?", "boolean");
const NOW: (&str, &str) = ("now?", "number");
const ANSWER: (&str, &str) = ("event", "ResponseEvent | TransportErrorEvent");

/// The ops [`crate::step`] takes (`{op, now?, config?, state?, event?}`).
pub const OPS: &[Shape] = &[
    Shape {
        tag: "start",
        name: "StartInput",
        doc: "Starts an email-code flow.",
        members: &[NOW, ("config", "OtpConfig")],
    },
    Shape {
        tag: "validate",
        name: "ValidateInput",
        doc: "Checks a saved flow of any kind without a step.",
        members: &[NOW, ("state", "SavedFlow | null")],
    },
    Shape {
        tag: "event",
        name: "EventInput",
        doc: "One event of a saved flow of any kind.",
        members: &[NOW, ("state", "SavedFlow"), ("event", "FlowEvent")],
    },
    Shape {
        tag: "whoami",
        name: "WhoamiInput",
        doc: "The whoami request of an email-code credential.",
        members: &[NOW, ("config", "KeyConfig")],
    },
    Shape {
        tag: "whoami_response",
        name: "WhoamiResponseInput",
        doc: "Its answer: `done` with `identity`.",
        members: &[NOW, ("config", "KeyConfig"), ANSWER],
    },
    Shape {
        tag: "token_refresh",
        name: "TokenRefreshInput",
        doc: "The refresh request of an email-code session credential.",
        members: &[NOW, ("config", "KeyConfig")],
    },
    Shape {
        tag: "token_refresh_response",
        name: "TokenRefreshResponseInput",
        doc: "Its answer: `done` with `credential`.",
        members: &[NOW, ("config", "KeyConfig"), ANSWER],
    },
    Shape {
        tag: "session_request",
        name: "SessionRequestInput",
        doc: "The request of a one-shot session operation.",
        members: &[NOW, ("config", "SessionConfig")],
    },
    Shape {
        tag: "session_response",
        name: "SessionResponseInput",
        doc: "Its answer: `done` with `session`, `identity`, `data` or `revoked`.",
        members: &[NOW, ("config", "SessionConfig"), ANSWER],
    },
    Shape {
        tag: "totp",
        name: "TotpInput",
        doc: "The TOTP code of a secret at `now`: `done` with `code`.",
        members: &[NOW, ("secret", "string")],
    },
    Shape {
        tag: "api_token",
        name: "ApiTokenInput",
        doc: "What an API token's prefix says: `done` with `env`, `masked`.",
        members: &[(
            "config",
            "{ provider?: string; spec?: object | null; token: string }",
        )],
    },
    Shape {
        tag: "password_start",
        name: "PasswordStartInput",
        doc: "Starts a password (+ second factor) flow.",
        members: &[NOW, ("config", "PasswordConfig")],
    },
    Shape {
        tag: "oauth_start",
        name: "OauthStartInput",
        doc: "Starts an OAuth2 authorization-code + PKCE flow: `authorize`.",
        members: &[NOW, ("config", "OauthConfig")],
    },
    Shape {
        tag: "device_start",
        name: "DeviceStartInput",
        doc: "Starts an RFC 8628 device authorization flow.",
        members: &[NOW, ("config", "DeviceConfig")],
    },
];

/// The configs the ops above take, as `(name, members)`.
pub const CONFIGS: &[Shape] = &[
    Shape {
        tag: "",
        name: "OtpConfig",
        doc: "An email-code flow's start config.",
        members: &[
            PROVIDER,
            SPEC,
            BASE,
            ("email", "string"),
            ("purpose?", "'login' | 'signup' | 'auto'"),
            ("program?", "string"),
            ("flowId", "string"),
            ("options?", "Record<string, unknown>"),
            INSECURE,
        ],
    },
    Shape {
        tag: "",
        name: "KeyConfig",
        doc: "An email-code credential and its backend.",
        members: &[PROVIDER, SPEC, BASE, ("apiKey", "string"), INSECURE],
    },
    Shape {
        tag: "",
        name: "SessionConfig",
        doc: "A session operation: its backend, tokens and which one.",
        members: &[
            PROVIDER,
            SPEC,
            BASE,
            ("authUrl?", "string"),
            INSECURE,
            ("operation", "'refresh' | 'revoke' | 'check' | 'call'"),
            ("accessToken?", "string"),
            ("refreshToken?", "string"),
            ("apiKey?", "string"),
            ("clientId?", "string"),
            ("clientSecret?", "string"),
            ("tokenUrl?", "string"),
        ],
    },
    Shape {
        tag: "",
        name: "PasswordConfig",
        doc: "A password flow's start config.",
        members: &[PROVIDER, SPEC, BASE, ("email", "string"), INSECURE],
    },
    Shape {
        tag: "",
        name: "OauthConfig",
        doc: "An OAuth2 flow's start config; `random` is ≥ 48 caller-drawn bytes as hex.",
        members: &[
            PROVIDER,
            SPEC,
            BASE,
            ("authUrl?", "string"),
            ("clientId", "string"),
            ("redirectUri", "string"),
            ("scope?", "string | string[]"),
            ("random", "string"),
            INSECURE,
        ],
    },
    Shape {
        tag: "",
        name: "DeviceConfig",
        doc: "A device flow's start config (client id and scope default to the provider's).",
        members: &[
            PROVIDER,
            SPEC,
            BASE,
            ("clientId?", "string"),
            ("scope?", "string"),
            ("resource?", "string"),
            ("keyName?", "string"),
            ("keyExpiresInDays?", "number"),
            ("description?", "string"),
            ("organizationId?", "string"),
            INSECURE,
        ],
    },
];

/// The events of saved flows (`event` op), by `type`.
pub const EVENTS: &[Shape] = &[
    Shape {
        tag: "response",
        name: "ResponseEvent",
        doc: "The answer to the last `send` action.",
        members: &[
            ("status", "number"),
            ("headers?", "Record<string, string>"),
            ("body?", "string"),
        ],
    },
    Shape {
        tag: "transport_error",
        name: "TransportErrorEvent",
        doc: "The last `send` got no answer.",
        members: &[("kind", "'network' | 'timeout' | 'redirect' | string")],
    },
    Shape {
        tag: "request_code",
        name: "RequestCodeEvent",
        doc: "Email code: request (or resend) a code; `url` overrides this step's endpoint.",
        members: &[("url?", "string")],
    },
    Shape {
        tag: "submit_code",
        name: "SubmitCodeEvent",
        doc: "Email code: submit the code with its options and a fresh random nonce.",
        members: &[
            ("code", "string"),
            ("nonce?", "string"),
            ("options?", "Record<string, unknown>"),
            ("url?", "string"),
        ],
    },
    Shape {
        tag: "choose_organization",
        name: "ChooseOrganizationEvent",
        doc: "Email code: complete with this organization.",
        members: &[("organizationId", "string"), ("nonce?", "string")],
    },
    Shape {
        tag: "register",
        name: "RegisterEvent",
        doc: "Password: create the account.",
        members: &[("password", "string"), ("name?", "string")],
    },
    Shape {
        tag: "login",
        name: "LoginEvent",
        doc: "Password: sign in.",
        members: &[("password", "string")],
    },
    Shape {
        tag: "submit_2fa",
        name: "Submit2faEvent",
        doc: "Password: the second factor, as a code or the TOTP secret it is computed from.",
        members: &[("code?", "string"), ("totpSecret?", "string")],
    },
    Shape {
        tag: "callback",
        name: "CallbackEvent",
        doc: "OAuth2: the redirect the browser landed on (or its query parameters).",
        members: &[
            ("url?", "string"),
            ("params?", "Record<string, string>"),
            ("clientSecret?", "string"),
        ],
    },
    Shape {
        tag: "request",
        name: "DeviceRequestEvent",
        doc: "Device: request a device code.",
        members: &[],
    },
    Shape {
        tag: "poll",
        name: "PollEvent",
        doc: "Device: poll the token endpoint (at or after `nextPollAt`).",
        members: &[],
    },
];

/// The actions every step answers (`{state?, action}`), by `type`.
pub const ACTIONS: &[Shape] = &[
    Shape {
        tag: "ready",
        name: "ReadyAction",
        doc: "Created or resumed; send the flow's first event.",
        members: &[],
    },
    Shape {
        tag: "send",
        name: "SendAction",
        doc: "Perform `request`; answer with a `response` or `transport_error` event.",
        members: &[("request", "WireRequest")],
    },
    Shape {
        tag: "code_sent",
        name: "CodeSentAction",
        doc: "An email code was sent; send `submit_code`.",
        members: &[
            ("email", "string"),
            ("purpose", "'login' | 'signup'"),
            ("expiresAt?", "string"),
            ("resendAvailableAt?", "string"),
            ("switchedFrom?", "'login' | 'signup'"),
        ],
    },
    Shape {
        tag: "second_factor",
        name: "SecondFactorAction",
        doc: "The password was accepted; send `submit_2fa`.",
        members: &[
            ("method", "string"),
            ("email", "string"),
            ("expiresAt", "string"),
        ],
    },
    Shape {
        tag: "authorize",
        name: "AuthorizeAction",
        doc: "Open `url`; send the redirect back as a `callback` event.",
        members: &[("url", "string"), ("state", "string")],
    },
    Shape {
        tag: "device_code",
        name: "DeviceCodeAction",
        doc: "Show the user code and where to enter it; then send `poll` at `nextPollAt`.",
        members: &DEVICE_CODE,
    },
    Shape {
        tag: "wait",
        name: "WaitAction",
        doc: "Too early to poll: poll again at `until`.",
        members: &WAIT,
    },
    Shape {
        tag: "done",
        name: "DoneAction",
        doc: "Finished; which member is present depends on the op.",
        members: &[
            ("credential?", "WireCredential"),
            ("session?", "Record<string, unknown>"),
            ("identity?", "Record<string, unknown>"),
            ("data?", "unknown"),
            ("revoked?", "true"),
            ("alreadyRevoked?", "true"),
            ("code?", "string"),
            ("expiresAt?", "string"),
            ("env?", "string"),
            ("masked?", "string"),
        ],
    },
    Shape {
        tag: "error",
        name: "ErrorAction",
        doc: "The step failed; `error` says why and what to do next.",
        members: &[("error", "WireError")],
    },
];

const DEVICE_CODE: [(&str, &str); 6] = [
    ("userCode", "string"),
    ("verificationUri", "string"),
    ("verificationUriComplete?", "string"),
    ("expiresAt", "string"),
    ("interval", "number"),
    ("nextPollAt", "string"),
];

const WAIT: [(&str, &str); 10] = [
    ("until", "string"),
    ("retryAfterSeconds", "number"),
    ("reason", "'early' | 'pending' | 'slow_down'"),
    ("userCode", "string"),
    ("verificationUri", "string"),
    ("verificationUriComplete?", "string"),
    ("expiresAt", "string"),
    ("interval", "number"),
    ("nextPollAt", "string"),
    ("error", "WireError"),
];

/// The values the shapes above contain.
pub const PARTS: &[Shape] = &[
    Shape { tag: "", name: "WireRequest", doc: "An HTTP request for the caller to perform.", members: &[("method", "'GET' | 'POST'"), ("url", "string"), ("headers", "Record<string, string>"), ("body?", "string")] },
    Shape { tag: "", name: "WireCredential", doc: "A key (`apiKey`) or a session (`accessToken`), with what is known about it.", members: &[("apiKey?", "string"), ("accessToken?", "string"), ("refreshToken?", "string"), ("[member: string]", "unknown")] },
    Shape { tag: "", name: "WireNextAction", doc: "What to do next, for a program (`kind`) and a person (`text`, `command`).", members: &[("kind", "NextActionKind"), ("text", "string"), ("command?", "string"), ("field?", "string"), ("retryAfterSeconds?", "number"), ("to?", "'login' | 'signup'"), ("organizations?", "{ id: string; name: string }[]"), ("url?", "string"), ("userCode?", "string"), ("expiresAt?", "string")] },
    Shape { tag: "", name: "WireError", doc: "A canonical error.", members: &[("code", "KeymintErrorCode"), ("message", "string"), ("status?", "number"), ("providerCode?", "string"), ("nextAction", "WireNextAction"), ("exitCode", "number"), ("details?", "{ retryAfterSeconds?: number; attemptsRemaining?: number; requiredScope?: string; organizations?: { id: string; name: string }[]; local?: true; keyMayHaveBeenMinted?: true }")] },
];

/// Every next-action kind ([`crate::error::Next::kind`]), in table order.
pub const NEXT_KINDS: &[&str] = &[
    "none",
    "fix_input",
    "wait",
    "switch_flow",
    "request_new_code",
    "retry_code",
    "choose_organization",
    "revoke_a_key",
    "retry",
    "refresh",
    "sign_in_again",
    "fix_config",
    "save_key",
    "open_url",
];

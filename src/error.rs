//! Canonical errors: one code set for every backend, each with a CLI exit code,
//! the kind of its next action, and documentation of when it happens.
//!
//! Codes never change once released; messages may. `docs/errors.md` and the
//! TypeScript union in `js/src/codes.d.ts` are generated from [`CODES`] and a
//! test fails when they drift.

use crate::json::Writer;
use alloc::string::String;
use alloc::vec::Vec;

/// One row of the canonical code table.
#[derive(Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CodeInfo {
    /// The code, SCREAMING_SNAKE (Codika's names where they exist).
    pub code: &'static str,
    /// The CLI exit code: 2 input, 3 code rejected, 4 throttled, 5 account state, 6 network/server, 1 other.
    pub exit: u8,
    /// The default `nextAction.kind`.
    pub kind: &'static str,
    /// When it happens (kept out of the wasm build, where nothing reads it).
    #[cfg(not(target_arch = "wasm32"))]
    pub when: &'static str,
}

macro_rules! codes {
    ($($name:ident $exit:literal $kind:literal $when:literal;)*) => {
        /// Canonical error codes. With the `serde` feature a code is (de)serialised
        /// as its name, `"OTP_INVALID"`, as in the JSON protocol.
        #[allow(non_camel_case_types, missing_docs)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub enum Code { $($name,)* }
        /// Every canonical code with its exit code, next-action kind and meaning.
        pub const CODES: &[CodeInfo] = &[$(CodeInfo { code: stringify!($name), exit: $exit, kind: $kind, #[cfg(not(target_arch = "wasm32"))] when: $when },)*];
        impl Code {
            /// The code's name.
            pub fn as_str(self) -> &'static str { CODES.get(self as usize).map_or("", |c| c.code) }
            /// Looks a code up by name.
            pub fn parse(name: &str) -> Option<Code> {
                const ALL: &[Code] = &[$(Code::$name,)*];
                CODES.iter().position(|c| c.code == name).and_then(|i| ALL.get(i).copied())
            }
        }
    };
}

codes! {
    EMAIL_REQUIRED 2 "fix_input" "The email is missing, empty or blank (checked locally before any request, and by the server).";
    EMAIL_INVALID 2 "fix_input" "The email is malformed (checked locally before any request, and by the server).";
    INVALID_ARGUMENT 2 "fix_input" "The backend refused an argument without naming a more specific code (Scripto `invalid-argument` for a missing email).";
    COMPANY_NAME_TOO_LONG 2 "fix_input" "The company name is over 100 characters (counted in characters, not bytes).";
    INVALID_EXPIRES_IN_DAYS 2 "fix_input" "The key lifetime is not a whole number of days from 1 to 365.";
    INVALID_PURPOSE 2 "fix_input" "The purpose is neither sign-in nor sign-up.";
    WEAK_PASSWORD 2 "fix_input" "The password is shorter than the backend accepts (CODITECT: 12 characters).";
    INVALID_REQUEST 2 "fix_input" "The backend says a field is missing or malformed.";
    INSECURE_URL 2 "fix_input" "A base URL is not https:// and not a loopback address; credentials are never sent there.";
    INVALID_STATE 2 "request_new_code" "A saved flow document has an unknown version, a bad field, or was altered.";
    INVALID_STEP 2 "fix_input" "The flow was asked for a step its current state does not allow (e.g. submitting a code before requesting one), or a session, TOTP, API-token, password, OAuth2 or device step reached the email-code-only core of the default `keymint` entry (`nextAction.field` `import`: import the flow from `keymint/sessions`).";
    INVALID_TOTP_SECRET 2 "fix_input" "The TOTP secret is not base32 (letters A-Z and digits 2-7; spaces, dashes and '=' padding are ignored).";
    INVALID_SCOPE 2 "fix_input" "The OAuth2 server refused the requested scope: unknown, empty, or beyond the original grant.";
    INVALID_PROVIDER 2 "fix_input" "An unknown provider name, or a custom provider spec that fails validation (the message names the field).";
    USAGE 2 "fix_input" "The command line has an unknown flag, a missing value or a missing required flag.";
    PROFILE_NOT_FOUND 2 "fix_input" "The named profile does not exist, or no credential was found for the command.";
    PROFILE_NAME_INVALID 2 "fix_input" "A profile name is not 1-64 letters, digits, dots, dashes or underscores starting with a letter or digit.";
    SECOND_FACTOR_REQUIRED 2 "fix_input" "The password was accepted but the account has two-factor authentication and no code was given: not signed in yet; the challenge is kept for the code (CLI: `--totp-code` or `--totp-secret-env`).";
    OTP_INVALID 3 "retry_code" "The code is wrong (`attemptsRemaining` says how many tries are left), or not in the provider's code format (6 digits unless its spec says `codeFormat`) after removing spaces and dashes (answered locally).";
    OTP_NOT_FOUND 3 "request_new_code" "No code is pending for this email.";
    OTP_EXPIRED 3 "request_new_code" "The code is past its lifetime (10 minutes); answered locally when the saved expiry has passed.";
    OTP_ALREADY_USED 3 "request_new_code" "The code was already consumed.";
    OTP_PURPOSE_MISMATCH 3 "request_new_code" "A sign-up code was sent to a login endpoint or the reverse.";
    OTP_LOCKED_OUT 3 "request_new_code" "Too many wrong codes: the code was deleted (Codika) or the email is locked for a while (`retryAfterSeconds`).";
    INVALID_2FA_CODE 3 "retry_code" "The second-factor (TOTP) code is wrong.";
    CHALLENGE_EXPIRED 3 "sign_in_again" "The two-factor challenge expired or ran out of attempts.";
    INVALID_CREDENTIALS 3 "fix_input" "Wrong email or password.";
    STATE_MISMATCH 3 "sign_in_again" "The OAuth2 `state` returned does not match the one sent; nothing was exchanged.";
    INVALID_GRANT 3 "sign_in_again" "The OAuth2 server refused the authorization code or refresh token.";
    OTP_RESEND_COOLDOWN 4 "wait" "A new code was asked for within 30 seconds of the last one (answered locally from the saved `resendAvailableAt`).";
    EMAIL_RATE_LIMITED 4 "wait" "Too many code requests for this email in the last hour.";
    IP_RATE_LIMITED 4 "wait" "Too many code requests from this IP address in the last hour.";
    RATE_LIMITED 4 "wait" "The backend throttled the call (HTTP 429 with a retry figure, or a generic throttle code).";
    USER_ALREADY_HAS_ORGANIZATION 5 "switch_flow" "Sign-up for an email that already owns an organization: log in instead.";
    USER_ALREADY_EXISTS 5 "switch_flow" "Sign-up (or register) for an email that already has an account: sign in instead.";
    USER_NOT_FOUND 5 "switch_flow" "Login for an email with no account: sign up instead.";
    USER_HAS_NO_ORGANIZATION 5 "switch_flow" "The account exists but has no organization: sign up instead.";
    ORGANIZATION_SELECTION_REQUIRED 5 "choose_organization" "The user belongs to several organizations and none was chosen; the same code can be re-sent with one.";
    ORGANIZATION_NOT_MEMBER 5 "choose_organization" "The chosen organization is not one of the user's; the valid list is attached.";
    MAX_API_KEYS_REACHED 5 "revoke_a_key" "The organization already has 20 active keys.";
    ORGANIZATION_CREATION_FAILED 5 "retry" "The backend refused to create the organization.";
    ACCESS_DENIED 5 "sign_in_again" "The user or the OAuth2 authorization server refused the authorization request.";
    AUTHORIZATION_PENDING 5 "open_url" "A device sign-in (RFC 8628) is waiting for the user to open `nextAction.url` and confirm `nextAction.userCode` before `nextAction.expiresAt`; keep polling (`retryAfterSeconds`).";
    DEVICE_CODE_EXPIRED 3 "sign_in_again" "The device code (RFC 8628 `expired_token`) expired before the user confirmed it: start the device sign-in again.";
    UNAUTHENTICATED 1 "sign_in_again" "The key or token is missing, unknown, revoked or expired.";
    TOKEN_EXPIRED 1 "refresh" "The access token is past its expiry: refresh it.";
    INVALID_TOKEN 1 "sign_in_again" "The access token is unknown or revoked.";
    INVALID_REFRESH_TOKEN 1 "sign_in_again" "The refresh token is unknown, revoked or already used.";
    REFRESH_TOKEN_REUSED 1 "sign_in_again" "A rotated refresh token was presented again; the backend revoked the whole session.";
    INSUFFICIENT_SCOPE 1 "fix_input" "The credential lacks the scope the call needs (`requiredScope` names it).";
    INVALID_CLIENT 1 "fix_input" "The OAuth2 client id or secret was refused.";
    UNAUTHORIZED_CLIENT 1 "fix_input" "The OAuth2 client is not allowed to use this grant.";
    UNSUPPORTED_GRANT_TYPE 1 "fix_input" "The OAuth2 server does not support the grant type asked for.";
    INTERNAL 6 "retry" "The backend failed (HTTP 5xx or its own INTERNAL code).";
    NETWORK_ERROR 6 "retry" "The request never got an answer: connection refused, reset or DNS failure. After a complete, a key may have been minted.";
    TIMEOUT 6 "retry" "No answer within the timeout (30 s by default) or the caller aborted.";
    BAD_RESPONSE 6 "retry" "The answer was not what the contract says: not JSON, truncated, over 1 MiB, wrong content type or a required field missing.";
    CONFIG_CORRUPT 1 "fix_config" "The config file is not valid keymint JSON; it is left untouched.";
    CONFIG_LOCKED 1 "retry" "Another process held the config lock for too long.";
    CONFIG_UNREADABLE 1 "fix_config" "The config file or its directory could not be read (permissions or another IO failure), or is not trusted: owned by another user, writable by group or others, or a symlink (`details.reason`).";
    CONFIG_UNWRITABLE 1 "fix_config" "The config file could not be written; the previous file is left as it was.";
    LEASE_TIMEOUT 1 "retry" "Another process kept the refresh lease for too long.";
    KEY_NOT_SAVED 1 "save_key" "A key (or session) was minted but could not be stored; it was written to a file readable only by you, named in `details.recoveryFile`, so it is not lost (never printed).";
    UNKNOWN_ERROR 1 "retry" "The backend answered with an error keymint does not know; its own code is kept in `providerCode`.";
}

impl Code {
    /// The row of the table for this code.
    pub fn info(self) -> Option<&'static CodeInfo> {
        CODES.get(self as usize)
    }
    /// The CLI exit code.
    pub fn exit_code(self) -> u8 {
        self.info().map_or(1, |i| i.exit)
    }
}

/// What to do next, machine-readable; the human text is rendered later with the
/// calling program's name and flags.
///
/// `serde`: Serialize only (`{"fix_input": "email"}`, `"retry"`): its field names
/// are `&'static str` from the code table, which nothing can deserialise into.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "snake_case", rename_all_fields = "camelCase")
)]
pub enum Next {
    /// Nothing to do.
    None,
    /// Correct an input field.
    FixInput(&'static str),
    /// Wait, then retry the same step.
    Wait(i64),
    /// Switch to the other purpose (`login` / `signup` / `signin`).
    SwitchFlow(&'static str),
    /// Ask for a new code.
    RequestNewCode,
    /// Retype the code (attempts left).
    RetryCode,
    /// Choose one of these organizations `(id, name)`.
    ChooseOrganization(Vec<(String, String)>),
    /// Revoke a key in the dashboard, then retry.
    RevokeAKey,
    /// Retry the same step.
    Retry,
    /// Refresh the session.
    Refresh,
    /// Sign in again from the start.
    SignInAgain,
    /// Fix or move the config file aside.
    FixConfig,
    /// Store the attached key yourself.
    SaveKey,
    /// Open `url` in a browser and confirm `user_code` there before `expires_at`.
    OpenUrl {
        /// The verification URL (with the code in it when the server gave one).
        url: String,
        /// The code to confirm.
        user_code: String,
        /// When the code expires (RFC 3339).
        expires_at: String,
    },
}

impl Next {
    /// The machine-readable kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Next::None => "none",
            Next::FixInput(_) => "fix_input",
            Next::Wait(_) => "wait",
            Next::SwitchFlow(_) => "switch_flow",
            Next::RequestNewCode => "request_new_code",
            Next::RetryCode => "retry_code",
            Next::ChooseOrganization(_) => "choose_organization",
            Next::RevokeAKey => "revoke_a_key",
            Next::Retry => "retry",
            Next::Refresh => "refresh",
            Next::SignInAgain => "sign_in_again",
            Next::FixConfig => "fix_config",
            Next::SaveKey => "save_key",
            Next::OpenUrl { .. } => "open_url",
        }
    }
}

/// A canonical error.
///
/// With `std` it is a [`std::error::Error`] whose `Display` is `CODE: message`
/// (native only: the shipped wasm is built without `std` and links no formatting).
/// With `serde` it serialises with camelCase member names; Serialize only, as
/// [`Next`] is.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "std", derive(thiserror::Error))]
#[cfg_attr(feature = "std", error("{}: {}", .code.as_str(), .message))]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct Error {
    /// The canonical code.
    pub code: Code,
    /// Human message (never contains a secret).
    pub message: String,
    /// HTTP status, when the error came from a response.
    pub status: Option<u16>,
    /// The backend's own code, verbatim.
    pub provider_code: Option<String>,
    /// The backend's own next-action text, verbatim.
    pub provider_next: Option<String>,
    /// What to do next.
    pub next: Next,
    /// Seconds to wait before retrying, when known.
    pub retry_after: Option<i64>,
    /// Code attempts left, when known.
    pub attempts_remaining: Option<i64>,
    /// The scope the call needed, when known.
    pub required_scope: Option<String>,
    /// True when the error answered locally, without a request.
    pub local: bool,
    /// True when a complete may have minted a key whose answer never arrived.
    pub maybe_minted: bool,
}

impl Error {
    /// An error with the code's default next action.
    pub fn new(code: Code, message: &str) -> Self {
        let next = match code.info().map_or("retry", |i| i.kind) {
            "request_new_code" => Next::RequestNewCode,
            "retry_code" => Next::RetryCode,
            "revoke_a_key" => Next::RevokeAKey,
            "sign_in_again" => Next::SignInAgain,
            "refresh" => Next::Refresh,
            "fix_config" => Next::FixConfig,
            "save_key" => Next::SaveKey,
            "none" => Next::None,
            _ => Next::Retry,
        };
        Error {
            code,
            message: String::from(message),
            status: None,
            provider_code: None,
            provider_next: None,
            next,
            retry_after: None,
            attempts_remaining: None,
            required_scope: None,
            local: false,
            maybe_minted: false,
        }
    }
    /// A locally detected input error.
    pub fn input(code: Code, field: &'static str, message: &str) -> Self {
        let mut e = Error::new(code, message);
        e.next = Next::FixInput(field);
        e.local = true;
        e
    }
    /// A locally detected error whose message is `parts` one after another.
    #[inline(never)]
    pub fn local(code: Code, parts: &[&str]) -> Self {
        let mut e = Error::new(code, &crate::text::join(parts));
        e.local = true;
        e
    }
    /// `INVALID_STEP`: the flow cannot take this step in `phase`.
    pub fn wrong_step(phase: &str) -> Self {
        let mut e = Error::local(
            Code::INVALID_STEP,
            &["The flow cannot take this step while it is '", phase, "'."],
        );
        // A finished flow (every family names that phase `done`) takes no more steps: there is
        // nothing to retry. Any other phase takes the step it is waiting for.
        e.next = if phase == "done" {
            Next::None
        } else {
            Next::Retry
        };
        e
    }
    /// `INVALID_STATE`: a saved flow that a check refused, with why.
    pub fn bad_saved(why: &str) -> Self {
        Error::local(Code::INVALID_STATE, &["The saved flow is invalid: ", why])
    }
    /// Replaces the next action.
    pub fn with_next(mut self, next: Next) -> Self {
        self.next = next;
        self
    }

    /// Writes the error object as the next value of `w`; `text`/`command` of the
    /// next action are rendered by [`crate::render`] with the caller's program name.
    #[inline(never)]
    pub fn write(&self, w: &mut Writer, text: &str, command: Option<&str>) {
        w.open()
            .str("code", self.code.as_str())
            .str("message", &self.message)
            .opt_int("status", self.status.map(i64::from))
            .opt_str("providerCode", self.provider_code.as_deref())
            .obj("nextAction")
            .str("kind", self.next.kind());
        match &self.next {
            Next::FixInput(field) => {
                w.str("field", field);
            }
            Next::Wait(secs) => {
                w.int("retryAfterSeconds", *secs);
            }
            Next::SwitchFlow(to) => {
                w.str("to", to);
            }
            Next::ChooseOrganization(orgs) => write_orgs(w.key("organizations"), orgs),
            Next::OpenUrl {
                url,
                user_code,
                expires_at,
            } => {
                w.str("url", url)
                    .str("userCode", user_code)
                    .str("expiresAt", expires_at);
            }
            _ => {}
        }
        w.str("text", text)
            .opt_str("command", command)
            .close()
            .int("exitCode", i64::from(self.code.exit_code()));
        let orgs = match &self.next {
            Next::ChooseOrganization(orgs) => Some(orgs),
            _ => None,
        };
        if self.retry_after.is_some()
            || self.attempts_remaining.is_some()
            || self.required_scope.is_some()
            || orgs.is_some()
            || self.local
            || self.maybe_minted
        {
            w.obj("details")
                .opt_int("retryAfterSeconds", self.retry_after)
                .opt_int("attemptsRemaining", self.attempts_remaining)
                .opt_str("requiredScope", self.required_scope.as_deref());
            if let Some(orgs) = orgs {
                write_orgs(w.key("organizations"), orgs);
            }
            w.flag("local", self.local)
                .flag("keyMayHaveBeenMinted", self.maybe_minted)
                .close();
        }
        w.close();
    }
}

/// Writes organizations as `[{id, name}]` (the next value of `w`).
pub fn write_orgs(w: &mut Writer, orgs: &[(String, String)]) {
    w.open_arr();
    for (id, name) in orgs {
        w.item().open().str("id", id).str("name", name).close();
    }
    w.close_arr();
}

/// Renders `docs/errors.md` from the table.
#[cfg(not(target_arch = "wasm32"))]
pub fn errors_markdown() -> String {
    let mut out = String::from(
        "# Error codes\n\nGenerated from `src/error.rs` (`CODES`); a test fails when this file drifts.\n\
         Every failure carries one of these codes, a human `message`, and a `nextAction`\n\
         with a machine-readable `kind`, a `text` rendered with the calling program's name,\n\
         and, where one exists, the exact `command` to run.\n\n\
         Exit codes: 0 success; 2 bad input or usage; 3 code rejected; 4 throttled;\n\
         5 account state; 6 network, timeout or server failure; 1 anything else.\n\n\
         | code | exit | nextAction.kind | when it happens |\n|---|---|---|---|\n",
    );
    for c in CODES {
        out.push_str("| `");
        out.push_str(c.code);
        out.push_str("` | ");
        out.push_str(&crate::text::int_str(i64::from(c.exit)));
        out.push_str(" | `");
        out.push_str(c.kind);
        out.push_str("` | ");
        out.push_str(c.when);
        out.push_str(" |\n");
    }
    out
}

/// Renders the TypeScript union of codes.
pub fn codes_typescript() -> String {
    let mut out = String::from("// Generated from src/error.rs (CODES); a test fails when this file drifts.\nexport type KeymintErrorCode =\n");
    for c in CODES {
        out.push_str("  | '");
        out.push_str(c.code);
        out.push_str("'\n");
    }
    out.push_str(";\n");
    out
}

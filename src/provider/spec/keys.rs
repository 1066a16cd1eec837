//! The vocabulary of the spec format: the keys each section may have, the
//! canonical options and their default CLI flags, and the values a few
//! members may take.

/// The members `envelope` may give a path for (read by [`crate::provider::envelope_at`]).
pub(super) const ENVELOPE_KEYS: &[&str] = &[
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
pub(super) const FIELD_KEYS: &[&str] = FLAG_KEYS;
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
/// The members of `sent` (paths in the code-sent answer).
pub(super) const SENT_KEYS: &[&str] = &["expiresAt", "resendAvailableAt"];
/// The members of `credential` (paths in the sign-in answer).
pub(super) const CREDENTIAL_KEYS: &[&str] = &[
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
pub(super) const TOP_KEYS: &[&str] = &[
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
/// What a `mint.body` field may be filled from.
pub(super) const MINT_SOURCES: &[&str] = &[
    "keyName",
    "keyExpiresInDays",
    "keyExpiresInSeconds",
    "description",
    "organizationId",
    "email",
];
/// Headers keymint sets itself; a spec may not replace them.
pub(super) const RESERVED_HEADERS: &[&str] = &[
    "accept",
    "authorization",
    "content-length",
    "content-type",
    "cookie",
    "host",
    "idempotency-key",
];

/// Steps whose answers the classifier reads for an email-code spec.
pub(super) const STEPS: &[&str] = &["request", "complete", "mint", "whoami", "refresh"];

/// The message of a bad `method`.
pub(super) const GET_POST: &str = "must be \"GET\" or \"POST\"";
/// `method` values, default first: `GET` for whoami, `POST` for refresh.
pub(super) const GET_OR_POST: &[&str] = &["GET", "POST"];
pub(super) const POST_OR_GET: &[&str] = &["POST", "GET"];
/// `credential.kind` values; the first is the default.
pub(super) const KINDS: &[&str] = &["apiKey", "sessionToken", "jwt"];
/// Lifetimes and cooldowns: whole seconds up to a leap year.
pub(super) const SECS: &str = "must be a whole number of seconds from 1 to 31622400";
pub(super) const MAX_SECS: i64 = 86_400 * 366;

//! A build without the `sessions` feature (the default JS entry's wasm): the session
//! family's ops, and the events of its saved flows, are refused with where to find them.

use super::{Input, Op};
use crate::error::{Code, Error};

/// Whether `input` is a step of the session family: one of its ops, or `event` / `validate`
/// of a password, OAuth2 or device flow's saved document (by its `kind`).
pub fn is_family(input: &Input<'_>) -> bool {
    match input.op {
        Op::Event | Op::Validate => matches!(
            input.state.str_at("kind"),
            Some("password" | "oauth" | "device")
        ),
        op => matches!(
            op,
            Op::SessionRequest
                | Op::SessionResponse
                | Op::Totp
                | Op::ApiToken
                | Op::PasswordStart
                | Op::OauthStart
                | Op::DeviceStart
        ),
    }
}

/// `INVALID_STEP` (fix the import): the flow lives in the full build.
pub fn error() -> Error {
    Error::input(
        Code::INVALID_STEP,
        "import",
        "Sessions, TOTP, API tokens, password, OAuth2 and device sign-in are not in this build of the core (email codes only): import them from 'keymint/sessions' (in Rust, enable the `sessions` feature).",
    )
}

//! A build without the `sessions` feature (the default JS entry's wasm): the session
//! family's ops, and the events of its saved flows, are refused with where to find them.

use super::Op;
use crate::error::{Code, Error};
use crate::json::Value;

/// Whether `doc` is a step of the session family: one of its ops, or `event` / `validate`
/// of a password, OAuth2 or device flow's saved document (by its `kind`).
pub fn is_family(doc: &Value) -> bool {
    match doc.str_at("op").and_then(Op::parse) {
        Some(Op::Event | Op::Validate) => matches!(
            doc.get("state").and_then(|s| s.str_at("kind")),
            Some("password" | "oauth" | "device")
        ),
        Some(op) => matches!(
            op,
            Op::SessionRequest
                | Op::SessionResponse
                | Op::Totp
                | Op::ApiToken
                | Op::PasswordStart
                | Op::OauthStart
                | Op::DeviceStart
        ),
        None => false,
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

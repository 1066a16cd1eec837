//! Providers: how one backend's wire contract maps to canonical intents.
//!
//! Every key-minting backend is described by a [`Spec`]: paths, body field
//! names, where things live in the response envelope, and a table from the
//! backend's error codes to canonical codes. Built-in presets are specs written
//! in JSON (one file per backend), and a caller's custom backend is the same
//! format, so presets and custom providers share one validated code path.

mod spec;

pub use spec::{Mint, Spec, SpecError};

use crate::json::Value;

const SCRIPTO: &str = include_str!("scripto.json");
const CODIKA: &str = include_str!("codika.json");
const SESSIONS: &str = include_str!("sessions.json");
const CODITECT: &str = include_str!("coditect.json");
const BETTER_AUTH: &str = include_str!("better-auth.json");

/// The JSON text of a built-in preset.
pub fn preset(name: &str) -> Option<&'static str> {
    match name {
        "scripto" => Some(SCRIPTO),
        "codika" => Some(CODIKA),
        "sessions" => Some(SESSIONS),
        "coditect" => Some(CODITECT),
        "better-auth" => Some(BETTER_AUTH),
        _ => None,
    }
}

/// Names of the built-in presets with an email-code flow.
pub const PRESETS: &[&str] = &["scripto", "codika", "sessions", "better-auth"];

/// Names of the built-in presets with session routes (see [`crate::backend`]);
/// CODITECT signs in with a password, so it has no email-code flow.
pub const SESSION_PRESETS: &[&str] = &["sessions", "coditect"];

/// Resolves a provider: a preset name, or a custom spec document.
pub fn resolve(name: Option<&str>, custom: Option<&Value>) -> Result<Spec, SpecError> {
    match (custom, name) {
        (Some(doc), _) => Spec::from_value(doc),
        (None, Some("coditect")) => Err(SpecError::new(
            "provider",
            "has no email-code flow (CODITECT signs in with a password or OAuth2)",
        )),
        (None, Some(n)) => match preset(n).and_then(crate::json::parse) {
            Some(doc) => Spec::from_value(&doc),
            None => Err(SpecError::new("provider", "is not a known provider")),
        },
        (None, None) => Err(SpecError::new("provider", "is required")),
    }
}

//! Providers: how one backend's wire contract maps to canonical intents.
//!
//! Every key-minting backend is described by a [`Spec`]: paths, body field
//! names, where things live in the response envelope, and a table from the
//! backend's error codes to canonical codes. Built-in presets are specs written
//! in JSON (one file per backend), and a caller's custom backend is the same
//! format, so presets and custom providers share one validated code path.

mod spec;

pub use spec::{
    check_session, Accept, Carry, CodeFormat, Mint, Refresh, Spec, SpecError, DEFAULT_FLAGS,
    FLAG_KEYS,
};

use crate::error::Code;
use crate::json::Value;
use alloc::rc::Rc;
use alloc::string::String;

/// The one route rule, for every path a provider declares (email-code flows,
/// `basePath`, whoami, mint, session routes, OAuth2 endpoints): `/path` with no
/// white space or control characters, no `?`, `#`, `\\` or `://`, and not
/// `//host` — so appending it to a base URL can never change the host.
pub fn is_route(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.first() == Some(&b'/')
        && bytes.get(1) != Some(&b'/')
        && !bytes
            .iter()
            .any(|&b| b <= b' ' || b == 127 || b == b'?' || b == b'#' || b == b'\\')
        && !bytes.windows(3).any(|w| w == b"://")
}

/// What the one classifier ([`crate::response`]) reads from a provider: where
/// the envelope keeps things, and the `errors` table. Email-code specs
/// ([`Spec`]) and session backends ([`crate::backend::Backend`]) both implement
/// it, so the table means the same thing for every flow.
pub trait Contract {
    /// The path of envelope member `key` (`success`, `data`, `code`, `message`,
    /// `nextAction`, `retryAfter`, `attemptsRemaining`, `organizations`,
    /// `requiredScope`, `field`).
    fn envelope(&self, key: &str) -> Option<&str>;
    /// The canonical code of the `errors` entry `key` (exactly as written).
    fn error_entry(&self, key: &str) -> Option<Code>;
    /// The `errors` row `i` (in document order) as `(key, code)`; `None` past the
    /// last. The message rows (`~text`, `step:~text`) are found by walking them.
    fn error_row(&self, i: usize) -> Option<(&str, Option<Code>)>;
    /// Whether `step` counts an answer with this non-2xx `status` (and body) as
    /// success (`accept`); never by default.
    fn accepts(&self, _step: &str, _status: u16, _doc: Option<&Value>) -> bool {
        false
    }
}

/// The one envelope reader: member `key` of an answer `doc`, at the path the
/// provider declares. `requiredScope` falls back to its default paths
/// (`error.required_scope`, then `error.requiredScope`; see `docs/custom-provider.md`).
pub fn envelope_at<'a>(c: &dyn Contract, doc: Option<&'a Value>, key: &str) -> Option<&'a Value> {
    let doc = doc?;
    let declared = c.envelope(key).and_then(|p| doc.path(p));
    if key != "requiredScope" {
        return declared;
    }
    declared
        .or_else(|| doc.path("error.required_scope"))
        .or_else(|| doc.path("error.requiredScope"))
}

// The presets minified by build.rs (white space outside strings dropped): `NAMES` and
// `TEXTS`, from the one list in build.rs.
include!(concat!(env!("OUT_DIR"), "/presets.rs"));

fn index(name: &str) -> Option<usize> {
    NAMES.iter().position(|n| *n == name)
}

/// The JSON text of a built-in preset.
pub fn preset(name: &str) -> Option<&'static str> {
    TEXTS.get(index(name)?).copied()
}

/// A built-in preset, parsed and validated.
pub struct Loaded {
    /// The parsed document.
    pub doc: Value,
    /// Its validation as an email-code provider.
    pub spec: Result<Rc<Spec>, SpecError>,
}

fn load(i: usize) -> Option<Rc<Loaded>> {
    let doc = crate::json::parse(TEXTS.get(i)?)?;
    let spec = Spec::from_value(&doc).map(Rc::new);
    Some(Rc::new(Loaded { doc, spec }))
}

/// A built-in preset by name, parsed and validated once per instance under wasm.
pub fn loaded(name: &str) -> Option<Rc<Loaded>> {
    cache::get(index(name)?)
}

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
mod cache {
    use super::Loaded;
    use alloc::rc::Rc;
    use core::cell::UnsafeCell;

    struct Slots(UnsafeCell<[Option<Rc<Loaded>>; super::NAMES.len()]>);
    // SAFETY: wasm32 without the atomics feature has exactly one thread, so the
    // cache is never reached from two threads at once.
    unsafe impl Sync for Slots {}

    static SLOTS: Slots = Slots(UnsafeCell::new([const { None }; super::NAMES.len()]));

    /// Preset `i`, loaded on first use.
    pub fn get(i: usize) -> Option<Rc<Loaded>> {
        // SAFETY: single-threaded (see above), and `load` never re-enters the
        // cache, so this is the only reference into it while it lives.
        let slot = unsafe { (*SLOTS.0.get()).get_mut(i)? };
        if slot.is_none() {
            *slot = super::load(i);
        }
        slot.clone()
    }
}

/// Natively each thread keeps its own loaded presets (`Rc` is not `Send`).
#[cfg(not(all(target_arch = "wasm32", not(target_feature = "atomics"))))]
mod cache {
    use super::Loaded;
    use alloc::rc::Rc;
    use core::cell::RefCell;

    std::thread_local! {
        static SLOTS: RefCell<[Option<Rc<Loaded>>; super::NAMES.len()]> = const { RefCell::new([const { None }; super::NAMES.len()]) };
    }

    /// Preset `i`, loaded on first use in this thread.
    pub fn get(i: usize) -> Option<Rc<Loaded>> {
        SLOTS.with(|slots| {
            let mut slots = slots.borrow_mut();
            let slot = slots.get_mut(i)?;
            if slot.is_none() {
                *slot = super::load(i);
            }
            slot.clone()
        })
    }
}

/// Names of the built-in presets with an email-code flow.
pub const PRESETS: &[&str] = &["scripto", "codika", "sessions", "better-auth", "pocketbase"];

/// Names of the built-in presets with session routes (see [`crate::backend`]);
/// CODITECT signs in with a password, so it has no email-code flow.
pub const SESSION_PRESETS: &[&str] = &["sessions", "coditect"];

/// Resolves a provider: a preset name, or a custom spec document.
pub fn resolve(name: Option<&str>, custom: Option<&Value>) -> Result<Rc<Spec>, SpecError> {
    match (custom, name) {
        (Some(doc), _) => Spec::from_value(doc).map(Rc::new),
        (None, Some("coditect")) => Err(SpecError::new(
            "provider",
            "has no email-code flow (CODITECT signs in with a password or OAuth2)",
        )),
        (None, Some(n)) => match loaded(n) {
            Some(p) => p.spec.clone(),
            None => Err(SpecError::new("provider", "is not a known provider")),
        },
        (None, None) => Err(SpecError::new("provider", "is required")),
    }
}

/// True when a URL names a path after its host: a `/` followed by more than slashes.
fn has_path(url: &str) -> bool {
    // After `scheme:` and its slashes: a `/` later followed by anything but slashes and spaces.
    let after = crate::text::cut(url, b':').map_or("", |(_, rest)| rest);
    let mut slash = false;
    let mut host = true;
    for c in after.bytes() {
        if host && c == b'/' {
            continue;
        }
        host = false;
        slash |= c == b'/';
        if slash && c != b'/' && !c.is_ascii_whitespace() {
            return true;
        }
    }
    false
}

/// A caller's base URL with `base_path` appended when it names only an origin
/// (`http://127.0.0.1:3000` → `http://127.0.0.1:3000/api/auth`); a URL with a path of its own,
/// or an empty `base_path`, leaves it as given. Byte loops, not `&str` patterns: the pattern
/// machinery costs ~7 KB of wasm.
pub fn with_base_path(url: &str, base_path: &str) -> alloc::string::String {
    let mut out = alloc::string::String::from(url.trim_ascii_end());
    if base_path.is_empty() || has_path(url) {
        return out;
    }
    while out.ends_with('/') {
        out.pop();
    }
    out.push_str(base_path);
    out
}

/// The origin (`scheme://host[:port]`) of a URL.
pub fn origin_of(url: &str) -> &str {
    let after = crate::text::find(url, "://").map_or(0, |i| i + 3);
    let end = url
        .get(after..)
        .and_then(|rest| crate::text::find_any(rest, b"/?#"))
        .map_or(url.len(), |i| after + i);
    url.get(..end).unwrap_or(url)
}

/// A provider header template with `{origin}` and `{baseUrl}` filled in from `base_url`.
pub fn fill_header(template: &str, base_url: &str) -> alloc::string::String {
    crate::text::replace(
        &crate::text::replace(template, "{origin}", origin_of(base_url)),
        "{baseUrl}",
        base_url,
    )
}

/// The spec's extra headers, `{origin}` and `{baseUrl}` filled in from `base_url`.
pub fn spec_headers(spec: &Spec, base_url: &str) -> alloc::vec::Vec<(String, String)> {
    let mut out = alloc::vec::Vec::with_capacity(spec.headers.len());
    for (k, v) in &spec.headers {
        out.push((k.clone(), fill_header(v, base_url)));
    }
    out
}

/// A credential header: `(name, "<scheme> <secret>")`, or the bare secret
/// without a scheme (`auth` is a spec's `(header name, scheme)` pair).
pub fn auth_header(auth: &(String, String), secret: &str) -> (String, String) {
    let mut value = auth.1.clone();
    if !value.is_empty() {
        value.push(' ');
    }
    value.push_str(secret);
    (auth.0.clone(), value)
}

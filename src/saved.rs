//! The one saved-document codec. Every saved flow — email code, password,
//! OAuth2, device — is a JSON object its flow writes, with a version (`v: 1`) and
//! a `check` (an FNV-1a sum, [`crate::crypto::checksum`]) over the text as
//! written, which detects edits and damage. A flow resumes by reading every
//! member back into its typed state and writing the document again: the check
//! must match that text ([`verify`]), so it does not depend on the order a store
//! keeps members in (chrome.storage.local does not keep it). A document an earlier
//! version sealed is checked as given. (The session family's documents sealed by
//! the version before this one, with members sorted by name, no longer verify: those
//! flows live minutes, and a refused one is started again; nothing is lost.)

use crate::crypto::checksum;
use crate::error::{Code, Error};
use crate::json::{Value, Writer};
use alloc::string::String;

/// Writes a flow's document (`write` writes the object) with its check appended, as the
/// next value of `w`.
pub fn seal(w: &mut Writer, write: &dyn Fn(&mut Writer)) {
    let start = w.out.len();
    write(w);
    crate::json::seal(w, start);
}

/// The text of a flow's document as `write` writes it (what [`verify`] compares with).
pub fn text(write: &dyn Fn(&mut Writer)) -> String {
    let mut w = Writer::new();
    write(&mut w);
    w.out
}

/// `INVALID_STATE`: member `key` of a saved document is missing or not what its flow
/// wrote (every flow's reader reports a bad member this way).
pub fn bad_field(key: &str) -> Error {
    Error::local(
        Code::INVALID_STATE,
        &["The saved flow has a bad '", key, "' field."],
    )
}

fn invalid(m: &str) -> Error {
    Error::local(Code::INVALID_STATE, &[m])
}

/// Checks a saved document of `kind` (`None`: the email-code flow, which has no `kind`)
/// against `canonical`, the text its flow writes for what it read from it; else, for a
/// document an earlier version sealed with members this one no longer writes, as given.
/// `INVALID_STATE` when none matches: the document was edited or damaged.
pub fn verify(doc: &Value, kind: Option<&str>, canonical: &str) -> Result<(), Error> {
    verify_given(doc, kind, None, &|| String::from(canonical))
}

/// As [`verify`], first over `given`, the document's text as the step input carried it: the
/// text a flow's last step wrote comes back as it was, and its check is the sum of what
/// precedes it, so the document need not be written again (`canonical` writes it only when
/// that fails: a store re-wrote it, or it was edited).
pub fn verify_given(
    doc: &Value,
    kind: Option<&str>,
    given: Option<&str>,
    canonical: &dyn Fn() -> String,
) -> Result<(), Error> {
    let m = versioned(doc, kind)?;
    let check = doc.str_at("check");
    // `{…,"check":"<16 hex>"}`: the check is the sum of `{…}`.
    const TAIL: usize = r#","check":"0123456789abcdef"}"#.len();
    // (The tail is not compared: a text whose last 28 bytes are not the check and whose
    // rest still sums to it would be a 64-bit collision, which the unkeyed check never ruled out.)
    if let (Some(text), Some(check)) = (given, check) {
        let body = text.len().checked_sub(TAIL).and_then(|n| text.get(..n));
        if body.is_some_and(|body| crate::crypto::checksum_of(&[body, "}"]) == check) {
            return Ok(());
        }
    }
    let sums = |text: &str| check == Some(checksum(text).as_str());
    if sums(&canonical()) {
        return Ok(());
    }
    let mut body = m.to_vec();
    body.retain(|(k, _)| k != "check");
    let body = Value::Obj(body);
    if !sums(&body.to_json()) {
        return Err(invalid(
            "The saved flow was altered or damaged; start a new flow.",
        ));
    }
    Ok(())
}

/// The members of a saved document of `kind` in the one version there is (`v: 1`);
/// `INVALID_STATE` for anything else.
pub fn versioned<'a>(doc: &'a Value, kind: Option<&str>) -> Result<&'a [(String, Value)], Error> {
    let Value::Obj(m) = doc else {
        return Err(invalid("This is not a saved keymint flow."));
    };
    match doc.get("v") {
        Some(Value::Int(1)) if doc.str_at("kind") == kind => {}
        None => return Err(invalid("This is not a saved keymint flow.")),
        Some(_) => {
            return Err(invalid(
                "The saved flow has an unknown version; start a new flow.",
            ))
        }
    }
    Ok(m)
}

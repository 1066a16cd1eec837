//! The one saved-document check. Every saved flow — email code, password,
//! OAuth2, device — is a JSON object with a version (`v: 1`) and a `check` (an
//! FNV-1a sum, [`crate::crypto::checksum`]) that detects edits and damage. The
//! sum is over the members sorted by name, so it does not depend on the order a
//! store keeps them in (chrome.storage.local does not keep it); a document
//! sealed before that (members as written) is checked as given.

use crate::crypto::checksum;
use crate::error::{Code, Error};
use crate::json::{Value, Writer};
use alloc::string::String;
use alloc::vec::Vec;

/// Writes `doc` with its check as the next value of `w`, its members sorted by name.
pub fn seal_into(w: &mut Writer, doc: &Value) {
    let start = w.out.len();
    crate::json::write_value(&mut w.out, &sorted(doc));
    crate::json::seal(w, start);
}

fn sorted(doc: &Value) -> Value {
    match doc {
        Value::Obj(m) => {
            // Insertion by name: a document has a dozen members, and a library sort would
            // add ~2.5 KB of sorting code to the wasm.
            let mut out: Vec<(String, Value)> = Vec::with_capacity(m.len());
            for member in m {
                let at = out
                    .iter()
                    .position(|(k, _)| k.as_bytes() > member.0.as_bytes());
                out.insert(at.unwrap_or(out.len()), member.clone());
            }
            Value::Obj(out)
        }
        other => other.clone(),
    }
}

fn invalid(m: &str) -> Error {
    Error::local(Code::INVALID_STATE, &[m])
}

/// The saved document of a flow of `kind` (`None`: the email-code flow, which has no
/// `kind`) without its check, if it is one and the check matches: the members sorted,
/// else as given, else `canonical` (the text the flow's own writer re-derives from the
/// parsed document, for documents an older email-code engine sealed in its member order).
/// `INVALID_STATE` otherwise.
pub fn unseal(doc: &Value, kind: Option<&str>, canonical: Option<&str>) -> Result<Value, Error> {
    let m = versioned(doc, kind)?;
    let body = Value::Obj(m.iter().filter(|(k, _)| k != "check").cloned().collect());
    let check = doc.str_at("check");
    let sums = |text: &str| check == Some(checksum(text).as_str());
    if !sums(&sorted(&body).to_json()) && !sums(&body.to_json()) && !canonical.is_some_and(sums) {
        return Err(invalid(
            "The saved flow was altered or damaged; start a new flow.",
        ));
    }
    Ok(body)
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

//! What the session, password and OAuth2 flows share: their JSON actions
//! (`send`, `error`, …), and their saved documents, sealed with a check that
//! detects edits and damage. (The email-code flow has its own typed actions and
//! saved form in [`crate::otp`].)

use crate::backend::{target, Backend};
use crate::error::{Code, Error};
use crate::json::{Value, Writer};
use alloc::string::String;

/// `{state?, action}` as JSON text: `state` is sealed (see [`seal_into`]),
/// `action` is the JSON text of the action.
pub fn out(state: Option<&Value>, action: &str) -> String {
    let mut w = Writer::new();
    w.open();
    if let Some(doc) = state {
        seal_into(w.key("state"), doc);
    }
    w.key("action").out.push_str(action);
    w.end()
}

/// Starts an action object `{"type": kind, …`; finish it with [`Writer::end`].
pub fn act(kind: &str) -> Writer {
    let mut w = Writer::new();
    w.open().str("type", kind);
    w
}

/// An `error` action.
#[inline(never)]
pub fn failed(e: &Error) -> String {
    let mut w = act("error");
    e.write(w.key("error"), &crate::render::next_text(e, None).0, None);
    w.end()
}

/// A `send` action.
#[inline(never)]
pub fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> String {
    let mut w = act("send");
    w.obj("request")
        .str("method", method)
        .str("url", url)
        .obj("headers");
    for (k, v) in headers {
        w.str(k, v);
    }
    w.close().opt_str("body", body).close();
    w.end()
}

/// A request with an optional bearer token and an optional JSON body (its text).
#[inline(never)]
pub fn json_request(method: &str, url: &str, bearer: Option<&str>, body: Option<&str>) -> String {
    const JSON: &str = "application/json";
    let mut auth = String::from("Bearer ");
    let mut headers = alloc::vec![("accept", JSON)];
    if body.is_some() {
        headers.push(("content-type", JSON));
    }
    if let Some(t) = bearer {
        auth.push_str(t);
        headers.push(("authorization", auth.as_str()));
    }
    send(method, url, &headers, body)
}

/// A one-member JSON object `{k: v}` as text.
pub fn one(k: &str, v: &str) -> String {
    let mut w = Writer::new();
    w.open().str(k, v);
    w.end()
}

/// `base` with `path` appended.
pub fn url(base: &str, path: &str) -> String {
    let mut u = String::from(base);
    u.push_str(path);
    u
}

/// Sets (or, with `null`, removes) the member `key` of an object.
pub fn set(doc: &mut Value, key: &str, value: Value) {
    if let Value::Obj(m) = doc {
        m.retain(|(k, _)| k != key);
        if !value.is_null() {
            m.push((String::from(key), value));
        }
    }
}

/// `true`, or `null` (left out of a document) for `false`.
pub fn flag(on: bool) -> Value {
    if on {
        Value::Bool(true)
    } else {
        Value::Null
    }
}

/// Writes a saved document with its integrity check appended (detects edits
/// and damage) as the next value of `w`.
/// The members are written sorted by name, so the check does not depend on the order
/// a store keeps them in (chrome.storage.local does not keep it): [`unseal`] sorts too.
fn seal_into(w: &mut Writer, doc: &Value) {
    let start = w.out.len();
    crate::json::write_value(&mut w.out, &sorted(doc));
    crate::json::seal(w, start);
}

fn sorted(doc: &Value) -> Value {
    match doc {
        Value::Obj(m) => {
            // Insertion by name: a document has a dozen members, and a library sort would
            // add ~2.5 KB of sorting code to the wasm.
            let mut out: alloc::vec::Vec<(String, Value)> = alloc::vec::Vec::with_capacity(m.len());
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

/// The saved document without its check, if the check matches; `INVALID_STATE` otherwise.
pub fn unseal(doc: &Value, kind: &str) -> Result<Value, Error> {
    let invalid = |m: &str| Error::local(Code::INVALID_STATE, &[m]);
    let Value::Obj(m) = doc else {
        return Err(invalid("This is not a saved keymint flow."));
    };
    if doc.get("v") != Some(&Value::Int(1)) || doc.str_at("kind") != Some(kind) {
        return Err(invalid(
            "The saved flow has an unknown version; start a new flow.",
        ));
    }
    let body = Value::Obj(m.iter().filter(|(k, _)| k != "check").cloned().collect());
    // Sorted (how this version seals), else as given (a document sealed before it sorted).
    let check = doc.str_at("check");
    let sums = |v: &Value| check == Some(crate::crypto::checksum(&v.to_json()).as_str());
    if !sums(&sorted(&body)) && !sums(&body) {
        return Err(invalid(
            "The saved flow was altered or damaged; start a new flow.",
        ));
    }
    Ok(body)
}

/// A saved document of `kind`, checked and unsealed, with the backend it names: how every
/// session-family flow (password, OAuth, device) resumes.
pub fn resume(state: &Value, kind: &str) -> Result<(Value, Backend), Error> {
    let doc = unseal(state, kind)?;
    let (b, _, _) = target(&doc).map_err(|e| Error::bad_saved(&e.message))?;
    Ok((doc, b))
}

/// The caller's custom provider document from a start config (`null` for a preset), kept in
/// the saved document so the flow resumes without it being passed again.
pub fn custom_spec(config: &Value) -> Value {
    config
        .get("spec")
        .filter(|v| !v.is_null())
        .cloned()
        .unwrap_or(Value::Null)
}

//! Running the table of checks ([`super::rows`]) against a document; the
//! first failing check names the bad field.

use super::keys::{MINT_SOURCES, RESERVED_HEADERS, STEPS};
use super::rows::{ACCEPT_ROWS, CARRY_ROWS, K, SESSION_ROWS};
use super::SpecError;
use crate::error::Code;
use crate::json::Value;
use alloc::string::String;

pub(super) fn join(a: &str, b: &str) -> String {
    let mut s = String::from(a);
    s.push('.');
    s.push_str(b);
    s
}

/// Validates the sections a session backend reads, with the checks of a spec.
pub fn check_session(doc: &Value) -> Result<(), SpecError> {
    for (field, kind) in SESSION_ROWS {
        check(doc, field, *kind)?;
    }
    Ok(())
}

pub(super) fn is_text(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Str(s)) if !s.trim().is_empty())
}

pub(super) fn is_route(v: Option<&Value>) -> bool {
    is_text(v)
        && v.and_then(Value::as_str)
            .is_some_and(crate::provider::is_route)
}

/// Runs one check; `Err` names the bad field.
#[inline(never)]
pub(super) fn check(doc: &Value, field: &'static str, kind: K) -> Result<(), SpecError> {
    let v = doc.path(field);
    let absent = matches!(v, None | Some(Value::Null));
    let fail = |problem| Err(SpecError::new(field, problem));
    let members: &[(String, Value)] = match v {
        Some(Value::Obj(m)) => m,
        _ => &[],
    };
    match kind {
        K::OptText
        | K::OptRoute
        | K::Header
        | K::Scheme
        | K::Int(..)
        | K::Range
        | K::OneOf(..)
        | K::V2
        | K::Carry
        | K::Accept
            if absent => {}
        K::RefreshRoute if matches!(doc.get("refresh"), None | Some(Value::Null)) => {}
        K::V2 => {
            if !matches!(doc.get("version"), Some(Value::Int(2))) {
                return fail("needs \"version\": 2 at the top of the spec");
            }
        }
        K::OneOf(allowed, problem) => {
            if !v
                .and_then(Value::as_str)
                .is_some_and(|s| allowed.contains(&s))
            {
                return fail(problem);
            }
        }
        K::Carry => return check_carry(field, v),
        K::Accept => return check_accept(field, v),
        K::Obj | K::Map(_) | K::Codes | K::Headers | K::Sources | K::Routes
            if !absent && !matches!(v, Some(Value::Obj(_))) =>
        {
            return fail("must be an object")
        }
        K::Text | K::OptText | K::Route | K::OptRoute | K::Header | K::RefreshRoute
            if !is_text(v) =>
        {
            return fail("must be a non-empty string")
        }
        K::Route | K::OptRoute | K::RefreshRoute if !is_route(v) => {
            return fail("must be a path starting with '/'")
        }
        K::Http => {
            let u = v.and_then(Value::as_str).unwrap_or("");
            if !(u.starts_with("https://") || u.starts_with("http://")) {
                return fail("must be an http(s) URL");
            }
        }
        K::Header => {
            if !is_token(v.and_then(Value::as_str).unwrap_or("")) {
                return fail("must be an HTTP header name");
            }
        }
        K::Scheme => {
            if !matches!(v, Some(Value::Str(t)) if t.is_empty() || is_token(t)) {
                return fail("must be an auth scheme such as \"Bearer\", or \"\"");
            }
        }
        K::Int(lo, hi, problem) => {
            if !matches!(v, Some(Value::Int(n)) if (lo..=hi).contains(n)) {
                return fail(problem);
            }
        }
        K::Statuses => {
            let ok = v.and_then(Value::as_arr).is_some_and(|a| {
                !a.is_empty()
                    && a.iter()
                        .all(|s| matches!(s, Value::Int(n) if (100..=599).contains(n)))
            });
            if !ok {
                return fail("must be a list of HTTP statuses (100 to 599)");
            }
        }
        K::Range => {
            if !matches!(v.and_then(Value::as_arr), Some([Value::Int(lo), Value::Int(hi)]) if lo <= hi)
            {
                return fail("must be [min, max]");
            }
        }
        K::Req(other) => {
            if v.is_none() && (other.is_empty() || doc.path(other).is_none()) {
                return fail("is required");
            }
        }
        K::Flows => {
            let mut any = false;
            for purpose in ["login", "signup"] {
                if v.and_then(|f| f.get(purpose)).is_some() {
                    any = true;
                    for route in ["request", "complete"] {
                        let f = join(&join(field, purpose), route);
                        if !is_route(doc.path(&f)) {
                            let problem = if is_text(doc.path(&f)) {
                                "must be a path starting with '/'"
                            } else {
                                "must be a non-empty string"
                            };
                            return Err(SpecError::new(&f, problem));
                        }
                    }
                }
            }
            if !any {
                return fail("must describe 'login' and/or 'signup' routes");
            }
            if let Some((k, _)) = members.iter().find(|(k, _)| k != "login" && k != "signup") {
                return Err(SpecError::new(
                    &join(field, k),
                    "is not a known purpose (login, signup)",
                ));
            }
        }
        _ => {
            for (k, m) in members {
                let problem = match kind {
                    K::Keys(allowed) | K::Map(allowed) if !allowed.contains(&k.as_str()) => {
                        "is not a known key"
                    }
                    K::Map(_) if !matches!(m, Value::Str(_)) => "must be a string",
                    K::Codes if m.as_str().and_then(Code::parse).is_none() => {
                        "must name a canonical error code"
                    }
                    K::Routes if !is_route(Some(m)) => "must be a path starting with '/'",
                    K::Headers if !is_token(k) => {
                        "must be an HTTP header name"
                    }
                    K::Headers if is_reserved(k) => {
                        "is set by keymint and cannot be replaced"
                    }
                    K::Headers
                        if !matches!(m, Value::Str(t) if !t.bytes().any(|b| b < b' ' || b == 127)) =>
                    {
                        "must be a string without control characters"
                    }
                    K::Sources if !m.as_str().is_some_and(|s| MINT_SOURCES.contains(&s)) => {
                        "must name keyName, keyExpiresInDays, keyExpiresInSeconds, description, organizationId or email"
                    }
                    _ => continue,
                };
                let f = if field.is_empty() {
                    k.clone()
                } else {
                    join(field, k)
                };
                return Err(SpecError::new(&f, problem));
            }
        }
    }
    Ok(())
}

/// One entry of a section of named entries (`carry.<name>`, `accept.<step>`)
/// at `f`: an object that passes `rows`, failures named under `f`.
fn check_entry(f: &str, entry: &Value, rows: &[(&'static str, K)]) -> Result<(), SpecError> {
    if !matches!(entry, Value::Obj(_)) {
        return Err(SpecError::new(f, "must be an object"));
    }
    for (k, kind) in rows {
        if let Err(e) = check(entry, k, *kind) {
            return Err(SpecError::new(&join(f, &e.field), e.problem));
        }
    }
    Ok(())
}

/// `carry`: `{name: {from, body?, header?, scheme?}}`, each sent in the body or a header.
pub(super) fn check_carry(field: &str, v: Option<&Value>) -> Result<(), SpecError> {
    let Some(Value::Obj(members)) = v else {
        return Err(SpecError::new(field, "must be an object"));
    };
    for (name, entry) in members {
        let f = join(field, name);
        check_entry(&f, entry, CARRY_ROWS)?;
        if entry.get("body").is_none() && entry.get("header").is_none() {
            return Err(SpecError::new(
                &f,
                "must say where it is sent: 'body' or 'header'",
            ));
        }
        if let Some(h) = entry.str_at("header") {
            if is_reserved(h) && h != "authorization" {
                return Err(SpecError::new(
                    &join(&f, "header"),
                    "is set by keymint and cannot be replaced",
                ));
            }
        }
    }
    Ok(())
}

/// `accept`: `{step: {status: [n, …], has?}}`.
pub(super) fn check_accept(field: &str, v: Option<&Value>) -> Result<(), SpecError> {
    let Some(Value::Obj(members)) = v else {
        return Err(SpecError::new(field, "must be an object"));
    };
    for (step, entry) in members {
        let f = join(field, step);
        if !STEPS.contains(&step.as_str()) {
            return Err(SpecError::new(
                &f,
                "is not a known step (request, complete, mint, whoami, refresh)",
            ));
        }
        check_entry(&f, entry, ACCEPT_ROWS)?;
    }
    Ok(())
}

/// A header keymint sets itself (any case).
fn is_reserved(name: &str) -> bool {
    RESERVED_HEADERS
        .iter()
        .any(|r| r.eq_ignore_ascii_case(name))
}

/// An HTTP token (RFC 9110 §5.6.2): a header name or an auth scheme. The class
/// is the same in either case, so names need no lower-casing first.
pub(super) fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

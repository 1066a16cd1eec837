//! Reading a spec document into a [`Spec`]: the checks first, then each
//! section with its defaults.

use super::check::{check, join};
use super::code::{ALPHABETS, CASES, SEPARATORS};
use super::keys::{GET_OR_POST, KINDS, POST_OR_GET};
use super::rows::{K, ROWS};
use super::{Accept, Carry, CodeFormat, Mint, Refresh, Routes, Spec, SpecError};
use crate::error::Code;
use crate::json::Value;
use alloc::string::String;
use alloc::vec::Vec;

/// The string at `field` (validated), if any.
fn opt(doc: &Value, field: &str) -> Option<String> {
    doc.path(field).and_then(Value::as_str).map(String::from)
}

/// The string at `field`, or `default`.
fn text_or(doc: &Value, field: &str, default: &str) -> String {
    opt(doc, field).unwrap_or_else(|| String::from(default))
}

/// The string members of the object at `field` (validated); `lower` lower-cases the keys.
#[inline(never)]
fn pairs(doc: &Value, field: &str, lower: bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(Value::Obj(members)) = doc.path(field) {
        for (k, v) in members {
            let k = if lower {
                k.to_ascii_lowercase()
            } else {
                k.clone()
            };
            out.push((k, String::from(v.as_str().unwrap_or(""))));
        }
    }
    out
}

/// The validated string at `field` as its entry of `allowed`, else the first entry (the default).
fn pick(doc: &Value, field: &str, allowed: &'static [&'static str]) -> &'static str {
    let v = doc.path(field).and_then(Value::as_str);
    allowed
        .iter()
        .find(|a| Some(**a) == v)
        .or(allowed.first())
        .copied()
        .unwrap_or("")
}

/// The members of the object at `field` (validated), if any.
fn members<'a>(doc: &'a Value, field: &str) -> &'a [(String, Value)] {
    match doc.path(field) {
        Some(Value::Obj(m)) => m,
        _ => &[],
    }
}

/// `{header?, scheme?}` of a credential-carrying request (validated): the header
/// (default `authorization`) and its scheme (default `Bearer` for
/// `authorization`, else none).
fn auth_of(doc: &Value, field: &str) -> (String, String) {
    let at = |k: &str| {
        if field.is_empty() {
            String::from(k)
        } else {
            join(field, k)
        }
    };
    let header = text_or(doc, &at("header"), "authorization").to_ascii_lowercase();
    let default = if header == "authorization" {
        "Bearer"
    } else {
        ""
    };
    let scheme = text_or(doc, &at("scheme"), default);
    (header, scheme)
}

impl Spec {
    /// Validates a spec document.
    pub fn from_value(doc: &Value) -> Result<Spec, SpecError> {
        if !matches!(doc, Value::Obj(_)) {
            return Err(SpecError::new("(root)", "must be an object"));
        }
        let has_mint = matches!(doc.get("mint"), Some(Value::Obj(_)));
        for (field, kind) in ROWS {
            let skip = !has_mint && field.starts_with("mint") && !matches!(kind, K::Obj);
            if !skip {
                check(doc, field, *kind)?;
            }
        }
        // Plain loops rather than iterator chains: each chain's adapters are their own
        // generic code in the wasm.
        let mut flows = Vec::new();
        for p in ["login", "signup"] {
            if doc.path("flows").and_then(|f| f.get(p)).is_some() {
                let base = join("flows", p);
                flows.push(Routes {
                    purpose: String::from(p),
                    request: text_or(doc, &join(&base, "request"), ""),
                    complete: text_or(doc, &join(&base, "complete"), ""),
                    fields: pairs(doc, &join(&base, "fields"), false),
                });
            }
        }
        let mut errors = Vec::new();
        for (k, v) in members(doc, "errors") {
            if let Some(code) = v.as_str().and_then(Code::parse) {
                errors.push((k.clone(), code));
            }
        }
        let mut credential = pairs(doc, "credential", false);
        credential.retain(|(k, _)| k != "kind");
        let mut carry = Vec::new();
        for (name, e) in members(doc, "carry") {
            carry.push(Carry {
                name: name.clone(),
                from: text_or(e, "from", ""),
                body: opt(e, "body"),
                header: opt(e, "header").map(|_| auth_of(e, "")),
            });
        }
        let mut accept = Vec::new();
        for (step, e) in members(doc, "accept") {
            let mut status = Vec::new();
            for s in e.get("status").and_then(Value::as_arr).unwrap_or(&[]) {
                if let Some(n) = s.as_i64() {
                    status.push(n);
                }
            }
            accept.push(Accept {
                step: step.clone(),
                status,
                has: opt(e, "has"),
            });
        }
        let expires_days = match doc.path("limits.keyExpiresInDays").and_then(Value::as_arr) {
            Some([Value::Int(lo), Value::Int(hi)]) => Some((*lo, *hi)),
            _ => None,
        };
        let int = |f: &str| doc.path(f).and_then(Value::as_i64);
        Ok(Spec {
            name: text_or(doc, "name", ""),
            base_url: text_or(doc, "baseUrl", ""),
            base_path: text_or(doc, "basePath", ""),
            cmd_request: text_or(doc, "commands.request", "auth {purpose}-request"),
            cmd_complete: text_or(doc, "commands.complete", "auth {purpose}-complete"),
            flags: pairs(doc, "commands.flags", false),
            flows,
            purpose_field: opt(doc, "purposeField"),
            purpose_values: (
                text_or(doc, "purposeValues.login", "login"),
                text_or(doc, "purposeValues.signup", "signup"),
            ),
            fields: pairs(doc, "fields", false),
            envelope: pairs(doc, "envelope", false),
            sent: pairs(doc, "sent", false),
            credential,
            whoami: opt(doc, "whoami.path"),
            lifetime: int("codeLifetimeSeconds").unwrap_or(600),
            cooldown: int("resendCooldownSeconds"),
            company_max: int("limits.companyNameChars"),
            expires_days,
            errors,
            headers: pairs(doc, "headers", true),
            whoami_auth: auth_of(doc, "whoami"),
            whoami_data: opt(doc, "whoami.data"),
            mint: if has_mint {
                Some(Mint {
                    path: text_or(doc, "mint.path", ""),
                    token: text_or(doc, "mint.token", ""),
                    auth: auth_of(doc, "mint"),
                    body: pairs(doc, "mint.body", false),
                })
            } else {
                None
            },
            code_attempts: int("codeAttempts"),
            version: int("version").unwrap_or(1),
            carry,
            accept,
            code_format: CodeFormat {
                length: int("codeFormat.length").map_or(6, |n| n as usize),
                alphabet: pick(doc, "codeFormat.alphabet", ALPHABETS),
                group: int("codeFormat.group").map_or(0, |n| n as usize),
                separator: pick(doc, "codeFormat.separator", SEPARATORS),
                case: pick(doc, "codeFormat.case", CASES),
                send_grouped: doc.str_at("codeFormat.send") == Some("grouped"),
            },
            whoami_method: pick(doc, "whoami.method", GET_OR_POST),
            credential_kind: pick(doc, "credential.kind", KINDS),
            refresh: doc
                .get("refresh")
                .filter(|r| !r.is_null())
                .map(|_| Refresh {
                    path: text_or(doc, "refresh.path", ""),
                    method: pick(doc, "refresh.method", POST_OR_GET),
                    auth: auth_of(doc, "refresh"),
                    body: opt(doc, "refresh.body"),
                }),
        })
    }
}

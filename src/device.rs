//! OAuth 2.0 device authorization grant (RFC 8628): the device asks for a user
//! code, a person confirms it in a browser anywhere, the device polls the token
//! endpoint until the grant is approved, denied or expired. Optionally the token
//! is then exchanged for an API key by the provider's `mint` request.
//!
//! `device_start` `{config: {provider | spec, baseUrl?, clientId?, scope?,
//! resource?, allowInsecure?, keyName?, keyExpiresInDays?, description?}}`
//! checks the config and answers `ready` with the saved flow; `event` `{type:
//! request}` sends the device authorization request (§3.1: `client_id`,
//! `scope`, and the RFC 8707 `resource`). Its `response` ends in a `device_code` action
//! `{userCode, verificationUri, verificationUriComplete?, expiresAt, interval,
//! nextPollAt}` and the saved flow, which any process may continue.
//!
//! `event` `{type: poll}` before `nextPollAt` answers `wait` (nothing sent);
//! after it, the token request (§3.4). Its answer (§3.5): `authorization_pending`
//! → `wait` one interval; `slow_down` → the interval grows by 5 s (kept in the
//! flow) and `wait`; `access_denied` → `ACCESS_DENIED`; `expired_token` (or a
//! poll after the saved expiry, answered locally) → `DEVICE_CODE_EXPIRED`, whose
//! next action is to start again (`{type: request}` on the same flow does). A
//! token ends in `done` with a session `credential`, or, when the provider's
//! `device.mint` is true, in the `mint` request and then `done` with the key.
//! Every `wait` carries the `AUTHORIZATION_PENDING` error whose next action is
//! `open_url` (`url`, `userCode`, `expiresAt`), for a caller that does not wait.
//!
//! The saved document: `{v, kind: "device", provider, spec?, baseUrl,
//! deviceUrl, tokenUrl, clientId, scope?, resource?, phase, deviceCode?,
//! userCode?, verificationUri?, verificationUriComplete?, expiresAt?, interval?,
//! nextPollAt?, options?, allowInsecure?, metadataUrl?, check}`. Phases: `discovering`
//! (RFC 8414 metadata, when the provider declares `device.metadata` instead of the
//! endpoints), `requesting`,
//! `pending`, `polling`, `minting`, `done`, and `ready` / `denied` / `expired`
//! (from which `request` starts again).

use crate::backend::{target, Backend};
use crate::error::{Code, Error, Next};
use crate::json::{obj, opt_s, parse, s, Value, Writer};
use crate::oauth::{form, map_error, token_answer};
use crate::response::{transport_error, Response};
use crate::saved::{act, custom_spec, failed, flag, out, resume, send, set};
use crate::time::format_rfc3339;
use crate::{input, provider};
use alloc::string::String;
use alloc::vec::Vec;

/// The `grant_type` of a device token request (RFC 8628 §3.4).
pub const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Options a `mint` body may draw from.
const OPTIONS: [&str; 4] = [
    "keyName",
    "keyExpiresInDays",
    "description",
    "organizationId",
];

/// `device_start`.
pub fn start(config: &Value) -> String {
    match begin(config) {
        Ok((doc, action)) => out(Some(&doc), &action),
        Err(e) => out(None, &failed(&e)),
    }
}

/// A declared endpoint: a route of the base URL, or an absolute URL that passes
/// the core's URL rule (https, or loopback with `allowInsecure`).
fn endpoint(b: &Backend, base: &str, key: &str, insecure: bool) -> Result<String, Error> {
    let raw = b.text("device", key).ok_or_else(|| {
        Error::input(
            Code::INVALID_PROVIDER,
            "provider",
            "This provider declares no device authorization endpoints.",
        )
    })?;
    if provider::is_route(raw) {
        return Ok(crate::saved::url(base, raw));
    }
    if raw.starts_with("https://") || raw.starts_with("http://") {
        return input::endpoint_url(raw, insecure);
    }
    Err(Error::input(
        Code::INVALID_PROVIDER,
        "provider",
        "A device endpoint must be a path starting with '/' or an http(s) URL.",
    ))
}

fn begin(config: &Value) -> Result<(Value, String), Error> {
    let (b, mut base, insecure) = target(config)?;
    // An origin-only base URL gets the provider's `basePath` (Better Auth's `/api/auth`), as
    // the email-code flow does.
    if let Some(path) = b.doc().str_at("basePath") {
        base = provider::with_base_path(&base, path);
    }
    // Declared endpoints, else the RFC 8414 metadata that names them (read at `request`).
    let (device_url, token_url, metadata) = match b.text("device", "metadata") {
        Some(_) if b.text("device", "deviceAuthorizationEndpoint").is_none() => {
            (None, None, Some(endpoint(&b, &base, "metadata", insecure)?))
        }
        _ => (
            Some(endpoint(
                &b,
                &base,
                "deviceAuthorizationEndpoint",
                insecure,
            )?),
            Some(endpoint(&b, &base, "tokenEndpoint", insecure)?),
            None,
        ),
    };
    let text = |k: &str| {
        config
            .str_at(k)
            .or_else(|| b.text("device", k))
            .filter(|v| !v.trim().is_empty())
    };
    let client = text("clientId").ok_or_else(|| {
        Error::input(
            Code::INVALID_REQUEST,
            "clientId",
            "The OAuth client id is required.",
        )
    })?;
    let mut options = Vec::new();
    for k in OPTIONS {
        if let Some(v) = config.get(k).filter(|v| !v.is_null()) {
            options.push((String::from(k), v.clone()));
        }
    }
    let mut doc = obj(alloc::vec![
        ("v", Value::Int(1)),
        ("kind", s("device")),
        ("provider", s(b.name())),
        ("spec", custom_spec(config)),
        ("baseUrl", s(&base)),
        ("deviceUrl", opt_s(device_url.as_deref())),
        ("tokenUrl", opt_s(token_url.as_deref())),
        ("metadataUrl", opt_s(metadata.as_deref())),
        ("clientId", s(client)),
        ("scope", opt_s(text("scope"))),
        ("resource", opt_s(text("resource"))),
        ("phase", s("ready")),
        ("allowInsecure", flag(insecure)),
    ]);
    if !options.is_empty() {
        set(&mut doc, "options", Value::Obj(options));
    }
    Ok((doc, act("ready").end()))
}

/// `event` / `validate` of a saved device flow.
pub fn step(op: &str, state: &Value, event: &Value, now: i64) -> String {
    let (mut doc, b) = match resume(state, "device") {
        Ok(x) => x,
        Err(e) => return out(None, &failed(&e)),
    };
    let action = if op == "validate" {
        act("ready").end()
    } else {
        handle(&b, &mut doc, event, now).unwrap_or_else(|e| failed(&e))
    };
    out(Some(&doc), &action)
}

/// The provider's extra headers (`headers`, with `{origin}` / `{baseUrl}`).
fn headers(b: &Backend, doc: &Value) -> Vec<(String, String)> {
    let base = doc.str_at("baseUrl").unwrap_or("");
    let mut out = Vec::new();
    if let Some(Value::Obj(m)) = b.doc().get("headers") {
        for (k, v) in m {
            out.push((
                k.clone(),
                provider::fill_header(v.as_str().unwrap_or(""), base),
            ));
        }
    }
    out
}

fn post(
    b: &Backend,
    doc: &Value,
    url: &str,
    body: &str,
    json: bool,
    bearer: Option<&str>,
) -> String {
    let mut auth = String::new();
    let mut h: Vec<(&str, &str)> = alloc::vec![
        (
            "content-type",
            if json {
                "application/json"
            } else {
                "application/x-www-form-urlencoded"
            }
        ),
        ("accept", "application/json"),
    ];
    let extra = headers(b, doc);
    for (k, v) in &extra {
        h.push((k.as_str(), v.as_str()));
    }
    let header = b.text("mint", "header").unwrap_or("authorization");
    if let Some(t) = bearer {
        let scheme = b
            .text("mint", "scheme")
            .unwrap_or(if header == "authorization" {
                "Bearer"
            } else {
                ""
            });
        auth.push_str(scheme);
        if !scheme.is_empty() {
            auth.push(' ');
        }
        auth.push_str(t);
        h.push((header, auth.as_str()));
    }
    send("POST", url, &h, Some(body))
}

/// A request of `pairs`: form-encoded as RFC 8628 says, or a JSON object when the
/// provider's `device.encoding` is `json` (Better Auth's `/device/token`).
fn post_pairs(b: &Backend, doc: &Value, url: &str, pairs: &[(&str, &str)]) -> String {
    if b.text("device", "encoding") == Some("json") {
        let mut w = Writer::new();
        w.open();
        for (k, v) in pairs {
            w.str(k, v);
        }
        return post(b, doc, url, &w.end(), true, None);
    }
    post(b, doc, url, &form(pairs), false, None)
}

/// The device authorization request (§3.1); the flow becomes `requesting`. Before it, when
/// the endpoints come from RFC 8414 metadata not read yet, the metadata request
/// (`discovering`).
fn request(b: &Backend, doc: &mut Value) -> String {
    if let (None, Some(meta)) = (doc.str_at("deviceUrl"), doc.str_at("metadataUrl")) {
        let action = crate::saved::json_request("GET", meta, None, None);
        set(doc, "phase", s("discovering"));
        return action;
    }
    let field = |k: &str| doc.str_at(k);
    let mut pairs = alloc::vec![("client_id", field("clientId").unwrap_or(""))];
    for (wire, k) in [("scope", "scope"), ("resource", "resource")] {
        if let Some(v) = field(k) {
            pairs.push((wire, v));
        }
    }
    let action = post_pairs(b, doc, field("deviceUrl").unwrap_or(""), &pairs);
    for k in [
        "deviceCode",
        "userCode",
        "verificationUri",
        "verificationUriComplete",
        "expiresAt",
        "interval",
        "nextPollAt",
    ] {
        set(doc, k, Value::Null);
    }
    set(doc, "phase", s("requesting"));
    action
}

fn time(doc: &Value, k: &str) -> i64 {
    doc.int_at(k).unwrap_or(0)
}

/// `AUTHORIZATION_PENDING`: open the URL and confirm the code.
fn pending(doc: &Value, now: i64) -> Error {
    let url = doc
        .str_at("verificationUriComplete")
        .or_else(|| doc.str_at("verificationUri"))
        .unwrap_or("");
    let code = doc.str_at("userCode").unwrap_or("");
    let mut e = Error::local(
        Code::AUTHORIZATION_PENDING,
        &[
            "Waiting for the code ",
            code,
            " to be confirmed at ",
            url,
            ".",
        ],
    );
    e.next = Next::OpenUrl {
        url: String::from(url),
        user_code: String::from(code),
        expires_at: format_rfc3339(time(doc, "expiresAt")),
    };
    e.retry_after = Some((time(doc, "nextPollAt") - now).max(1));
    e
}

/// `wait` until the next poll, with what to show meanwhile.
fn wait(doc: &Value, now: i64, reason: &str) -> String {
    let until = time(doc, "nextPollAt");
    let mut w = act("wait");
    w.str("until", &format_rfc3339(until))
        .int("retryAfterSeconds", (until - now).max(0))
        .str("reason", reason);
    code_fields(&mut w, doc);
    let e = pending(doc, now);
    e.write(w.key("error"), &crate::render::next_text(&e, None).0, None);
    w.end()
}

fn code_fields(w: &mut Writer, doc: &Value) {
    w.str("userCode", doc.str_at("userCode").unwrap_or(""))
        .str(
            "verificationUri",
            doc.str_at("verificationUri").unwrap_or(""),
        )
        .opt_str(
            "verificationUriComplete",
            doc.str_at("verificationUriComplete"),
        )
        .str("expiresAt", &format_rfc3339(time(doc, "expiresAt")))
        .int("interval", time(doc, "interval"))
        .str("nextPollAt", &format_rfc3339(time(doc, "nextPollAt")));
}

fn expired(doc: &mut Value) -> Error {
    set(doc, "phase", s("expired"));
    Error::local(
        Code::DEVICE_CODE_EXPIRED,
        &["The device code expired before it was confirmed: start the sign-in again."],
    )
}

fn handle(b: &Backend, doc: &mut Value, event: &Value, now: i64) -> Result<String, Error> {
    let phase = String::from(doc.str_at("phase").unwrap_or(""));
    let kind = event.str_at("type").unwrap_or("");
    match (kind, phase.as_str()) {
        ("request", "ready" | "pending" | "denied" | "expired") => Ok(request(b, doc)),
        ("poll", "pending") => {
            if now >= time(doc, "expiresAt") {
                return Err(expired(doc));
            }
            if now < time(doc, "nextPollAt") {
                return Ok(wait(doc, now, "early"));
            }
            let insecure = doc.get("allowInsecure") == Some(&Value::Bool(true));
            let url = input::endpoint_url(doc.str_at("tokenUrl").unwrap_or(""), insecure)?;
            let pairs = [
                ("grant_type", GRANT),
                ("device_code", doc.str_at("deviceCode").unwrap_or("")),
                ("client_id", doc.str_at("clientId").unwrap_or("")),
            ];
            let action = post_pairs(b, doc, &url, &pairs);
            set(doc, "phase", s("polling"));
            Ok(action)
        }
        ("response", "discovering") => {
            discovered(doc, &Response::from_value(event))?;
            Ok(request(b, doc))
        }
        ("response", "requesting") => code_answer(doc, &Response::from_value(event), now),
        ("response", "polling") => token(b, doc, &Response::from_value(event), now),
        ("response", "minting") => minted(b, doc, &Response::from_value(event)),
        ("transport_error", "discovering" | "requesting" | "polling" | "minting") => {
            let mut e = transport_error(event.str_at("kind").unwrap_or("network"));
            let back = match phase.as_str() {
                "polling" => "pending",
                "minting" => {
                    e.maybe_minted = true;
                    e.next = Next::SignInAgain;
                    set(doc, "accessToken", Value::Null);
                    "ready"
                }
                _ => "ready",
            };
            set(doc, "phase", s(back));
            Err(e)
        }
        _ => Err(Error::wrong_step(&phase)),
    }
}

/// The authorization server metadata (RFC 8414 §3.2): its `device_authorization_endpoint`
/// and `token_endpoint`, absolute URLs that must pass the core's URL rule.
fn discovered(doc: &mut Value, r: &Response) -> Result<(), Error> {
    set(doc, "phase", s("ready"));
    if !(200..300).contains(&r.status) {
        return Err(crate::response::error(
            crate::response::status_code(r.status),
            "The authorization server metadata could not be read.",
            r.status,
        ));
    }
    let d = parse(&r.body).unwrap_or(Value::Null);
    let (Some(device), Some(token)) = (
        d.str_at("device_authorization_endpoint"),
        d.str_at("token_endpoint"),
    ) else {
        return Err(crate::response::bad(
            "The authorization server metadata names no device_authorization_endpoint or token_endpoint.",
            r.status,
        ));
    };
    let insecure = doc.get("allowInsecure") == Some(&Value::Bool(true));
    let device = input::endpoint_url(device, insecure)?;
    let token = input::endpoint_url(token, insecure)?;
    set(doc, "deviceUrl", s(&device));
    set(doc, "tokenUrl", s(&token));
    Ok(())
}

/// The device authorization answer (§3.2).
fn code_answer(doc: &mut Value, r: &Response, now: i64) -> Result<String, Error> {
    set(doc, "phase", s("ready"));
    if !(200..300).contains(&r.status) {
        return Err(token_answer(r, now).err().unwrap_or_else(|| {
            crate::response::bad("The device authorization failed.", r.status)
        }));
    }
    let d = parse(&r.body).unwrap_or(Value::Null);
    let text = |k: &str| d.str_at(k).filter(|v| !v.is_empty());
    let uri = text("verification_uri").or_else(|| text("verification_url"));
    let (Some(device), Some(user), Some(uri)) = (text("device_code"), text("user_code"), uri)
    else {
        return Err(crate::response::bad(
            "The device authorization answer lacks device_code, user_code or verification_uri.",
            r.status,
        ));
    };
    let insecure = doc.get("allowInsecure") == Some(&Value::Bool(true));
    let uri = input::endpoint_url(uri, insecure)?;
    let complete =
        text("verification_uri_complete").and_then(|u| input::endpoint_url(u, insecure).ok());
    // RFC 8628 §3.2: the interval defaults to 5 s; a lifetime is required (30 min if absent).
    let interval = d.int_at("interval").unwrap_or(5).clamp(1, 3600);
    let life = d.int_at("expires_in").unwrap_or(1800).clamp(1, 86_400);
    for (k, v) in [
        ("deviceCode", s(device)),
        ("userCode", s(user)),
        ("verificationUri", s(&uri)),
        ("verificationUriComplete", opt_s(complete.as_deref())),
        ("expiresAt", Value::Int(now + life)),
        ("interval", Value::Int(interval)),
        ("nextPollAt", Value::Int(now + interval)),
        ("phase", s("pending")),
    ] {
        set(doc, k, v);
    }
    let mut w = act("device_code");
    code_fields(&mut w, doc);
    Ok(w.end())
}

/// The token answer (§3.5).
fn token(b: &Backend, doc: &mut Value, r: &Response, now: i64) -> Result<String, Error> {
    set(doc, "phase", s("pending"));
    let interval = time(doc, "interval");
    let name = parse(&r.body)
        .and_then(|d| d.str_at("error").map(String::from))
        .filter(|_| !(200..300).contains(&r.status));
    match name.as_deref() {
        Some("authorization_pending") => {
            set(doc, "nextPollAt", Value::Int(now + interval));
            return Ok(wait(doc, now, "authorization_pending"));
        }
        Some("slow_down") => {
            set(doc, "interval", Value::Int(interval + 5));
            set(doc, "nextPollAt", Value::Int(now + interval + 5));
            return Ok(wait(doc, now, "slow_down"));
        }
        Some("expired_token") => {
            let mut e = expired(doc);
            e.local = false;
            e.status = Some(r.status);
            e.provider_code = name;
            return Err(e);
        }
        Some(n) if map_error(n) == Code::ACCESS_DENIED => set(doc, "phase", s("denied")),
        _ => {}
    }
    let mut tokens = match token_answer(r, now) {
        Ok(t) => t,
        Err(mut e) => {
            if matches!(e.code, Code::INVALID_GRANT | Code::INVALID_CLIENT) {
                set(doc, "phase", s("ready"));
            }
            if e.code == Code::ACCESS_DENIED {
                e.message = String::from("The sign-in was denied in the browser.");
            }
            return Err(e);
        }
    };
    for (k, v) in ["deviceCode", "nextPollAt"].map(|k| (k, Value::Null)) {
        set(doc, k, v);
    }
    if b.doc().path("device.mint") == Some(&Value::Bool(true)) {
        let access = tokens.str_at("accessToken").unwrap_or("");
        let path = b.text("mint", "path").unwrap_or("");
        let mut body = Vec::new();
        if let Some(Value::Obj(m)) = b.doc().path("mint.body") {
            let opt = |k: &str| doc.path("options").and_then(|o| o.get(k)).cloned();
            for (wire, src) in m {
                let v = match src.as_str().unwrap_or("") {
                    "keyExpiresInSeconds" => opt("keyExpiresInDays")
                        .and_then(|v| v.as_i64())
                        .map(|d| Value::Int(d * 86_400)),
                    other => opt(other),
                };
                if let Some(v) = v {
                    body.push((wire.clone(), v));
                }
            }
        }
        let url = crate::saved::url(doc.str_at("baseUrl").unwrap_or(""), path);
        let action = post(
            b,
            doc,
            &url,
            &Value::Obj(body).to_json(),
            true,
            Some(access),
        );
        // Kept only while the mint is in flight (the driver saves the flow after it).
        set(doc, "accessToken", s(access));
        set(doc, "phase", s("minting"));
        return Ok(action);
    }
    for (k, v) in [
        ("provider", s(b.name())),
        ("baseUrl", opt_s(doc.str_at("baseUrl"))),
        ("clientId", opt_s(doc.str_at("clientId"))),
        ("kind", s("device")),
    ] {
        set(&mut tokens, k, v);
    }
    set(doc, "phase", s("done"));
    Ok(act("done").value("credential", &tokens).end())
}

/// The mint answer: the key, named by the provider's `credential` map.
fn minted(b: &Backend, doc: &mut Value, r: &Response) -> Result<String, Error> {
    set(doc, "accessToken", Value::Null);
    let data = match b.classify("mint", r) {
        Ok(d) => d,
        Err(mut e) => {
            set(doc, "phase", s("ready"));
            e.maybe_minted = (200..300).contains(&r.status);
            e.next = Next::SignInAgain;
            return Err(e);
        }
    };
    let mut cred = Vec::new();
    if let Some(Value::Obj(m)) = b.doc().get("credential") {
        for (name, path) in m {
            if let Some(v) = path
                .as_str()
                .and_then(|p| data.path(p))
                .filter(|v| !v.is_null())
            {
                cred.push((name.clone(), v.clone()));
            }
        }
    }
    let mut cred = Value::Obj(cred);
    if cred.str_at("apiKey").is_none() {
        set(doc, "phase", s("ready"));
        let mut e = crate::response::bad("The mint answer carried no key.", r.status);
        e.maybe_minted = true;
        return Err(e);
    }
    for (k, v) in [
        ("provider", s(b.name())),
        ("baseUrl", opt_s(doc.str_at("baseUrl"))),
    ] {
        set(&mut cred, k, v);
    }
    set(doc, "phase", s("done"));
    Ok(act("done").value("credential", &cred).end())
}

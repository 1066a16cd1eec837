//! OAuth2 authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636 S256).
//!
//! `oauth_start` `{config: {provider | spec, authUrl?, clientId, redirectUri,
//! scope, random}}` builds the authorize URL. `random` is at least 48
//! caller-drawn random bytes as hex (the core never draws randomness): the first
//! 32 make the code verifier, the next 16 the `state`. The answer is an
//! `authorize` action `{url, state}` and the saved flow.
//!
//! `event` `{type: callback, url | params, clientSecret?}` checks `state` before
//! anything else (`STATE_MISMATCH`, nothing sent), then the authorization
//! server's own error, then sends the form-encoded code exchange; its `response`
//! ends in `done` with a token `credential`. Token-endpoint errors follow
//! RFC 6749 §5.2.

use crate::backend::{target, Backend};
use crate::crypto::{base64url, sha256, unhex};
use crate::error::{Code, Error};
use crate::input;
use crate::json::{obj, opt_s, parse, s, Value};
use crate::response::{self, transport_error, Response};
use crate::saved::{act, custom_spec, failed, flag, out, send, unseal};
use crate::text::cut;
use crate::time::format_rfc3339;
use alloc::string::String;
use alloc::vec::Vec;

/// The PKCE S256 code challenge of a verifier: `base64url(sha256(verifier))`.
pub fn challenge(verifier: &str) -> String {
    base64url(&sha256(verifier.as_bytes()))
}

/// Appends `text` percent-encoded: everything but `A-Z a-z 0-9 - . _ ~`.
pub fn pct_encode(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            for n in [b >> 4, b & 15] {
                out.push(char::from(HEX.get(usize::from(n)).copied().unwrap_or(b'0')));
            }
        }
    }
}

/// Decodes a form or query value (`+` is a space); `None` for bad escapes or UTF-8.
pub fn pct_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut it = text.bytes();
    while let Some(b) = it.next() {
        bytes.push(match b {
            b'+' => b' ',
            b'%' => {
                let hi = char::from(it.next()?).to_digit(16)?;
                let lo = char::from(it.next()?).to_digit(16)?;
                (hi * 16 + lo) as u8
            }
            other => other,
        });
    }
    String::from_utf8(bytes).ok()
}

/// `k=v&k=v`, percent-encoded.
pub fn form(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        pct_encode(&mut out, k);
        out.push('=');
        pct_encode(&mut out, v);
    }
    out
}

/// The query parameters of a URL (or a bare query string), decoded; the
/// fragment is ignored, and so is a pair that does not decode.
pub fn query(url: &str) -> Vec<(String, String)> {
    let q = crate::text::before_any(url, b"#");
    let mut rest = cut(q, b'?').map_or(q, |(_, q)| q);
    let mut out = Vec::new();
    loop {
        let (p, more) = cut(rest, b'&').unwrap_or((rest, ""));
        let (k, v) = cut(p, b'=').unwrap_or((p, ""));
        if let (false, Some(k), Some(v)) = (p.is_empty(), pct_decode(k), pct_decode(v)) {
            out.push((k, v));
        }
        if more.is_empty() && cut(rest, b'&').is_none() {
            return out;
        }
        rest = more;
    }
}

/// Equal, without an early exit on the first differing byte.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The canonical code of an RFC 6749 error name (§4.1.2.1 and §5.2).
pub fn map_error(name: &str) -> Code {
    match name {
        "invalid_request" | "unsupported_response_type" => Code::INVALID_REQUEST,
        "invalid_client" => Code::INVALID_CLIENT,
        "invalid_grant" => Code::INVALID_GRANT,
        "unauthorized_client" => Code::UNAUTHORIZED_CLIENT,
        "unsupported_grant_type" => Code::UNSUPPORTED_GRANT_TYPE,
        "invalid_scope" => Code::INVALID_SCOPE,
        "access_denied" => Code::ACCESS_DENIED,
        "server_error" | "temporarily_unavailable" => Code::INTERNAL,
        _ => Code::UNKNOWN_ERROR,
    }
}

fn oauth_error(name: &str, description: Option<&str>, status: u16) -> Error {
    let mut e = response::error(map_error(name), description.unwrap_or(""), status);
    e.provider_code = Some(String::from(name));
    if status == 0 {
        e.status = None;
    }
    e
}

/// The canonical token set of a token-endpoint answer, or its §5.2 error.
pub fn token_answer(r: &Response, now: i64) -> Result<Value, Error> {
    let doc = parse(&r.body);
    let at = |k: &str| doc.as_ref().and_then(|d| d.str_at(k));
    if !(200..300).contains(&r.status) {
        return Err(match at("error") {
            Some(name) => oauth_error(name, at("error_description"), r.status),
            // RFC 6749 §5.2: a refused client answers 401.
            None => response::error(
                if r.status == 401 {
                    Code::INVALID_CLIENT
                } else {
                    response::status_code(r.status)
                },
                "",
                r.status,
            ),
        });
    }
    let Some(access) = at("access_token") else {
        return Err(response::error(
            Code::BAD_RESPONSE,
            "The token answer carried no access token.",
            r.status,
        ));
    };
    let expires = doc
        .as_ref()
        .and_then(|d| d.int_at("expires_in"))
        .map(|n| s(&format_rfc3339(now + n)));
    Ok(obj(alloc::vec![
        ("accessToken", s(access)),
        ("refreshToken", opt_s(at("refresh_token"))),
        ("tokenType", opt_s(at("token_type"))),
        ("expiresAt", expires.unwrap_or(Value::Null)),
        ("scope", opt_s(at("scope"))),
    ]))
}

/// The authorization server's base URL and the path of `endpoint`.
fn endpoint(b: &Backend, config: &Value, insecure: bool, endpoint: &str) -> Result<String, Error> {
    // A device-flow provider (RFC 8628) refreshes at its device token endpoint.
    if let (None, Some(token)) = (b.oauth(endpoint), b.text("device", "tokenEndpoint")) {
        if endpoint == "token" {
            if !crate::provider::is_route(token) {
                return input::endpoint_url(token, insecure);
            }
            let mut url =
                input::base_url(config.str_at("baseUrl").unwrap_or(b.base_url()), insecure)?;
            url.push_str(token);
            return Ok(url);
        }
    }
    let raw = config.str_at("authUrl").unwrap_or(b.auth_url());
    let mut url = input::base_url(raw, insecure)?;
    url.push_str(b.oauth(endpoint).ok_or_else(|| {
        Error::input(
            Code::INVALID_PROVIDER,
            "provider",
            "This provider has no OAuth2 endpoints.",
        )
    })?);
    Ok(url)
}

fn form_request(url: &str, body: &str) -> String {
    send(
        "POST",
        url,
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("accept", "application/json"),
        ],
        Some(body),
    )
}

/// The `refresh_token` grant (a session op with a `clientId`).
pub fn refresh_request(
    b: &Backend,
    config: &Value,
    insecure: bool,
    refresh_token: &str,
    client_id: &str,
) -> Result<String, Error> {
    let mut pairs = alloc::vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", client_id),
    ];
    if let Some(secret) = config.str_at("clientSecret") {
        pairs.push(("client_secret", secret));
    }
    Ok(form_request(
        &endpoint(b, config, insecure, "token")?,
        &form(&pairs),
    ))
}

fn text_of(config: &Value, key: &'static str, what: &str) -> Result<String, Error> {
    config.str_at(key).map(String::from).ok_or_else(|| {
        let mut m = String::from(what);
        m.push_str(" is required.");
        Error::input(Code::INVALID_REQUEST, key, &m)
    })
}

/// `oauth_start`.
pub fn start(config: &Value) -> String {
    match begin(config) {
        Ok((doc, action)) => out(Some(&doc), &action),
        Err(e) => out(None, &failed(&e)),
    }
}

fn begin(config: &Value) -> Result<(Value, String), Error> {
    let (b, base_url, insecure) = target(config)?;
    let authorize = endpoint(&b, config, insecure, "authorize")?;
    let token_url = endpoint(&b, config, insecure, "token")?;
    let client_id = text_of(config, "clientId", "The OAuth client id")?;
    let redirect = text_of(config, "redirectUri", "The redirect URI")?;
    if redirect.starts_with("http://") || !redirect.bytes().any(|b| b == b':') {
        input::base_url(&redirect, insecure).map_err(|mut e| {
            e.next = crate::error::Next::FixInput("redirectUri");
            e
        })?;
    }
    // Space-separated, from a string or an array of strings.
    let mut scope = String::new();
    let words: &[Value] = match config.get("scope") {
        Some(Value::Arr(items)) => items,
        Some(one @ Value::Str(_)) => core::slice::from_ref(one),
        _ => &[],
    };
    for word in words
        .iter()
        .filter_map(Value::as_str)
        .flat_map(str::split_whitespace)
    {
        if !scope.is_empty() {
            scope.push(' ');
        }
        scope.push_str(word);
    }
    let random = config.str_at("random").and_then(unhex).unwrap_or_default();
    let (Some(v), Some(st)) = (random.get(..32), random.get(32..48)) else {
        return Err(Error::input(
            Code::INVALID_STEP,
            "random",
            "The OAuth flow needs at least 48 random bytes (as hex) from the caller.",
        ));
    };
    let verifier = base64url(v);
    let state = base64url(st);
    let mut url = authorize;
    url.push('?');
    let mut pairs = alloc::vec![
        ("response_type", "code"),
        ("client_id", client_id.as_str()),
        ("redirect_uri", redirect.as_str()),
    ];
    if !scope.is_empty() {
        pairs.push(("scope", scope.as_str()));
    }
    let ch = challenge(&verifier);
    pairs.extend([
        ("state", state.as_str()),
        ("code_challenge", ch.as_str()),
        ("code_challenge_method", "S256"),
    ]);
    url.push_str(&form(&pairs));
    let doc = obj(alloc::vec![
        ("v", Value::Int(1)),
        ("kind", s("oauth")),
        ("provider", s(b.name())),
        ("spec", custom_spec(config)),
        ("baseUrl", s(&base_url)),
        ("tokenUrl", s(&token_url)),
        ("clientId", s(&client_id)),
        ("redirectUri", s(&redirect)),
        (
            "scope",
            opt_s(Some(scope.as_str()).filter(|x| !x.is_empty()))
        ),
        ("state", s(&state)),
        ("codeVerifier", s(&verifier)),
        ("phase", s("authorizing")),
        ("allowInsecure", flag(insecure)),
    ]);
    let action = act("authorize").str("url", &url).str("state", &state).end();
    Ok((doc, action))
}

/// `event` / `validate` of a saved OAuth flow.
pub fn step(op: &str, state: &Value, event: &Value, now: i64) -> String {
    let doc = match unseal(state, "oauth") {
        Ok(d) => d,
        Err(e) => return out(None, &failed(&e)),
    };
    if op == "validate" {
        return out(Some(&doc), &act("ready").end());
    }
    let phase = doc.str_at("phase").unwrap_or("");
    let (next_phase, action) = match handle(&doc, phase, event, now) {
        Ok(x) => x,
        Err((p, e)) => (p, failed(&e)),
    };
    let mut doc = doc;
    if let Value::Obj(m) = &mut doc {
        for (k, v) in m.iter_mut() {
            if k == "phase" {
                *v = s(next_phase);
            }
        }
    }
    out(Some(&doc), &action)
}

type Stepped = Result<(&'static str, String), (&'static str, Error)>;

fn handle(doc: &Value, phase: &str, event: &Value, now: i64) -> Stepped {
    let field = |k: &str| doc.str_at(k).unwrap_or("");
    match (event.str_at("type").unwrap_or(""), phase) {
        ("callback", "authorizing") => {
            let params = query(event.str_at("url").unwrap_or(""));
            // From the URL, else from a `params` object.
            let param = |k: &str| match event.get("params") {
                Some(p) if event.str_at("url").is_none() => p.get(k).and_then(Value::as_str),
                _ => params
                    .iter()
                    .find(|(name, _)| name == k)
                    .map(|(_, v)| v.as_str()),
            };
            // The state first: an answer that is not ours is not read any further.
            if !param("state").is_some_and(|st| same(st, field("state"))) {
                return Err((
                    "authorizing",
                    Error::local(
                        Code::STATE_MISMATCH,
                        &["The state returned by the authorization server does not match the one sent; nothing was exchanged."],
                    ),
                ));
            }
            if let Some(name) = param("error") {
                return Err((
                    "authorizing",
                    oauth_error(name, param("error_description"), 0),
                ));
            }
            let Some(code) = param("code").filter(|c| !c.is_empty()) else {
                return Err((
                    "authorizing",
                    Error::input(
                        Code::INVALID_REQUEST,
                        "code",
                        "The callback carried no authorization code.",
                    ),
                ));
            };
            let mut pairs = alloc::vec![
                ("grant_type", "authorization_code"),
                ("code", code),
                ("client_id", field("clientId")),
                ("redirect_uri", field("redirectUri")),
                ("code_verifier", field("codeVerifier")),
            ];
            if let Some(secret) = event.str_at("clientSecret") {
                pairs.push(("client_secret", secret));
            }
            let insecure = doc.get("allowInsecure") == Some(&Value::Bool(true));
            let url =
                input::endpoint_url(field("tokenUrl"), insecure).map_err(|e| ("authorizing", e))?;
            Ok(("exchanging", form_request(&url, &form(&pairs))))
        }
        ("response", "exchanging") => {
            let r = Response::from_value(event);
            let mut tokens = token_answer(&r, now).map_err(|e| ("authorizing", e))?;
            if let Value::Obj(m) = &mut tokens {
                for k in ["provider", "baseUrl", "clientId"] {
                    m.push((String::from(k), s(field(k))));
                }
                m.push((String::from("kind"), s("oauth")));
            }
            Ok(("done", act("done").value("credential", &tokens).end()))
        }
        ("transport_error", "exchanging") => Err((
            "authorizing",
            transport_error(event.str_at("kind").unwrap_or("network")),
        )),
        _ => {
            let e = Error::wrong_step(phase);
            let p = PHASES
                .iter()
                .find(|p| **p == phase)
                .copied()
                .unwrap_or("authorizing");
            Err((p, e))
        }
    }
}

const PHASES: &[&str] = &["authorizing", "exchanging", "done"];

//! One-shot session operations for token backends: refresh, revoke (logout),
//! check (who am I) and the answer of an authenticated `call`; a TOTP code; what
//! an API token's prefix says. None keeps a flow: each op answers one action.
//!
//! - `session_request` `{config}` → a `send` action; `session_response`
//!   `{config, event}` → `done` (`session` for a refresh, `identity` for a check,
//!   `data` for a `call`, `revoked` for a revoke) or `error`. `config`: `{provider |
//!   spec, baseUrl?, authUrl?, tokenUrl?, allowInsecure?, operation: refresh |
//!   revoke | check | call, accessToken?, refreshToken?, apiKey?, clientId?,
//!   clientSecret?}`. A refresh with a `clientId` is the OAuth2 `refresh_token`
//!   grant, sent to `tokenUrl` (which OAuth and device credentials carry), else to
//!   the provider's `oauth.token`, else to its `device.tokenEndpoint`.
//! - `totp` `{secret, now}` → `done` with `code` and `expiresAt`.
//! - `api_token` `{config: {provider, token}}` → `done` with `env` (`live` / `test` / absent).

use super::oauth2::{form, token_answer};
use super::{json_request, locate, oauth, Head, Target};
use crate::action::{Done, Request};
use crate::backend::{self, Backend};
use crate::error::{Code, Error, Next};
use crate::json::{s, Value};
use crate::response::Response;
use crate::secret::Secret;
use crate::{input, totp};
use alloc::string::String;

/// A session operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// New tokens for the refresh token.
    Refresh,
    /// End the session.
    Revoke,
    /// Who the access token (or API key) belongs to.
    Check,
    /// The answer of an authenticated call the caller made itself.
    Call,
}

/// A session op's config, decoded at the protocol edge.
#[derive(Clone, Debug)]
pub struct Config<'a> {
    /// The backend and base URL.
    pub target: Target<'a>,
    /// The OAuth2 authorization server's base URL (a refresh grant without `token_url`).
    pub auth_url: Option<&'a str>,
    /// The operation, if it names a known one.
    pub operation: Option<Operation>,
    /// The session's access token.
    pub access_token: Option<&'a str>,
    /// Its refresh token.
    pub refresh_token: Option<&'a str>,
    /// An API key (a check may use it instead of an access token).
    pub api_key: Option<&'a str>,
    /// The OAuth2 client of a session from an OAuth or device flow.
    pub client_id: Option<&'a str>,
    /// A confidential client's secret.
    pub client_secret: Option<&'a str>,
    /// Where the OAuth2 refresh grant goes (from the credential).
    pub token_url: Option<&'a str>,
}

impl<'a> Config<'a> {
    /// Decodes a step input's `config`.
    pub fn from_value(v: &'a Value) -> Config<'a> {
        Config {
            target: Target::from_value(v),
            auth_url: v.str_at("authUrl"),
            operation: match v.str_at("operation").unwrap_or("") {
                "refresh" => Some(Operation::Refresh),
                "revoke" => Some(Operation::Revoke),
                "check" => Some(Operation::Check),
                "call" => Some(Operation::Call),
                _ => None,
            },
            access_token: v.str_at("accessToken"),
            refresh_token: v.str_at("refreshToken"),
            api_key: v.str_at("apiKey"),
            client_id: v.str_at("clientId"),
            client_secret: v.str_at("clientSecret"),
            token_url: v.str_at("tokenUrl"),
        }
    }
}

fn no_session(message: &str) -> Error {
    Error::local(Code::UNAUTHENTICATED, &[message]).with_next(Next::SignInAgain)
}

fn bad_operation(with_call: bool) -> Error {
    Error::input(
        Code::INVALID_STEP,
        "operation",
        if with_call {
            "The operation must be refresh, revoke, check or call."
        } else {
            "The operation must be refresh, revoke or check."
        },
    )
}

/// The request of a session operation.
pub fn request(c: &Config<'_>) -> Result<Request, Error> {
    let head = Head::new(&c.target)?;
    let (b, base, insecure) = (&head.backend, &head.base_url, head.insecure);
    let url = |k: &str| -> Result<String, Error> {
        let path = b.route(k).ok_or_else(|| {
            let mut m = String::from("This provider has no ");
            m.push_str(k);
            m.push_str(" route.");
            Error::input(Code::INVALID_STEP, "operation", &m)
        })?;
        let mut u = base.clone();
        u.push_str(path);
        Ok(u)
    };
    let bearer = c.access_token.or(c.api_key);
    match c.operation {
        Some(Operation::Refresh) => {
            let rt = c
                .refresh_token
                .ok_or_else(|| no_session("No refresh token: sign in again."))?;
            if let Some(client) = c.client_id {
                let mut pairs = alloc::vec![
                    ("grant_type", "refresh_token"),
                    ("refresh_token", rt),
                    ("client_id", client),
                ];
                if let Some(secret) = c.client_secret {
                    pairs.push(("client_secret", secret));
                }
                return Ok(Request::form(
                    token_endpoint(b, c, base, insecure)?,
                    form(&pairs),
                ));
            }
            let body = one(b.field("refreshToken"), rt);
            Ok(json_request("POST", url("refresh")?, None, Some(body)))
        }
        Some(Operation::Revoke) => {
            let at = bearer.ok_or_else(|| no_session("No access token: nothing to revoke."))?;
            let body = match (b.text("session.fields", "revoke"), c.refresh_token) {
                (Some(f), Some(rt)) => Some(one(f, rt)),
                _ => None,
            };
            Ok(json_request("POST", url("revoke")?, Some(at), body))
        }
        Some(Operation::Check) => {
            let at =
                bearer.ok_or_else(|| no_session("No access token or API key: sign in first."))?;
            Ok(json_request("GET", url("check")?, Some(at), None))
        }
        _ => Err(bad_operation(false)),
    }
}

/// Where an OAuth2 refresh grant goes: the credential's `tokenUrl`, else the provider's
/// `oauth.token`, else its `device.tokenEndpoint` (a route of the base URL or a URL).
fn token_endpoint(
    b: &Backend,
    c: &Config<'_>,
    base: &str,
    insecure: bool,
) -> Result<String, Error> {
    if let Some(url) = c.token_url {
        return input::endpoint_url(url, insecure);
    }
    match (b.oauth("token"), b.text("device", "tokenEndpoint")) {
        (None, Some(token)) => locate(base, token, insecure),
        _ => oauth::endpoint(b, c.auth_url, insecure, "token"),
    }
}

/// What a session operation's answer means.
pub fn response(c: &Config<'_>, r: Result<Response, Error>, now: i64) -> Result<Done, Error> {
    let r = r?;
    let b = backend::resolve(c.target.provider, c.target.spec)?;
    match c.operation {
        Some(Operation::Refresh) => {
            let mut cred = if c.client_id.is_some() {
                token_answer(&r, now)?
            } else {
                b.tokens(&b.classify("refresh", &r)?, now, r.status)?
            };
            // A backend that does not rotate keeps the refresh token it had.
            if cred.refresh_token.is_none() {
                cred.refresh_token = c.refresh_token.map(Secret::new);
            }
            Ok(Done::Session(cred))
        }
        Some(Operation::Revoke) => match b.classify("revoke", &r) {
            Ok(_) => Ok(Done::Revoked { already: false }),
            // Already revoked (or never valid): the token is unusable either way.
            Err(e) if e.code == Code::INVALID_TOKEN => Ok(Done::Revoked { already: true }),
            Err(e) => Err(e),
        },
        Some(Operation::Check) => Ok(Done::Identity(b.classify("check", &r)?)),
        Some(Operation::Call) => Ok(Done::Data(b.classify("call", &r)?)),
        None => Err(bad_operation(true)),
    }
}

/// The TOTP code of a base32 `secret` at `now`, and when it stops being valid.
pub fn totp_code(secret: &str, now: i64) -> Result<Done, Error> {
    Ok(Done::Totp {
        code: totp::totp(secret, now)?,
        expires_at: totp::valid_until(now),
    })
}

/// What an API token's prefix says (`{provider, token}`), and the token masked.
pub fn api_token(config: &Value) -> Result<Done, Error> {
    let t = Target::from_value(config);
    let b = backend::resolve(t.provider, t.spec)?;
    let token = config.str_at("token").unwrap_or("");
    Ok(Done::ApiToken {
        env: b.api_token_env(token).map(String::from),
        masked: crate::secret::mask(token),
    })
}

/// A one-member JSON object `{k: v}` as text.
fn one(k: &str, v: &str) -> String {
    crate::json::obj(alloc::vec![(k, s(v))]).to_json()
}

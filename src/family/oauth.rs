//! OAuth2 authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636 S256).
//!
//! `oauth_start` `{config: {provider | spec, authUrl?, clientId, redirectUri,
//! scope, random}}` builds the authorize URL. `random` is at least 48
//! caller-drawn random bytes as hex (the core never draws randomness): the first
//! 32 make the code verifier, the next 16 the `state`. The answer is an
//! `authorize` action `{url, state}` and the saved flow.
//!
//! [`Event::Callback`] checks `state` before anything else (`STATE_MISMATCH`,
//! nothing sent), then the authorization server's own error, then sends the
//! form-encoded code exchange; its `response` ends in `done` with a session
//! credential (which carries `tokenUrl`, where its refresh grant goes).
//! Token-endpoint errors follow RFC 6749 §5.2.
//!
//! The saved document: `{v, kind: "oauth", provider, spec?, baseUrl, tokenUrl,
//! clientId, redirectUri, scope?, state, codeVerifier, phase, allowInsecure?, check}`.

use super::oauth2::{challenge, error, form, same, token_answer};
use super::{locate, need, verify, Event, Head, Target};
use crate::action::{Action, Done, Request};
use crate::backend::Backend;
use crate::crypto::{base64url, unhex};
use crate::error::{Code, Error, Next};
use crate::input;
use crate::json::{s, Value, Writer};
use crate::response::transport_error;
use crate::secret::Secret;
use alloc::string::String;

/// Where an OAuth2 flow is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum State {
    /// The user is at the authorize URL: waits for the callback.
    Authorizing,
    /// The code exchange is out: feed its answer back.
    Exchanging,
    /// Signed in.
    Done,
}

impl State {
    /// The state's name in the saved document (`phase`).
    pub fn name(self) -> &'static str {
        match self {
            State::Authorizing => "authorizing",
            State::Exchanging => "exchanging",
            State::Done => "done",
        }
    }
}

/// An OAuth2 code + PKCE flow: what the authorize URL committed to, and where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct OAuth {
    head: Head,
    token_url: String,
    client_id: String,
    redirect_uri: String,
    scope: Option<String>,
    /// The `state` parameter the callback must carry.
    nonce: String,
    /// The PKCE code verifier (masked in `Debug`).
    verifier: Secret,
    state: State,
}

/// An OAuth2 flow's start config.
#[derive(Clone, Debug, Default)]
pub struct Config<'a> {
    /// The backend and API base URL.
    pub target: Target<'a>,
    /// The authorization server's base URL; default the provider's `authUrl`.
    pub auth_url: Option<&'a str>,
    /// The OAuth client id (required).
    pub client_id: Option<&'a str>,
    /// Where the authorization server redirects (required).
    pub redirect_uri: Option<&'a str>,
    /// The scope: a string of space-separated words, or an array of such strings.
    pub scope: Option<&'a Value>,
    /// At least 48 caller-drawn random bytes as hex (required).
    pub random: Option<&'a str>,
}

impl<'a> Config<'a> {
    /// Reads `{provider | spec, authUrl?, clientId, redirectUri, scope (a string or an array
    /// of strings), random, baseUrl?, allowInsecure?}`.
    pub fn from_value(v: &'a Value) -> Config<'a> {
        Config {
            target: Target::from_value(v),
            auth_url: v.str_at("authUrl"),
            client_id: v.str_at("clientId"),
            redirect_uri: v.str_at("redirectUri"),
            scope: v.get("scope"),
            random: v.str_at("random"),
        }
    }
}

/// The authorization server's base URL (`auth_url`, else the provider's `authUrl`, else its
/// base URL) and the path of `key` (`authorize`, `token`).
pub fn endpoint(
    b: &Backend,
    auth_url: Option<&str>,
    insecure: bool,
    key: &str,
) -> Result<String, Error> {
    let path = b.oauth(key).ok_or_else(|| {
        Error::input(
            Code::INVALID_PROVIDER,
            "provider",
            "This provider has no OAuth2 endpoints.",
        )
    })?;
    let base = input::base_url(auth_url.unwrap_or(b.auth_url()), insecure)?;
    locate(&base, path, insecure)
}

fn required<'a>(v: Option<&'a str>, key: &'static str, what: &str) -> Result<&'a str, Error> {
    v.ok_or_else(|| {
        let mut m = String::from(what);
        m.push_str(" is required.");
        Error::input(Code::INVALID_REQUEST, key, &m)
    })
}

impl OAuth {
    /// `oauth_start`: the flow, and the `authorize` action with its URL.
    pub fn start(config: &Config<'_>) -> Result<(OAuth, Action), Error> {
        let head = Head::new(&config.target)?;
        let b = &head.backend;
        let authorize = endpoint(b, config.auth_url, head.insecure, "authorize")?;
        let token_url = endpoint(b, config.auth_url, head.insecure, "token")?;
        let client_id = required(config.client_id, "clientId", "The OAuth client id")?;
        let redirect = required(config.redirect_uri, "redirectUri", "The redirect URI")?;
        if redirect.starts_with("http://") || !redirect.bytes().any(|b| b == b':') {
            input::base_url(redirect, head.insecure)
                .map_err(|e| e.with_next(Next::FixInput("redirectUri")))?;
        }
        // Space-separated, from a string or an array of strings.
        let mut scope = String::new();
        let words: &[Value] = match config.scope {
            Some(Value::Arr(items)) => items,
            Some(one @ Value::Str(_)) => core::slice::from_ref(one),
            _ => &[],
        };
        for text in words.iter().filter_map(Value::as_str) {
            // Each run of non-space bytes is a word (an ASCII space never sits inside a UTF-8
            // sequence, so the runs are whole characters); a loop, not an iterator chain.
            let bytes = text.as_bytes();
            let space = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_whitespace);
            let mut i = 0;
            while i < bytes.len() {
                if space(i) {
                    i += 1;
                    continue;
                }
                let start = i;
                while i < bytes.len() && !space(i) {
                    i += 1;
                }
                if !scope.is_empty() {
                    scope.push(' ');
                }
                scope.push_str(text.get(start..i).unwrap_or(""));
            }
        }
        let random = config.random.and_then(unhex).unwrap_or_default();
        let (Some(v), Some(st)) = (random.get(..32), random.get(32..48)) else {
            return Err(Error::input(
                Code::INVALID_STEP,
                "random",
                "The OAuth flow needs at least 48 random bytes (as hex) from the caller.",
            ));
        };
        let flow = OAuth {
            token_url,
            client_id: String::from(client_id),
            redirect_uri: String::from(redirect),
            scope: Some(scope).filter(|x| !x.is_empty()),
            nonce: base64url(st),
            verifier: Secret::new(&base64url(v)),
            state: State::Authorizing,
            head,
        };
        let mut pairs = alloc::vec![
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", redirect),
        ];
        if let Some(scope) = &flow.scope {
            pairs.push(("scope", scope));
        }
        let ch = challenge(flow.verifier.expose());
        pairs.extend([
            ("state", flow.nonce.as_str()),
            ("code_challenge", ch.as_str()),
            ("code_challenge_method", "S256"),
        ]);
        let mut url = authorize;
        url.push('?');
        url.push_str(&form(&pairs));
        let action = Action::Authorize {
            url,
            state: flow.nonce.clone(),
        };
        Ok((flow, action))
    }

    /// Where the flow is.
    pub fn state(&self) -> State {
        self.state
    }

    /// Writes the saved document (see the module docs) without its check.
    pub fn write(&self, w: &mut Writer) {
        self.head.open(w, "oauth");
        w.str("tokenUrl", &self.token_url)
            .str("clientId", &self.client_id)
            .str("redirectUri", &self.redirect_uri)
            .opt_str("scope", self.scope.as_deref())
            .str("state", &self.nonce)
            .str("codeVerifier", self.verifier.expose())
            .str("phase", self.state.name());
        self.head.close(w);
    }

    /// A saved OAuth2 flow, its check verified.
    pub fn resume(saved: &Value) -> Result<OAuth, Error> {
        let head = Head::resume(saved, "oauth")?;
        let doc = saved;
        let text = |k: &str| need(doc, k).map(String::from);
        let flow = OAuth {
            token_url: input::endpoint_url(need(doc, "tokenUrl")?, head.insecure)
                .map_err(|_| crate::saved::bad_field("tokenUrl"))?,
            client_id: text("clientId")?,
            redirect_uri: text("redirectUri")?,
            scope: doc.str_at("scope").map(String::from),
            nonce: text("state")?,
            verifier: Secret::new(need(doc, "codeVerifier")?),
            state: match need(doc, "phase")? {
                "authorizing" => State::Authorizing,
                "exchanging" => State::Exchanging,
                "done" => State::Done,
                _ => return Err(crate::saved::bad_field("phase")),
            },
            head,
        };
        verify(flow, saved, "oauth", OAuth::write)
    }

    /// Handles one event at `now` (Unix seconds).
    pub fn handle(&mut self, event: Event<'_>, now: i64) -> Action {
        let result = match (event, self.state) {
            (
                Event::Callback {
                    params,
                    client_secret,
                },
                State::Authorizing,
            ) => self.callback(&params, client_secret),
            (Event::Response(r), State::Exchanging) => {
                self.state = State::Authorizing;
                token_answer(&r, now).map(|mut cred| {
                    for (k, v) in [
                        ("provider", self.head.backend.name()),
                        ("baseUrl", &self.head.base_url),
                        ("clientId", &self.client_id),
                        ("tokenUrl", &self.token_url),
                        ("kind", "oauth"),
                    ] {
                        cred.set(k, s(v));
                    }
                    self.state = State::Done;
                    Action::Done(Done::Credential(cred))
                })
            }
            (Event::TransportError(kind), State::Exchanging) => {
                self.state = State::Authorizing;
                Err(transport_error(kind))
            }
            (_, state) => Err(Error::wrong_step(state.name())),
        };
        result.unwrap_or_else(Action::Failed)
    }

    fn callback(
        &mut self,
        params: &[(String, String)],
        secret: Option<&str>,
    ) -> Result<Action, Error> {
        let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        // The state first: an answer that is not ours is not read any further.
        if !param("state").is_some_and(|st| same(st, &self.nonce)) {
            return Err(Error::local(
                Code::STATE_MISMATCH,
                &["The state returned by the authorization server does not match the one sent; nothing was exchanged."],
            ));
        }
        if let Some(name) = param("error") {
            return Err(error(name, param("error_description"), 0));
        }
        let Some(code) = param("code").filter(|c| !c.is_empty()) else {
            return Err(Error::input(
                Code::INVALID_REQUEST,
                "code",
                "The callback carried no authorization code.",
            ));
        };
        let mut pairs = alloc::vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("code_verifier", self.verifier.expose()),
        ];
        if let Some(secret) = secret {
            pairs.push(("client_secret", secret));
        }
        self.state = State::Exchanging;
        Ok(Action::Send(Request::form(
            self.token_url.clone(),
            form(&pairs),
        )))
    }
}

//! What a minted email-code credential does next: who it belongs to (whoami)
//! and, for a session credential, its refresh. One request builder for both, the
//! spec's route, method and credential header deciding the rest.

use crate::action::{Credential, Request};
use crate::error::{Code, Error, Next};
use crate::json::{s, Value};
use crate::provider::{self, Spec};
use crate::response::{bad, classify, Response};
use crate::secret::Secret;
use crate::time::format_rfc3339;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

/// A credential and its backend: `{provider | spec, baseUrl?, apiKey, allowInsecure?}`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct KeyConfig<'a> {
    /// A preset's name, unless `spec` is given.
    pub provider: Option<&'a str>,
    /// A custom provider spec document.
    pub spec: Option<&'a Value>,
    /// The backend's base URL (the spec's own when absent).
    pub base_url: Option<&'a str>,
    /// The key (or a session credential's access token).
    pub api_key: Option<&'a str>,
    /// Allow plain http:// to hosts other than loopback.
    pub allow_insecure: bool,
}

impl<'a> KeyConfig<'a> {
    /// Reads the JSON config of the `whoami` and `token_refresh` ops.
    pub fn from_value(v: &'a Value) -> KeyConfig<'a> {
        KeyConfig {
            provider: v.str_at("provider"),
            spec: v.get("spec").filter(|v| !v.is_null()),
            base_url: v.str_at("baseUrl"),
            api_key: v.str_at("apiKey"),
            allow_insecure: v.get("allowInsecure") == Some(&Value::Bool(true)),
        }
    }

    fn spec(&self) -> Result<Rc<Spec>, Error> {
        provider::resolve(self.provider, self.spec)
            .map_err(|e| Error::input(Code::INVALID_PROVIDER, "provider", &e.message()))
    }
}

/// Which request of the credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOp {
    /// Who the credential belongs to.
    Whoami,
    /// A session credential's refresh.
    Refresh,
}

/// The whoami or refresh request: the spec's route, method and how the token is sent.
pub fn request(config: &KeyConfig<'_>, op: KeyOp) -> Result<Request, Error> {
    let spec = config.spec()?;
    let base = crate::input::base_url(&spec.base_url_for(config.base_url), config.allow_insecure)?;
    let route = match op {
        KeyOp::Refresh => spec
            .refresh
            .as_ref()
            .map(|r| (r.path.as_str(), r.method, &r.auth, r.body.as_deref())),
        KeyOp::Whoami => spec
            .whoami
            .as_deref()
            .map(|p| (p, spec.whoami_method, &spec.whoami_auth, None)),
    };
    let (path, method, auth, body_field) = route.ok_or_else(|| match op {
        KeyOp::Refresh => Error::input(
            Code::INVALID_STEP,
            "refresh",
            "This provider has no refresh route.",
        ),
        KeyOp::Whoami => Error::input(
            Code::INVALID_STEP,
            "whoami",
            "This provider has no whoami route.",
        ),
    })?;
    let key = config.api_key.ok_or_else(|| {
        Error::new(Code::UNAUTHENTICATED, "No API key: sign in first.").with_next(Next::SignInAgain)
    })?;
    // A masked key (a Secret printed, or a Secret of another copy of the package
    // stringified) would otherwise go out as the bearer and fail as a network error.
    // (U+2022 '•' as its UTF-8 bytes: a byte window, not a `char` pattern search.)
    if key.as_bytes().windows(3).any(|w| w == [0xe2, 0x80, 0xa2]) {
        return Err(Error::input(
            Code::INVALID_ARGUMENT,
            "apiKey",
            "This is the masked form of a key, shown for display only: pass the Secret itself or its reveal().",
        ));
    }
    let mut url = base.clone();
    url.push_str(path);
    let mut extra = provider::spec_headers(&spec, &base);
    let mut body = None;
    match body_field {
        Some(field) => {
            body = Some(Value::Obj(alloc::vec![(String::from(field), s(key))]).to_json())
        }
        None => extra.push(provider::auth_header(auth, key)),
    }
    let post = method == "POST";
    // A POST always carries a JSON body (`{}` when the key goes in a header).
    let mut r = match (post, body) {
        (true, body) => Request::json(
            "POST",
            url,
            Some(body.unwrap_or_else(|| String::from("{}"))),
        ),
        (false, body) => Request {
            body,
            ..Request::json("GET", url, None)
        },
    };
    r.extra = extra;
    Ok(r)
}

/// Who the credential belongs to, from the whoami answer (the spec's `whoami.data` object).
pub fn identity(config: &KeyConfig<'_>, r: &Response) -> Result<Value, Error> {
    let spec = config.spec()?;
    let data = classify(&*spec, "whoami", r)?;
    match spec.whoami_data.as_deref() {
        None => Ok(data),
        Some(p) => data
            .path(p)
            .filter(|v| matches!(v, Value::Obj(_)))
            .cloned()
            .ok_or_else(|| Error::new(Code::BAD_RESPONSE, "The whoami answer had no identity.")),
    }
}

/// The credential a refresh answer carries, read through the spec's `credential`
/// paths: `{apiKey, refreshToken?, kind, expiresAt?, user: {id?, email?}}`.
pub fn refreshed(config: &KeyConfig<'_>, r: &Response) -> Result<Credential, Error> {
    let spec = config.spec()?;
    let data = classify(&*spec, "refresh", r)?;
    let at = |k: &str| {
        spec.credential(k)
            .and_then(|p| data.path(p))
            .and_then(Value::as_text)
    };
    let key = at("apiKey")
        .or_else(|| at("accessToken"))
        .ok_or_else(|| bad("The refresh answer carried no token.", r.status))?;
    let expires = at("expiresAt")
        .map(String::from)
        .or_else(|| crate::token::jwt_exp(key).map(format_rfc3339));
    let mut user = Vec::new();
    for (name, path) in [("id", "userId"), ("email", "email")] {
        if let Some(v) = at(path) {
            user.push((String::from(name), s(v)));
        }
    }
    let mut fields = alloc::vec![(String::from("kind"), s(spec.credential_kind))];
    if let Some(e) = expires {
        fields.push((String::from("expiresAt"), Value::Str(e)));
    }
    fields.push((String::from("user"), Value::Obj(user)));
    Ok(Credential {
        api_key: Secret::new(key),
        session: false,
        refresh_token: at("refreshToken").map(Secret::new),
        fields,
    })
}

//! The device flow's answers: the authorization server metadata (RFC 8414), the
//! device authorization answer (RFC 8628 §3.2), the token answer (§3.5) and the
//! provider's mint answer. Each leaves the flow in the state the answer says.

use super::{wait, Device, Grant, State};
use crate::action::{Action, Credential, DeviceCode, Done};
use crate::error::{Code, Error, Next};
use crate::family::oauth2::{token_answer, token_error};
use crate::input;
use crate::json::{parse, s, Value};
use crate::response::{self, Response};
use crate::secret::Secret;
use alloc::string::String;
use alloc::vec::Vec;

fn ok(r: &Response) -> bool {
    (200..300).contains(&r.status)
}

impl Device {
    /// The authorization server metadata (RFC 8414 §3.2): its `device_authorization_endpoint`
    /// and `token_endpoint`, absolute URLs that must pass the core's URL rule.
    pub(super) fn discovered(&mut self, r: &Response) -> Result<(), Error> {
        if !ok(r) {
            return Err(response::error(
                response::status_code(r.status),
                "The authorization server metadata could not be read.",
                r.status,
            ));
        }
        let d = parse(&r.body).unwrap_or(Value::Null);
        let (Some(device), Some(token)) = (
            d.str_at("device_authorization_endpoint"),
            d.str_at("token_endpoint"),
        ) else {
            return Err(response::bad(
                "The authorization server metadata names no device_authorization_endpoint or token_endpoint.",
                r.status,
            ));
        };
        let insecure = self.head.insecure;
        self.endpoints = Some((
            input::endpoint_url(device, insecure)?,
            input::endpoint_url(token, insecure)?,
        ));
        Ok(())
    }

    /// The device authorization answer (§3.2).
    pub(super) fn code_answer(&mut self, r: &Response, now: i64) -> Result<Action, Error> {
        if let Some(e) = token_error(r) {
            return Err(e);
        }
        let d = parse(&r.body).unwrap_or(Value::Null);
        let text = |k: &str| d.str_at(k).filter(|v| !v.is_empty());
        let uri = text("verification_uri").or_else(|| text("verification_url"));
        let (Some(device), Some(user), Some(uri)) = (text("device_code"), text("user_code"), uri)
        else {
            return Err(response::bad(
                "The device authorization answer lacks device_code, user_code or verification_uri.",
                r.status,
            ));
        };
        let insecure = self.head.insecure;
        // RFC 8628 §3.2: the interval defaults to 5 s; a lifetime is required (30 min if absent).
        let interval = d.int_at("interval").unwrap_or(5).clamp(1, 3600);
        let life = d.int_at("expires_in").unwrap_or(1800).clamp(1, 86_400);
        let code = DeviceCode {
            user_code: String::from(user),
            verification_uri: input::endpoint_url(uri, insecure)?,
            verification_uri_complete: text("verification_uri_complete")
                .and_then(|u| input::endpoint_url(u, insecure).ok()),
            expires_at: now + life,
            interval,
            next_poll_at: now + interval,
        };
        let action = Action::DeviceCode(code.clone());
        self.state = State::Pending(Grant {
            device_code: Secret::new(device),
            code,
        });
        Ok(action)
    }

    /// The token answer (§3.5), its body read once.
    pub(super) fn token(&mut self, mut g: Grant, r: &Response, now: i64) -> Result<Action, Error> {
        if let Some(mut e) = token_error(r) {
            let interval = g.code.interval;
            match e.provider_code.as_deref() {
                Some("authorization_pending") => {
                    g.code.next_poll_at = now + interval;
                    return Ok(self.keep_polling(g, now, "authorization_pending"));
                }
                Some("slow_down") => {
                    g.code.interval = interval + 5;
                    g.code.next_poll_at = now + interval + 5;
                    return Ok(self.keep_polling(g, now, "slow_down"));
                }
                Some("expired_token") => {
                    let mut x = self.expired();
                    x.local = false;
                    x.status = Some(r.status);
                    x.provider_code = e.provider_code;
                    return Err(x);
                }
                _ => {}
            }
            self.state = match e.code {
                Code::ACCESS_DENIED => {
                    e.message = String::from("The sign-in was denied in the browser.");
                    State::Denied
                }
                Code::INVALID_GRANT | Code::INVALID_CLIENT => State::Ready,
                _ => State::Pending(g),
            };
            return Err(e);
        }
        let mut cred = match token_answer(r, now) {
            Ok(c) => c,
            Err(e) => {
                self.state = State::Pending(g);
                return Err(e);
            }
        };
        let b = &self.head.backend;
        if b.doc().path("device.mint") == Some(&Value::Bool(true)) {
            let access = cred.api_key;
            let mut body = Vec::new();
            if let Some(Value::Obj(m)) = b.doc().path("mint.body") {
                let opt = |k: &str| self.options.iter().find(|(n, _)| n == k).map(|(_, v)| v);
                for (wire, src) in m {
                    let v = match src.as_str().unwrap_or("") {
                        "keyExpiresInSeconds" => opt("keyExpiresInDays")
                            .and_then(Value::as_i64)
                            .map(|d| Value::Int(d * 86_400)),
                        other => opt(other).cloned(),
                    };
                    if let Some(v) = v {
                        body.push((wire.clone(), v));
                    }
                }
            }
            let url = self.head.url(b.text("mint", "path").unwrap_or(""));
            let req = crate::action::Request::json("POST", url, Some(Value::Obj(body).to_json()));
            let action = self.post(req, Some(access.expose()));
            self.state = State::Minting(access);
            return Ok(action);
        }
        let token_url = self.endpoints.as_ref().map_or("", |(_, t)| t.as_str());
        for (k, v) in [
            ("provider", b.name()),
            ("baseUrl", &self.head.base_url),
            ("clientId", &self.client_id),
            ("tokenUrl", token_url),
            ("kind", "device"),
        ] {
            cred.set(k, s(v));
        }
        self.state = State::Done;
        Ok(Action::Done(Done::Credential(cred)))
    }

    fn keep_polling(&mut self, g: Grant, now: i64, reason: &'static str) -> Action {
        let action = wait(&g, now, reason);
        self.state = State::Pending(g);
        action
    }

    /// The mint answer: the key, named by the provider's `credential` map.
    pub(super) fn minted(&mut self, r: &Response) -> Result<Action, Error> {
        let b = &self.head.backend;
        let data = b.classify("mint", r).map_err(|mut e| {
            e.maybe_minted = ok(r);
            e.with_next(Next::SignInAgain)
        })?;
        let mut key = None;
        let mut fields = Vec::new();
        if let Some(Value::Obj(m)) = b.doc().get("credential") {
            for (name, path) in m {
                let Some(v) = path
                    .as_str()
                    .and_then(|p| data.path(p))
                    .filter(|v| !v.is_null())
                else {
                    continue;
                };
                match (name.as_str(), v.as_str()) {
                    ("apiKey", Some(k)) => key = Some(Secret::new(k)),
                    _ => fields.push((name.clone(), v.clone())),
                }
            }
        }
        let Some(api_key) = key else {
            let mut e = response::bad("The mint answer carried no key.", r.status);
            e.maybe_minted = true;
            return Err(e);
        };
        let mut cred = Credential {
            api_key,
            session: false,
            refresh_token: None,
            fields,
        };
        cred.set("provider", s(b.name()));
        cred.set("baseUrl", s(&self.head.base_url));
        self.state = State::Done;
        Ok(Action::Done(Done::Credential(cred)))
    }
}

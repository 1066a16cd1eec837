//! A complete's (or mint's) successful answer: the mint it leads to, or the
//! credential it carries.

use super::{Flow, State};
use crate::action::{Action, Credential, Done};
use crate::error::{Code, Error};
use crate::json::{obj, opt_s, s, Value};
use crate::response::{classify, Response};
use crate::secret::Secret;
use crate::time::{format_rfc3339, parse_rfc3339};
use crate::token::jwt_exp;
use alloc::string::String;
use alloc::vec::Vec;

impl Flow {
    pub(super) fn on_completed(&mut self, r: &Response, now: i64) -> Result<Action, Error> {
        let minting = matches!(self.state, State::Minting { .. });
        let data = match classify(&*self.spec, if minting { "mint" } else { "complete" }, r) {
            Ok(data) => data,
            Err(mut e) if minting => {
                e.maybe_minted = (200..300).contains(&r.status);
                return Err(self.mint_failed(e));
            }
            Err(mut e) => {
                if e.code == Code::BAD_RESPONSE && (200..300).contains(&r.status) {
                    // A 2xx we cannot read may still have minted a key.
                    e.maybe_minted = true;
                    self.maybe_minted = true;
                }
                return Err(self.complete_failed(e, now));
            }
        };
        if !minting && self.spec.mint.is_some() {
            return self.start_mint(&data, r, now);
        }
        let signed_in = match &self.state {
            State::Minting { signed_in, .. } => Some(signed_in),
            _ => None,
        };
        // After a mint, what its answer lacks comes from the complete answer.
        let at = |key: &str| {
            self.spec
                .credential(key)
                .and_then(|p| data.path(p))
                .filter(|v| !v.is_null())
                .or_else(|| signed_in.and_then(|d| d.get(key)))
        };
        let session = self.spec.credential("apiKey").is_none();
        let key_name = if session { "accessToken" } else { "apiKey" };
        let Some(key) = at(key_name).and_then(Value::as_text) else {
            let mut e = Error::new(Code::BAD_RESPONSE, "The answer carried no key.");
            e.status = Some(r.status);
            e.maybe_minted = true;
            self.maybe_minted = true;
            if minting {
                return Err(self.mint_failed(e));
            }
            self.back_to_code_sent();
            return Err(e);
        };
        let mut fields: Vec<(String, Value)> = Vec::new();
        for name in ["keyId", "keyName", "keyPrefix"] {
            fields.push((String::from(name), opt_s(at(name).and_then(Value::as_text))));
        }
        // A token's own `exp` (a JWT) when the answer names no expiry.
        let expires = at("expiresAt")
            .and_then(Value::as_text)
            .map(String::from)
            .or_else(|| jwt_exp(key).map(format_rfc3339));
        fields.push((String::from("expiresAt"), opt_s(expires.as_deref())));
        if self.spec.version > 1 {
            fields.push((String::from("kind"), s(self.spec.credential_kind)));
        }
        fields.push((
            String::from("scopes"),
            at("scopes")
                .filter(|v| v.as_arr().is_some())
                .cloned()
                .unwrap_or(Value::Null),
        ));
        let org = (
            at("organizationId").and_then(Value::as_text),
            at("organizationName").and_then(Value::as_text),
        );
        if org.0.is_some() {
            fields.push((
                String::from("organization"),
                obj(alloc::vec![("id", opt_s(org.0)), ("name", opt_s(org.1))]),
            ));
        }
        let user_id = at("userId").and_then(Value::as_text);
        let email = at("email").and_then(Value::as_text).unwrap_or(&self.email);
        fields.push((
            String::from("user"),
            obj(alloc::vec![("id", opt_s(user_id)), ("email", s(email))]),
        ));
        let created = at("accountCreated")
            .and_then(Value::as_bool)
            .or_else(|| self.created_by_time(&data, now));
        let created = created.or((self.spec.flows.len() > 1).then_some(self.purpose == "signup"));
        fields.push((
            String::from("accountCreated"),
            created.map_or(Value::Null, Value::Bool),
        ));
        for (k, v) in [
            ("provider", s(&self.spec.name)),
            ("baseUrl", s(&self.base_url)),
            ("email", s(&self.email)),
            ("purpose", s(&self.purpose)),
            ("switchedFrom", opt_s(self.switched_from.as_deref())),
        ] {
            fields.push((String::from(k), v));
        }
        let credential = Credential {
            api_key: Secret::new(key),
            session,
            refresh_token: at("refreshToken").and_then(Value::as_text).map(Secret::new),
            fields,
        };
        self.state = State::Done;
        self.limits.attempts = None;
        self.limits.locked_until = None;
        self.maybe_minted = false;
        Ok(Action::Done(Done::Credential(credential)))
    }

    /// The account is new when its creation time (`credential.accountCreatedAt`)
    /// is not before the code was requested: by the server's clock when its
    /// `Date` was readable, else by ours, less 30 s for clock skew.
    fn created_by_time(&self, data: &Value, now: i64) -> Option<bool> {
        let path = self.spec.credential("accountCreatedAt")?;
        let created = data.str_at(path).and_then(parse_rfc3339)?;
        Some(match self.sent_at {
            Some(t) => created >= t,
            None => {
                created
                    >= self
                        .limits
                        .expires_at
                        .map_or(now, |e| e - self.spec.lifetime)
                        - 30
            }
        })
    }

    /// The complete answered a session token: keep it (and what the answer said
    /// about the user) for exactly one request, the mint.
    fn start_mint(&mut self, data: &Value, r: &Response, now: i64) -> Result<Action, Error> {
        let mint = self.spec.mint.clone().ok_or_else(|| self.wrong_step())?;
        let Some(token) = data.path(&mint.token).and_then(Value::as_text) else {
            let mut e = Error::new(
                Code::BAD_RESPONSE,
                "The sign-in answer carried no session token.",
            );
            e.status = Some(r.status);
            return Err(self.mint_failed(e));
        };
        let mut user = Vec::new();
        for (name, path) in &self.spec.credential {
            if matches!(name.as_str(), "apiKey" | "accessToken" | "refreshToken") {
                continue;
            }
            if let Some(v) = data.path(path).filter(|v| !v.is_null()) {
                user.push((name.clone(), v.clone()));
            }
        }
        if let Some(created) = self.created_by_time(data, now) {
            user.push((String::from("accountCreated"), Value::Bool(created)));
        }
        let req = self.mint_request(&mint, token);
        self.state = State::Minting {
            token: Secret::new(token),
            signed_in: Value::Obj(user),
        };
        Ok(Action::Send(req))
    }
}

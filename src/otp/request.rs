//! The requests an email-code flow asks the caller to send: request a code,
//! complete with it, mint a key with the session the complete answered.

use super::{valid_nonce, Flow};
use crate::action::Request;
use crate::error::{Code, Error};
use crate::json::{s, Value};
use crate::provider::{auth_header, spec_headers, Mint};
use alloc::string::String;
use alloc::vec::Vec;

impl Flow {
    /// The URL of a route: the step's override when there is one, else base URL + path.
    fn url(&self, path: &str, step_url: Option<&str>) -> String {
        if let Some(u) = step_url {
            return String::from(u);
        }
        let mut u = self.base_url.clone();
        u.push_str(path);
        u
    }

    /// A request body: the email and purpose fields the spec names, then `members`.
    fn body(&self, members: Vec<(String, Value)>) -> String {
        let mut m = alloc::vec![];
        if let Some(f) = self.spec.field_for(&self.purpose, "email") {
            m.push((String::from(f), s(&self.email)));
        }
        if let Some(f) = &self.spec.purpose_field {
            m.push((f.clone(), s(self.spec.purpose_value(&self.purpose))));
        }
        m.extend(members);
        Value::Obj(m).to_json()
    }

    fn post(&self, url: String, body: String, idempotency: Option<String>) -> Request {
        let mut r = Request::json("POST", url, Some(body));
        if let Some(key) = idempotency {
            r.headers.push(("idempotency-key", key));
        }
        r.extra = spec_headers(&self.spec, &self.base_url);
        r
    }

    /// The path of the purpose's request route, or of its complete route.
    fn route(&self, complete: bool) -> Result<&str, Error> {
        let routes = self
            .spec
            .routes(&self.purpose)
            .ok_or_else(|| Error::new(Code::INVALID_PURPOSE, "No route for this purpose."))?;
        Ok(if complete {
            &routes.complete
        } else {
            &routes.request
        })
    }

    /// The code request for the current purpose.
    pub(super) fn request_code_request(&self, step_url: Option<&str>) -> Result<Request, Error> {
        let url = self.url(self.route(false)?, step_url);
        Ok(self.post(url, self.body(Vec::new()), None))
    }

    /// The complete request carrying `code`, the carried values and the options.
    pub(super) fn complete_request(
        &self,
        code: &str,
        step_url: Option<&str>,
    ) -> Result<Request, Error> {
        let url = self.url(self.route(true)?, step_url);
        let mut members = Vec::new();
        if let Some(f) = self.spec.field_for(&self.purpose, "code") {
            members.push((String::from(f), s(code)));
        }
        for c in &self.spec.carry {
            if let (Some(wire), Some((_, v))) = (&c.body, self.carried(&c.name)) {
                members.push((wire.clone(), v.clone()));
            }
        }
        for (k, v) in &self.options {
            if (k == "companyName" || k == "description") && self.purpose != "signup" {
                continue;
            }
            if k == "organizationId" && self.purpose == "signup" {
                continue;
            }
            if let Some(f) = self.spec.field_for(&self.purpose, k) {
                members.push((String::from(f), v.clone()));
            }
        }
        let mut req = self.post(url, self.body(members), Some(self.idempotency_key()));
        for c in &self.spec.carry {
            if let (Some(auth), Some((_, v))) = (&c.header, self.carried(&c.name)) {
                let text = match v {
                    Value::Int(n) => crate::text::int_str(*n),
                    other => String::from(other.as_str().unwrap_or("")),
                };
                let (name, value) = auth_header(auth, &text);
                if name == "authorization" {
                    req.extra.retain(|(k, _)| k != "authorization");
                }
                req.extra.push((name, value));
            }
        }
        Ok(req)
    }

    /// A value carried from the request answer, by name.
    fn carried(&self, name: &str) -> Option<&(String, Value)> {
        self.carried.iter().find(|(n, _)| n == name)
    }

    /// The mint request: the session `token` in the spec's header, the body
    /// members taken from the email and the options.
    pub(super) fn mint_request(&self, mint: &Mint, token: &str) -> Request {
        let mut body = Vec::new();
        for (wire, source) in &mint.body {
            let value = match source.as_str() {
                "email" => Some(s(&self.email)),
                "keyExpiresInSeconds" => self
                    .option("keyExpiresInDays")
                    .and_then(Value::as_i64)
                    .map(|d| Value::Int(d * 86_400)),
                other => self.option(other).cloned(),
            };
            if let Some(v) = value {
                body.push((wire.clone(), v));
            }
        }
        let mut url = self.base_url.clone();
        url.push_str(&mint.path);
        let mut req = self.post(url, Value::Obj(body).to_json(), None);
        req.extra.push(auth_header(&mint.auth, token));
        req
    }

    /// `km-<flowId>-<nonce>`: nothing in it derives from the code or the options
    /// (a hash of them let anyone who saw the header recover the code). The nonce
    /// is saved with the flow, so a re-send of the same submission (the automatic
    /// retry, or the caller submitting the same code again after a lost answer)
    /// carries the same key and the backend replays its answer.
    fn idempotency_key(&self) -> String {
        let mut key = String::from("km-");
        for b in self
            .flow_id
            .bytes()
            .filter(u8::is_ascii_alphanumeric)
            .take(32)
        {
            key.push(char::from(b));
        }
        key.push('-');
        key.push_str(self.nonce.as_deref().unwrap_or(""));
        key
    }

    /// Takes the submission nonce for a complete about to be sent: the saved one
    /// when this is the same submission as the last one sent (`same`), else the
    /// event's (at least 8 caller-drawn random bytes as hex; the core never
    /// draws randomness).
    pub(super) fn take_nonce(&mut self, nonce: Option<&str>, same: bool) -> Result<(), Error> {
        if same && self.nonce.is_some() {
            return Ok(());
        }
        match nonce.filter(|n| valid_nonce(n)) {
            Some(n) => {
                self.nonce = Some(String::from(n));
                Ok(())
            }
            None => Err(Error::input(
                Code::INVALID_STEP,
                "nonce",
                "A code submission needs a nonce: 8 to 32 random bytes as hex, drawn by the caller.",
            )),
        }
    }
}

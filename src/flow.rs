//! The email one-time-code flow as a state machine over plain data.
//!
//! Events go in with `now` (Unix seconds); an [`Action`] comes out: send this
//! request, the code was sent, choose an organization, done with a credential,
//! or failed. The flow never performs IO, so the same transitions run natively,
//! under wasm and under the fuzzer.

use crate::action::{write_time, Action, Credential, Request};
use crate::error::{Code, Error, Next};
use crate::input;
use crate::json::{obj, opt_s, s, Value, Writer};
use crate::provider::{self, Spec};
use crate::response::{classify, next_for, transport_error, Response};
use crate::secret::Secret;
use crate::time::{format_rfc3339, parse_rfc3339};
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

/// Where a flow is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// No code requested yet (or the last one is unusable).
    Ready,
    /// A code request is in flight.
    Requesting,
    /// A code was sent; waiting for it.
    CodeSent,
    /// A complete request is in flight.
    Completing,
    /// The complete answered a session token; the mint request is in flight.
    Minting,
    /// The backend needs an organization choice; the code is kept.
    ChooseOrg,
    /// A credential was minted.
    Done,
}

impl Phase {
    /// Name in the saved document.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Ready => "ready",
            Phase::Requesting => "requesting",
            Phase::CodeSent => "code_sent",
            Phase::Completing => "completing",
            Phase::Minting => "minting",
            Phase::ChooseOrg => "choose_organization",
            Phase::Done => "done",
        }
    }
    /// Parses a saved phase name.
    pub fn parse(v: &str) -> Option<Phase> {
        [
            Phase::Ready,
            Phase::Requesting,
            Phase::CodeSent,
            Phase::Completing,
            Phase::Minting,
            Phase::ChooseOrg,
            Phase::Done,
        ]
        .into_iter()
        .find(|p| p.as_str() == v)
    }
}

/// Which step an event belongs to; picks the command a next action names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Not a request or complete step (start, resume, a refused event).
    Other,
    /// Requesting a code.
    Request,
    /// Completing with a code (including an organization choice).
    Complete,
}

/// A pending or finished flow: everything needed to resume it in another process.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    /// The provider spec (a preset, or the caller's custom one), shared with the preset cache.
    pub spec: Rc<Spec>,
    /// The custom spec document, kept so the flow resumes without it being passed again.
    pub custom: Option<Value>,
    /// Base URL, without a trailing slash.
    pub base_url: String,
    /// The calling program's name, used in next-action text.
    pub program: String,
    /// The email, trimmed.
    pub email: String,
    /// `login` or `signup`.
    pub purpose: String,
    /// Whether the agent recipe may switch purpose by itself.
    pub auto: bool,
    /// Where the flow is.
    pub phase: Phase,
    /// When the current code expires (Unix seconds).
    pub expires_at: Option<i64>,
    /// When a new code may be requested.
    pub resend_at: Option<i64>,
    /// Code attempts left, when the backend said.
    pub attempts: Option<i64>,
    /// Until when the code is locked out.
    pub locked_until: Option<i64>,
    /// Organizations to choose from.
    pub orgs: Vec<(String, String)>,
    /// Complete options (canonical names).
    pub options: Vec<(String, Value)>,
    /// The code, kept only while it may be sent again (organization choice, lost answer).
    pub code: Option<String>,
    /// Caller-supplied random id; the idempotency key starts with it.
    pub flow_id: String,
    /// The caller-drawn random nonce of the submission in flight (or last sent):
    /// the idempotency key's second half. Kept so a re-send of the same code and
    /// options carries the same key; a new submission brings a new nonce.
    pub nonce: Option<String>,
    /// The complete was already re-sent once after a lost answer.
    pub retried: bool,
    /// A complete's answer was lost: a key may exist.
    pub maybe_minted: bool,
    /// The purpose the flow switched from, if it switched.
    pub switched_from: Option<String>,
    /// Whether plain http:// to non-loopback hosts is allowed.
    pub allow_insecure: bool,
    /// The per-step URL override (Codika's `--api-url`): the whole URL of the one
    /// endpoint the step in flight calls. Kept only while that step is in flight.
    pub step_url: Option<String>,
    /// The agent recipe already switched purpose during the step in flight; a
    /// second switch in the same step is refused so two answers cannot ping-pong.
    pub switched_in_step: bool,
    /// The step the last event belonged to (not saved).
    pub last_step: Step,
    /// The session token a complete answered, kept only while the mint is in flight.
    pub mint_token: Option<Secret>,
    /// What the complete answer said about the user (canonical credential names),
    /// kept only while the mint is in flight.
    pub signed_in: Option<Value>,
    /// The server's clock when it answered the last code request (its `Date`).
    pub sent_at: Option<i64>,
    /// Values carried from the request answer into the complete (`carry`), by name.
    pub carried: Vec<(String, Value)>,
    /// The last code request failed and no code from an earlier one is pending:
    /// a submitted code has nothing to be checked against.
    pub request_failed: bool,
}

/// The command a library caller's next actions name when it gave no `program`: the
/// generic `keymint` CLI this package installs, pointed at the same backend (a custom
/// spec is named by the file the CLI would load it from).
fn default_program(name: &str, custom: bool) -> String {
    let mut p = String::from("keymint --provider ");
    if custom {
        p.push_str("./");
        p.push_str(name);
        p.push_str(".json");
    } else {
        p.push_str(name);
    }
    p
}

/// The spec's extra headers, `{origin}` and `{baseUrl}` filled in from `base_url`.
pub fn spec_headers(spec: &Spec, base_url: &str) -> Vec<(String, String)> {
    spec.headers
        .iter()
        .map(|(k, v)| (k.clone(), provider::fill_header(v, base_url)))
        .collect()
}

/// A credential header: `(name, "<scheme> <secret>")`, or the bare secret without a scheme.
pub fn auth_header(auth: &(String, String), secret: &str) -> (String, String) {
    let mut value = auth.1.clone();
    if !value.is_empty() {
        value.push(' ');
    }
    value.push_str(secret);
    (auth.0.clone(), value)
}

fn text_of(v: &Value, key: &str) -> Option<String> {
    v.str_at(key).map(String::from)
}

impl Flow {
    /// The `code_sent` action for the code now pending.
    fn code_sent(&self) -> Action {
        Action::CodeSent {
            email: self.email.clone(),
            purpose: self.purpose.clone(),
            expires_at: self.expires_at,
            resend_at: self.resend_at,
            switched_from: self.switched_from.clone(),
        }
    }
    /// What the renderer needs of this flow to write next-action text.
    pub fn render_ctx(&self) -> crate::render::Ctx<'_> {
        crate::render::Ctx {
            program: &self.program,
            spec: &self.spec,
            email: &self.email,
            purpose: &self.purpose,
            options: &self.options,
            // Which step a retry repeats: the one that failed, else what the phase calls for.
            repeat_request: match self.last_step {
                Step::Request => true,
                Step::Complete => false,
                Step::Other => matches!(self.phase, Phase::Ready),
            },
        }
    }
    /// Creates a flow from a start config:
    /// `{provider | spec, baseUrl?, email, purpose?: login|signup|auto, program?, flowId, options?, allowInsecure?}`.
    pub fn start(config: &Value) -> Result<Flow, Error> {
        let mut flow = Flow::from_config(config)?;
        let options = flow.parse_options(config.get("options"))?;
        flow.merge_options(options);
        Ok(flow)
    }

    /// A ready flow from a start config's members other than `options`; shared by
    /// [`Flow::start`] and [`Flow::resume`] (a saved document names them the same way).
    fn from_config(config: &Value) -> Result<Flow, Error> {
        let custom = config.get("spec").filter(|v| !v.is_null()).cloned();
        let spec = provider::resolve(config.str_at("provider"), custom.as_ref())
            .map_err(|e| Error::input(Code::INVALID_PROVIDER, "provider", &e.message()))?;
        let allow_insecure = config
            .get("allowInsecure")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let base_url =
            input::base_url(&spec.base_url_for(config.str_at("baseUrl")), allow_insecure)?;
        let email = input::email(config.get("email").and_then(Value::as_str).unwrap_or(""))?;
        let wanted = config.str_at("purpose").unwrap_or("auto");
        let (purpose, auto) = match wanted {
            "auto" => (
                spec.flows.first().map_or("login", |r| r.purpose.as_str()),
                spec.flows.len() > 1,
            ),
            "login" | "signin" => ("login", false),
            "signup" => ("signup", false),
            _ => {
                return Err(Error::input(
                    Code::INVALID_PURPOSE,
                    "purpose",
                    "The purpose must be login, signup or auto.",
                ))
            }
        };
        if spec.routes(purpose).is_none() {
            return Err(Error::input(
                Code::INVALID_PURPOSE,
                "purpose",
                "This provider has no such flow.",
            ));
        }
        // The agent recipe starts optimistic: sign-up first when the backend has both.
        let purpose = if auto && spec.routes("signup").is_some() {
            "signup"
        } else {
            purpose
        };
        Ok(Flow {
            program: config.str_at("program").map_or_else(
                || default_program(&spec.name, custom.is_some()),
                String::from,
            ),
            purpose: String::from(purpose),
            spec,
            custom,
            base_url,
            email,
            auto,
            phase: Phase::Ready,
            expires_at: None,
            resend_at: None,
            attempts: None,
            locked_until: None,
            orgs: Vec::new(),
            options: Vec::new(),
            code: None,
            flow_id: String::from(config.str_at("flowId").unwrap_or("flow")),
            nonce: None,
            retried: false,
            maybe_minted: false,
            switched_from: None,
            allow_insecure,
            step_url: None,
            switched_in_step: false,
            last_step: Step::Other,
            mint_token: None,
            signed_in: None,
            sent_at: None,
            carried: Vec::new(),
            request_failed: false,
        })
    }

    /// Validates complete options (canonical names) without recording them;
    /// unknown names, `null` and empty strings are ignored.
    fn parse_options(&self, options: Option<&Value>) -> Result<Vec<(String, Value)>, Error> {
        let mut out = Vec::new();
        let Some(Value::Obj(members)) = options else {
            return Ok(out);
        };
        for (k, v) in members {
            if v.is_null() || v.as_str() == Some("") {
                continue;
            }
            let value = match (k.as_str(), v) {
                ("companyName", Value::Str(name)) => {
                    if let Some(max) = self.spec.company_max {
                        input::company(name, max)?;
                    }
                    s(name)
                }
                ("keyExpiresInDays", _) => {
                    let (lo, hi) = self.spec.expires_days.unwrap_or((1, 365));
                    Value::Int(input::expires_in_days(v, lo, hi)?)
                }
                ("description" | "keyName" | "organizationId", Value::Str(t)) => s(t),
                _ => continue,
            };
            out.push((k.clone(), value));
        }
        Ok(out)
    }

    /// Records validated options, replacing earlier values of the same names.
    fn merge_options(&mut self, options: Vec<(String, Value)>) {
        for (k, v) in options {
            self.options.retain(|(name, _)| *name != k);
            self.options.push((k, v));
        }
    }

    /// The optional `url` of a step event, checked with the base-URL rule.
    fn event_url(&self, event: &Value) -> Result<Option<String>, Error> {
        match event.get("url") {
            None | Some(Value::Null) => Ok(None),
            Some(v) => input::endpoint_url(v.as_str().unwrap_or(""), self.allow_insecure).map(Some),
        }
    }

    /// The URL of a route: the step's override when there is one, else base URL + path.
    fn url(&self, path: &str) -> String {
        if let Some(u) = &self.step_url {
            return u.clone();
        }
        let mut u = self.base_url.clone();
        u.push_str(path);
        u
    }

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

    fn post(&self, path: &str, body: String, idempotency: Option<String>) -> Request {
        let mut headers = alloc::vec![
            ("content-type", String::from("application/json")),
            ("accept", String::from("application/json")),
        ];
        if let Some(key) = idempotency {
            headers.push(("idempotency-key", key));
        }
        Request {
            method: "POST",
            url: self.url(path),
            headers,
            extra: spec_headers(&self.spec, &self.base_url),
            body: Some(body),
        }
    }

    fn request_code_request(&self) -> Result<Request, Error> {
        let routes = self
            .spec
            .routes(&self.purpose)
            .ok_or_else(|| Error::new(Code::INVALID_PURPOSE, "No route for this purpose."))?;
        Ok(self.post(&routes.request, self.body(Vec::new()), None))
    }

    fn complete_request(&self, code: &str) -> Result<Request, Error> {
        let routes = self
            .spec
            .routes(&self.purpose)
            .ok_or_else(|| Error::new(Code::INVALID_PURPOSE, "No route for this purpose."))?;
        let mut members = Vec::new();
        if let Some(f) = self.spec.field_for(&self.purpose, "code") {
            members.push((String::from(f), s(code)));
        }
        for c in &self.spec.carry {
            if let (Some(wire), Some((_, v))) = (
                &c.body,
                self.carried.iter().find(|(name, _)| *name == c.name),
            ) {
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
        let mut req = self.post(
            &routes.complete,
            self.body(members),
            Some(self.idempotency_key()),
        );
        for c in &self.spec.carry {
            let value = self.carried.iter().find(|(name, _)| *name == c.name);
            if let (Some(auth), Some((_, v))) = (&c.header, value) {
                let text = match v {
                    Value::Int(n) => crate::json::int_str(*n),
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

    /// `km-<flowId>-<nonce>`: nothing in it derives from the code or the options
    /// (a hash of them let anyone who saw the header recover the code). The nonce
    /// is saved with the flow, so a re-send of the same submission (the automatic
    /// retry, or the caller submitting the same code again after a lost answer)
    /// carries the same key and the backend replays its answer.
    fn idempotency_key(&self) -> String {
        let mut key = String::from("km-");
        key.extend(
            self.flow_id
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(32),
        );
        key.push('-');
        key.push_str(self.nonce.as_deref().unwrap_or(""));
        key
    }

    /// Takes the submission nonce for a complete about to be sent: the saved one
    /// when this is the same submission as the last one sent (`same`), else the
    /// event's `nonce` (at least 8 caller-drawn random bytes as hex; the core
    /// never draws randomness).
    fn take_nonce(&mut self, event: &Value, same: bool) -> Result<(), Error> {
        if same && self.nonce.is_some() {
            return Ok(());
        }
        match event.str_at("nonce").filter(|n| valid_nonce(n)) {
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

    /// Handles one event: `{type: request_code, url?}`, `{type: submit_code, code, options?, url?}`,
    /// `{type: choose_organization, organizationId, url?}`, `{type: response, status, body, headers}`,
    /// `{type: transport_error, kind}`. `url` replaces the whole URL of the one endpoint
    /// the step calls (https or loopback, like a base URL).
    pub fn handle(&mut self, event: &Value, now: i64) -> Action {
        let kind = event.str_at("type").unwrap_or("");
        self.last_step = match (kind, self.phase) {
            ("request_code", _) | ("response" | "transport_error", Phase::Requesting) => {
                Step::Request
            }
            ("submit_code" | "choose_organization", _)
            | ("response" | "transport_error", Phase::Completing | Phase::Minting) => {
                Step::Complete
            }
            _ => Step::Other,
        };
        let result = match kind {
            "request_code" => self.on_request_code(event, now),
            "submit_code" => self.on_submit(event, now),
            "choose_organization" => self.on_choose(event),
            "response" => self.on_response(&Response::from_value(event), now),
            "transport_error" => self.on_transport_error(event.str_at("kind").unwrap_or("network")),
            _ => Err(Error::input(
                Code::INVALID_STEP,
                "event",
                "Unknown event type.",
            )),
        };
        let action = result.unwrap_or_else(Action::Failed);
        if !matches!(
            self.phase,
            Phase::Requesting | Phase::Completing | Phase::Minting
        ) {
            // The step is over: its URL override and switch guard go with it.
            self.step_url = None;
            self.switched_in_step = false;
        }
        if self.phase != Phase::Minting {
            // The session token never outlives the mint request.
            self.mint_token = None;
            self.signed_in = None;
        }
        action
    }

    fn on_request_code(&mut self, event: &Value, now: i64) -> Result<Action, Error> {
        if matches!(
            self.phase,
            Phase::Requesting | Phase::Completing | Phase::Minting | Phase::Done
        ) {
            return Err(self.wrong_step());
        }
        let url = self.event_url(event)?;
        if let Some(at) = self.resend_at.filter(|at| now < *at) {
            let mut e = Error::new(
                Code::OTP_RESEND_COOLDOWN,
                "A code was sent moments ago; wait before asking for another.",
            );
            e.retry_after = Some(at - now);
            e.next = Next::Wait(at - now);
            e.local = true;
            return Err(e);
        }
        self.step_url = url;
        self.switched_in_step = false;
        let req = self.request_code_request()?;
        self.phase = Phase::Requesting;
        Ok(Action::Send(req))
    }

    fn wrong_step(&self) -> Error {
        let mut e = Error::wrong_step(self.phase.as_str());
        e.next = if self.phase == Phase::Done {
            Next::None
        } else {
            Next::Retry
        };
        e
    }

    fn on_submit(&mut self, event: &Value, now: i64) -> Result<Action, Error> {
        if matches!(
            self.phase,
            Phase::Requesting | Phase::Completing | Phase::Minting | Phase::Done
        ) {
            return Err(self.wrong_step());
        }
        // The server checks its input before it looks at the code; so do we.
        let options = self.parse_options(event.get("options"))?;
        let url = self.event_url(event)?;
        if let Some(until) = self.locked_until.filter(|u| now < *u) {
            let mut e = Error::local(
                Code::OTP_LOCKED_OUT,
                &["Too many wrong codes: this code is locked out."],
            );
            // A backend with a per-code attempt limit needs a new code, not a wait.
            if self.spec.cooldown.is_none() && self.spec.code_attempts.is_none() {
                e.retry_after = Some(until - now);
            }
            e.next = next_for(&e, Vec::new());
            return Err(e);
        }
        if self.expires_at.is_some_and(|at| now >= at) {
            self.phase = Phase::Ready;
            self.expires_at = None;
            let e = Error::local(Code::OTP_EXPIRED, &["The code has expired."]);
            return Err(e);
        }
        let code = input::otp_code(
            event.get("code").and_then(Value::as_str).unwrap_or(""),
            &self.spec.code_format,
        )?;
        let missing = self
            .spec
            .carry
            .iter()
            .any(|c| !self.carried.iter().any(|(name, _)| *name == c.name));
        if self.request_failed || missing {
            // Nothing to check the code against: the request failed, or the complete
            // needs what only a successful request answers (a flow id).
            let e = Error::local(
                Code::OTP_NOT_FOUND,
                &["No code request succeeded in this flow, so there is no code to check: request a code first."],
            );
            return Err(e);
        }
        let before = self.options.clone();
        self.merge_options(options);
        let same = self.code.as_deref() == Some(code.as_str()) && self.options == before;
        if let Err(e) = self.take_nonce(event, same) {
            self.options = before;
            return Err(e);
        }
        self.step_url = url;
        self.switched_in_step = false;
        let req = self.complete_request(&code)?;
        self.code = Some(code);
        self.retried = false;
        self.phase = Phase::Completing;
        Ok(Action::Send(req))
    }

    /// Re-sends the kept code with an organization: after
    /// `ORGANIZATION_SELECTION_REQUIRED` / `ORGANIZATION_NOT_MEMBER`, or to pick
    /// another organization after a refusal that kept the code (a key cap).
    fn on_choose(&mut self, event: &Value) -> Result<Action, Error> {
        let (Phase::ChooseOrg | Phase::CodeSent, Some(code), false) =
            (self.phase, self.code.clone(), self.purpose == "signup")
        else {
            return Err(self.wrong_step());
        };
        let url = self.event_url(event)?;
        let id = event.str_at("organizationId").unwrap_or("");
        if id.is_empty() || (!self.orgs.is_empty() && !self.orgs.iter().any(|(oid, _)| oid == id)) {
            let mut e = Error::local(
                Code::ORGANIZATION_NOT_MEMBER,
                &["That organization is not one of yours."],
            );
            e.next = Next::ChooseOrganization(self.orgs.clone());
            return Err(e);
        }
        let same = self
            .options
            .iter()
            .any(|(k, v)| k == "organizationId" && v.as_str() == Some(id));
        self.take_nonce(event, same)?;
        self.options.retain(|(k, _)| k != "organizationId");
        self.options.push((String::from("organizationId"), s(id)));
        self.step_url = url;
        self.switched_in_step = false;
        let req = self.complete_request(&code)?;
        self.retried = false;
        self.phase = Phase::Completing;
        Ok(Action::Send(req))
    }

    fn on_transport_error(&mut self, kind: &str) -> Result<Action, Error> {
        let mut e = transport_error(kind);
        match self.phase {
            Phase::Requesting => {
                self.phase = if self.expires_at.is_some() {
                    Phase::CodeSent
                } else {
                    Phase::Ready
                }
            }
            Phase::Completing => {
                // The backend may have minted a key whose answer we never read. Send the
                // same request once more: its idempotency key makes the backend replay it.
                // An answer that arrived but cannot be used (too large, redirected away)
                // would only come back the same: no retry then.
                if let (false, false, Some(code)) = (
                    self.retried,
                    e.code == Code::BAD_RESPONSE,
                    self.code.clone(),
                ) {
                    self.retried = true;
                    return Ok(Action::Send(self.complete_request(&code)?));
                }
                self.maybe_minted = true;
                self.phase = Phase::CodeSent;
                e.maybe_minted = true;
            }
            Phase::Minting => {
                // No retry: the mint has no idempotency, and a lost answer may
                // have minted a key. The code is spent and the token dropped.
                e.maybe_minted = true;
                return Err(self.mint_failed(e));
            }
            _ => return Err(self.wrong_step()),
        }
        Err(e)
    }

    fn on_response(&mut self, r: &Response, now: i64) -> Result<Action, Error> {
        match self.phase {
            Phase::Requesting => self.on_sent(r, now),
            Phase::Completing | Phase::Minting => self.on_completed(r, now),
            _ => Err(self.wrong_step()),
        }
    }

    fn on_sent(&mut self, r: &Response, now: i64) -> Result<Action, Error> {
        match classify(&*self.spec, "request", r) {
            Ok(data) => {
                let mut carried = Vec::new();
                for c in &self.spec.carry {
                    match data.path(&c.from) {
                        Some(v) if v.as_text().is_some() || matches!(v, Value::Int(_)) => {
                            carried.push((c.name.clone(), v.clone()))
                        }
                        _ => {
                            self.phase = if self.expires_at.is_some() {
                                Phase::CodeSent
                            } else {
                                Phase::Ready
                            };
                            return Err(crate::response::bad(
                                &crate::json::join(&[
                                    "The code request's answer carried no '",
                                    &c.from,
                                    "'.",
                                ]),
                                r.status,
                            ));
                        }
                    }
                }
                self.carried = carried;
                self.request_failed = false;
                let at = |key: &str| {
                    self.spec
                        .sent(key)
                        .and_then(|p| data.str_at(p))
                        .and_then(parse_rfc3339)
                };
                self.expires_at = Some(at("expiresAt").unwrap_or(now + self.spec.lifetime));
                self.resend_at = at("resendAvailableAt").or(self.spec.cooldown.map(|c| now + c));
                self.phase = Phase::CodeSent;
                self.attempts = None;
                self.locked_until = None;
                self.code = None;
                self.orgs.clear();
                self.maybe_minted = false;
                self.sent_at = r.server_time;
                Ok(self.code_sent())
            }
            Err(mut e) => {
                self.phase = if self.expires_at.is_some() {
                    Phase::CodeSent
                } else {
                    Phase::Ready
                };
                self.request_failed = self.expires_at.is_none();
                if e.code == Code::OTP_RESEND_COOLDOWN {
                    self.resend_at = e.retry_after.map(|n| now + n);
                }
                if let Next::SwitchFlow(to) = e.next {
                    if let Some(action) = self.switch(to)? {
                        return Ok(action);
                    }
                }
                e.next = self.adapt_switch(e.next);
                Err(e)
            }
        }
    }

    /// Names the switch target with this backend's purposes (`signin` for a
    /// backend that says so), and drops the switch when there is nowhere to go.
    fn adapt_switch(&self, next: Next) -> Next {
        match next {
            Next::SwitchFlow(to) if self.spec.routes(to).is_none() => Next::Retry,
            other => other,
        }
    }

    /// The agent recipe: switch purpose (at most once per step) and request a
    /// code for the new one.
    fn switch(&mut self, to: &'static str) -> Result<Option<Action>, Error> {
        if !self.switch_purpose(to) {
            return Ok(None);
        }
        let req = self.request_code_request()?;
        self.phase = Phase::Requesting;
        Ok(Some(Action::Send(req)))
    }

    /// Switches purpose when the agent recipe allows it; true when it did. The
    /// step's URL override named the other purpose's endpoint, so it is dropped.
    fn switch_purpose(&mut self, to: &'static str) -> bool {
        if !self.auto
            || self.switched_in_step
            || self.spec.routes(to).is_none()
            || self.purpose == to
        {
            return false;
        }
        self.switched_from = Some(core::mem::replace(&mut self.purpose, String::from(to)));
        self.switched_in_step = true;
        self.step_url = None;
        self.expires_at = None;
        self.attempts = None;
        self.locked_until = None;
        self.orgs.clear();
        self.code = None;
        self.carried.clear();
        true
    }

    fn on_completed(&mut self, r: &Response, now: i64) -> Result<Action, Error> {
        let minting = self.phase == Phase::Minting;
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
        // After a mint, what its answer lacks comes from the complete answer.
        let at = |key: &str| {
            self.spec
                .credential(key)
                .and_then(|p| data.path(p))
                .filter(|v| !v.is_null())
                .or_else(|| self.signed_in.as_ref().and_then(|d| d.get(key)))
        };
        let session = self.spec.credential("apiKey").is_none();
        let key_name = if session { "accessToken" } else { "apiKey" };
        let Some(key) = at(key_name).and_then(Value::as_text) else {
            self.maybe_minted = true;
            self.phase = Phase::CodeSent;
            let mut e = Error::new(Code::BAD_RESPONSE, "The answer carried no key.");
            e.status = Some(r.status);
            e.maybe_minted = true;
            if minting {
                return Err(self.mint_failed(e));
            }
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
        self.phase = Phase::Done;
        self.code = None;
        self.orgs.clear();
        self.attempts = None;
        self.locked_until = None;
        self.maybe_minted = false;
        Ok(Action::Done(crate::action::Done::Credential(credential)))
    }

    /// The account is new when its creation time (`credential.accountCreatedAt`)
    /// is not before the code was requested: by the server's clock when its
    /// `Date` was readable, else by ours, less 30 s for clock skew.
    fn created_by_time(&self, data: &Value, now: i64) -> Option<bool> {
        let path = self.spec.credential("accountCreatedAt")?;
        let created = data.str_at(path).and_then(parse_rfc3339)?;
        Some(match self.sent_at {
            Some(t) => created >= t,
            None => created >= self.expires_at.map_or(now, |e| e - self.spec.lifetime) - 30,
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
        let mut extra = spec_headers(&self.spec, &self.base_url);
        extra.push(auth_header(&mint.auth, token));
        let req = Request {
            method: "POST",
            url,
            headers: alloc::vec![
                ("content-type", String::from("application/json")),
                ("accept", String::from("application/json")),
            ],
            extra,
            body: Some(Value::Obj(body).to_json()),
        };
        self.mint_token = Some(Secret::new(token));
        self.signed_in = Some(Value::Obj(user));
        self.code = None;
        self.phase = Phase::Minting;
        Ok(Action::Send(req))
    }

    /// A complete option by canonical name.
    fn option(&self, name: &str) -> Option<&Value> {
        self.options.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The mint failed: the code was spent by the sign-in and the session token
    /// is dropped, so the flow needs a new code.
    fn mint_failed(&mut self, mut e: Error) -> Error {
        self.phase = Phase::Ready;
        self.expires_at = None;
        self.attempts = None;
        self.locked_until = None;
        self.code = None;
        self.mint_token = None;
        self.signed_in = None;
        self.maybe_minted = e.maybe_minted;
        if matches!(e.next, Next::Retry | Next::RetryCode) {
            e.next = Next::RequestNewCode;
        }
        e
    }

    /// Updates the flow after a refused complete and picks what comes next.
    fn complete_failed(&mut self, mut e: Error, now: i64) -> Error {
        use Code::*;
        self.phase = Phase::CodeSent;
        match e.code {
            OTP_INVALID => {
                self.attempts = e.attempts_remaining.or(self.attempts);
                if let (None, Some(n)) = (e.attempts_remaining, self.spec.code_attempts) {
                    // The backend does not say: count down from the spec's figure.
                    let left = (self.attempts.unwrap_or(n) - 1).max(0);
                    self.attempts = Some(left);
                    e.attempts_remaining = Some(left);
                    e.next = if left > 0 {
                        Next::RetryCode
                    } else {
                        Next::RequestNewCode
                    };
                    if left == 0 {
                        self.locked_until =
                            Some(self.expires_at.unwrap_or(now + self.spec.lifetime));
                    }
                }
                self.code = None;
            }
            OTP_LOCKED_OUT => {
                self.locked_until = Some(
                    e.retry_after
                        .map_or(self.expires_at.unwrap_or(now + self.spec.lifetime), |n| {
                            now + n
                        }),
                );
                self.attempts = Some(0);
                self.code = None;
            }
            OTP_EXPIRED | OTP_NOT_FOUND | OTP_ALREADY_USED | OTP_PURPOSE_MISMATCH => {
                self.phase = Phase::Ready;
                self.expires_at = None;
                self.code = None;
            }
            ORGANIZATION_SELECTION_REQUIRED | ORGANIZATION_NOT_MEMBER => {
                if let Next::ChooseOrganization(orgs) = &e.next {
                    if !orgs.is_empty() {
                        self.orgs = orgs.clone();
                    }
                }
                e.next = Next::ChooseOrganization(self.orgs.clone());
                self.phase = Phase::ChooseOrg;
                return e;
            }
            USER_ALREADY_HAS_ORGANIZATION
            | USER_ALREADY_EXISTS
            | USER_NOT_FOUND
            | USER_HAS_NO_ORGANIZATION => {
                // The code belongs to the other purpose's route: a new one is needed.
                // The agent recipe switches purpose now; the caller requests the code.
                self.phase = Phase::Ready;
                self.expires_at = None;
                self.attempts = None;
                self.code = None;
                if let Next::SwitchFlow(to) = e.next {
                    self.switch_purpose(to);
                }
                e.next = self.adapt_switch(e.next);
                return e;
            }
            _ => {}
        }
        if !matches!(self.phase, Phase::CodeSent) {
            self.code = None;
        }
        e
    }

    /// Writes the saved document (without its integrity check) as the next value of `w`.
    #[inline(never)]
    fn document(&self, w: &mut Writer) {
        w.open().int("v", 1).str("provider", &self.spec.name);
        if let Some(spec) = &self.custom {
            w.value("spec", spec);
        }
        w.str("baseUrl", &self.base_url)
            .str("program", &self.program)
            .str("email", &self.email)
            .str("purpose", &self.purpose)
            .bool("auto", self.auto)
            .str("phase", self.phase.as_str());
        write_time(w, "expiresAt", self.expires_at);
        write_time(w, "resendAvailableAt", self.resend_at);
        w.opt_int("attemptsRemaining", self.attempts);
        write_time(w, "lockedUntil", self.locked_until);
        if !self.orgs.is_empty() {
            crate::error::write_orgs(w.key("organizations"), &self.orgs);
        }
        if !self.options.is_empty() {
            w.obj("options");
            for (k, v) in &self.options {
                w.key(k);
                crate::json::write_value(&mut w.out, v);
            }
            w.close();
        }
        w.opt_str("code", self.code.as_deref())
            .str("flowId", &self.flow_id)
            .opt_str("nonce", self.nonce.as_deref())
            .flag("retried", self.retried)
            .flag("keyMayHaveBeenMinted", self.maybe_minted)
            .opt_str("switchedFrom", self.switched_from.as_deref())
            .opt_str("stepUrl", self.step_url.as_deref())
            .flag("switchedInStep", self.switched_in_step)
            .flag("allowInsecure", self.allow_insecure)
            // Only while a mint is in flight (the JS driver never hands that state out).
            .opt_str("sessionToken", self.mint_token.as_ref().map(Secret::expose));
        if let Some(v) = &self.signed_in {
            w.value("signedIn", v);
        }
        write_time(w, "codeSentAt", self.sent_at);
        if !self.carried.is_empty() {
            w.obj("carried");
            for (k, v) in &self.carried {
                w.value(k, v);
            }
            w.close();
        }
        w.flag("requestFailed", self.request_failed);
        w.close();
    }

    /// The document text (without its check).
    fn document_json(&self) -> String {
        let mut w = Writer::new();
        self.document(&mut w);
        w.out
    }

    /// Writes the versioned document with its integrity check appended as the next value of `w`.
    pub fn write_saved(&self, w: &mut Writer) {
        let start = w.out.len();
        self.document(w);
        crate::json::seal(w, start);
    }

    /// Resumes a saved document; `INVALID_STATE` for an unknown version, a bad
    /// field, or a document altered since it was saved.
    pub fn resume(doc: &Value) -> Result<Flow, Error> {
        let invalid = |m: &str| Error::local(Code::INVALID_STATE, &[m]);
        match doc.get("v") {
            Some(Value::Int(1)) => {}
            Some(_) => {
                return Err(invalid(
                    "The saved flow has an unknown version; start a new flow.",
                ))
            }
            None => return Err(invalid("This is not a saved keymint flow.")),
        }
        // Validated as a start config, without copying; its options are taken as saved below.
        let mut flow = Flow::from_config(doc).map_err(|e| Error::bad_saved(&e.message))?;
        let time = |k: &str| match doc.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_str().and_then(parse_rfc3339).map(Some).ok_or(()),
        };
        let bad = |k: &str| {
            Error::local(
                Code::INVALID_STATE,
                &["The saved flow has a bad '", k, "' field."],
            )
        };
        flow.auto = doc
            .get("auto")
            .and_then(Value::as_bool)
            .ok_or_else(|| bad("auto"))?;
        flow.phase = doc
            .str_at("phase")
            .and_then(Phase::parse)
            .ok_or_else(|| bad("phase"))?;
        flow.expires_at = time("expiresAt").map_err(|()| bad("expiresAt"))?;
        flow.resend_at = time("resendAvailableAt").map_err(|()| bad("resendAvailableAt"))?;
        flow.locked_until = time("lockedUntil").map_err(|()| bad("lockedUntil"))?;
        flow.attempts = doc.int_at("attemptsRemaining");
        flow.orgs = doc
            .get("organizations")
            .and_then(Value::as_arr)
            .unwrap_or(&[])
            .iter()
            .filter_map(|o| Some((text_of(o, "id")?, text_of(o, "name").unwrap_or_default())))
            .collect();
        if let Some(Value::Obj(m)) = doc.get("options") {
            flow.options = m.clone();
        }
        flow.code = text_of(doc, "code");
        flow.nonce = match doc.get("nonce") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_str()
                    .filter(|n| valid_nonce(n))
                    .map(String::from)
                    .ok_or_else(|| bad("nonce"))?,
            ),
        };
        flow.retried = doc.get("retried").and_then(Value::as_bool).unwrap_or(false);
        flow.maybe_minted = doc
            .get("keyMayHaveBeenMinted")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        flow.switched_from = text_of(doc, "switchedFrom");
        flow.step_url = match doc.get("stepUrl") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                input::endpoint_url(v.as_str().unwrap_or(""), flow.allow_insecure)
                    .map_err(|_| bad("stepUrl"))?,
            ),
        };
        flow.switched_in_step = doc
            .get("switchedInStep")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        flow.sent_at = time("codeSentAt").map_err(|()| bad("codeSentAt"))?;
        if let Some(Value::Obj(m)) = doc.get("carried") {
            flow.carried = m.clone();
        }
        flow.request_failed = doc
            .get("requestFailed")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if flow.phase == Phase::Minting {
            flow.mint_token = doc.str_at("sessionToken").map(Secret::new);
            flow.signed_in = doc
                .get("signedIn")
                .filter(|v| matches!(v, Value::Obj(_)))
                .cloned();
        }
        if doc.str_at("check") != Some(crate::json::checksum(&flow.document_json()).as_str()) {
            return Err(invalid(
                "The saved flow was altered or damaged; start a new flow.",
            ));
        }
        Ok(flow)
    }
}

/// The `exp` claim (Unix seconds) of a JWT's payload, read without checking
/// its signature: only to tell the caller when the token stops working.
pub fn jwt_exp(token: &str) -> Option<i64> {
    let (_, rest) = crate::json::cut(token, b'.')?;
    let (payload, _) = crate::json::cut(rest, b'.')?;
    let bytes = crate::crypto::base64url_decode(payload)?;
    let claims = crate::json::parse(core::str::from_utf8(&bytes).ok()?)?;
    claims.int_at("exp").filter(|n| *n > 0)
}

/// A submission nonce: 16 to 64 lowercase hex digits (8 to 32 bytes).
fn valid_nonce(n: &str) -> bool {
    (16..=64).contains(&n.len()) && n.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

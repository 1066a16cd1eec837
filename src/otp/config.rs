//! The typed start config of an email-code flow, and how a flow starts from it.

use super::{Flow, Limits, State, Step};
use crate::error::{Code, Error};
use crate::input;
use crate::json::{s, Value};
use crate::provider::{self, Spec};
use alloc::string::String;
use alloc::vec::Vec;

/// What starts a flow: `{provider | spec, baseUrl?, email, purpose?:
/// login|signup|auto, program?, flowId, options?, allowInsecure?}` in JSON.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Config<'a> {
    /// A preset's name (`codika`, `scripto`, …), unless `spec` is given.
    pub provider: Option<&'a str>,
    /// A custom provider spec document.
    pub spec: Option<&'a Value>,
    /// The backend's base URL (the spec's own when absent).
    pub base_url: Option<&'a str>,
    /// The user's email.
    pub email: &'a str,
    /// `login`, `signup` or `auto` (the default: the agent recipe picks and switches).
    pub purpose: Option<&'a str>,
    /// The calling program's command, named in next-action text.
    pub program: Option<&'a str>,
    /// A caller-drawn random id; the idempotency keys start with it.
    pub flow_id: Option<&'a str>,
    /// Complete options by canonical name (`keyName`, `companyName`, …), a JSON object.
    pub options: Option<&'a Value>,
    /// Allow plain http:// to hosts other than loopback.
    pub allow_insecure: bool,
}

impl<'a> Config<'a> {
    /// Reads a JSON start config (a saved document names its members the same way).
    pub fn from_value(v: &'a Value) -> Config<'a> {
        Config {
            provider: v.str_at("provider"),
            spec: v.get("spec").filter(|v| !v.is_null()),
            base_url: v.str_at("baseUrl"),
            email: v.get("email").and_then(Value::as_str).unwrap_or(""),
            purpose: v.str_at("purpose"),
            program: v.str_at("program"),
            flow_id: v.str_at("flowId"),
            options: v.get("options"),
            allow_insecure: v
                .get("allowInsecure")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }
    }
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

impl Flow {
    /// Starts a flow: checks the provider, base URL, email, purpose and options.
    pub fn start(config: &Config<'_>) -> Result<Flow, Error> {
        let mut flow = Flow::from_config(config)?;
        let options = parse_options(&flow.spec, config.options)?;
        flow.merge_options(options);
        Ok(flow)
    }

    /// A ready flow from a config's members other than `options`; shared by
    /// [`Flow::start`] and [`Flow::resume`].
    pub(super) fn from_config(config: &Config<'_>) -> Result<Flow, Error> {
        let custom = config.spec.cloned();
        let spec = provider::resolve(config.provider, config.spec)
            .map_err(|e| Error::input(Code::INVALID_PROVIDER, "provider", &e.message()))?;
        let base_url = input::base_url(&spec.base_url_for(config.base_url), config.allow_insecure)?;
        let email = input::email(config.email)?;
        let (purpose, auto) = match config.purpose.unwrap_or("auto") {
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
            program: config.program.map_or_else(
                || default_program(&spec.name, custom.is_some()),
                String::from,
            ),
            purpose: String::from(purpose),
            spec,
            custom,
            base_url,
            email,
            auto,
            allow_insecure: config.allow_insecure,
            flow_id: String::from(config.flow_id.unwrap_or("flow")),
            state: State::Ready,
            limits: Limits::default(),
            resend_at: None,
            options: Vec::new(),
            nonce: None,
            maybe_minted: false,
            switched_from: None,
            sent_at: None,
            carried: Vec::new(),
            request_failed: false,
            last_step: Step::Other,
        })
    }

    /// Records validated options, replacing earlier values of the same names.
    pub(super) fn merge_options(&mut self, options: Vec<(String, Value)>) {
        for (k, v) in options {
            self.options.retain(|(name, _)| *name != k);
            self.options.push((k, v));
        }
    }
}

/// Validates complete options (canonical names) without recording them;
/// unknown names, `null` and empty strings are ignored.
pub(super) fn parse_options(
    spec: &Spec,
    options: Option<&Value>,
) -> Result<Vec<(String, Value)>, Error> {
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
                if let Some(max) = spec.company_max {
                    input::company(name, max)?;
                }
                s(name)
            }
            ("keyExpiresInDays", _) => {
                let (lo, hi) = spec.expires_days.unwrap_or((1, 365));
                Value::Int(input::expires_in_days(v, lo, hi)?)
            }
            ("description" | "keyName" | "organizationId", Value::Str(t)) => s(t),
            _ => continue,
        };
        out.push((k.clone(), value));
    }
    Ok(out)
}

//! The saved document of an email-code flow: one version field (`v`), the one
//! integrity check (`check`, as for every saved flow), and the same members
//! the flow has always been saved with, so older documents still resume.

use super::{valid_nonce, Config, Flow, InFlight, State};
use crate::action::write_time;
use crate::error::Error;
use crate::input;
use crate::json::{Value, Writer};
use crate::secret::Secret;
use crate::time::parse_rfc3339;
use alloc::string::String;
use alloc::vec::Vec;

impl Flow {
    /// Writes the versioned document, sealed with the one check ([`crate::saved`]), as the
    /// next value of `w`.
    pub fn write_saved(&self, w: &mut Writer) {
        crate::saved::seal(w, &|w| self.document(w));
    }

    /// Writes the saved document without its check (what [`crate::saved::seal`] seals).
    pub fn write_document(&self, w: &mut Writer) {
        self.document(w);
    }

    /// Writes the saved document (without its integrity check) as the next value of `w`.
    fn document(&self, w: &mut Writer) {
        let state = &self.state;
        let step = state.in_flight();
        w.open().int("v", 1).str("provider", &self.spec.name);
        if let Some(spec) = &self.custom {
            w.value("spec", spec);
        }
        w.str("baseUrl", &self.base_url)
            .str("program", &self.program)
            .str("email", &self.email)
            .str("purpose", &self.purpose)
            .bool("auto", self.auto)
            .str("phase", state.name());
        write_time(w, "expiresAt", self.limits.expires_at);
        write_time(w, "resendAvailableAt", self.resend_at);
        w.opt_int("attemptsRemaining", self.limits.attempts);
        write_time(w, "lockedUntil", self.limits.locked_until);
        if !state.orgs().is_empty() {
            crate::error::write_orgs(w.key("organizations"), state.orgs());
        }
        if !self.options.is_empty() {
            w.obj("options");
            for (k, v) in &self.options {
                w.key(k);
                crate::json::write_value(&mut w.out, v);
            }
            w.close();
        }
        let (token, signed_in) = match state {
            // Only while a mint is in flight (the JS driver never hands that state out).
            State::Minting {
                token, signed_in, ..
            } => (Some(token.expose()), Some(signed_in)),
            _ => (None, None),
        };
        w.opt_str("code", state.code())
            .str("flowId", &self.flow_id)
            .opt_str("nonce", self.nonce.as_deref())
            .flag(
                "retried",
                matches!(state, State::Completing { retried: true, .. }),
            )
            .flag("keyMayHaveBeenMinted", self.maybe_minted)
            .opt_str("switchedFrom", self.switched_from.as_deref())
            .opt_str("stepUrl", step.and_then(|s| s.url.as_deref()))
            .flag("switchedInStep", step.is_some_and(|s| s.switched))
            .flag("allowInsecure", self.allow_insecure)
            .opt_str("sessionToken", token);
        if let Some(v) = signed_in {
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

    /// Resumes a saved document; `INVALID_STATE` for an unknown version, a bad
    /// field, or a document altered since it was saved.
    pub fn resume(doc: &Value) -> Result<Flow, Error> {
        Flow::resume_given(doc, None)
    }

    /// As [`Flow::resume`], with the document's text as the step input carried it (see
    /// [`crate::saved::verify_given`]).
    pub fn resume_given(doc: &Value, given: Option<&str>) -> Result<Flow, Error> {
        crate::saved::versioned(doc, None)?;
        // Checked as a start config (`from_config` leaves the options out: they
        // are taken as saved below).
        let mut flow = Flow::from_config(&Config::from_value(doc))
            .map_err(|e| Error::bad_saved(&e.message))?;
        let bad = crate::saved::bad_field;
        let time = |k: &str| match doc.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_str()
                .and_then(parse_rfc3339)
                .map(Some)
                .ok_or_else(|| bad(k)),
        };
        let text = |k: &str| doc.str_at(k).map(String::from);
        let flag = |k: &str| doc.get(k).and_then(Value::as_bool).unwrap_or(false);
        flow.auto = doc
            .get("auto")
            .and_then(Value::as_bool)
            .ok_or_else(|| bad("auto"))?;
        flow.limits.expires_at = time("expiresAt")?;
        flow.resend_at = time("resendAvailableAt")?;
        flow.limits.locked_until = time("lockedUntil")?;
        flow.limits.attempts = doc.int_at("attemptsRemaining");
        let orgs = crate::response::orgs(doc.get("organizations"));
        if let Some(Value::Obj(m)) = doc.get("options") {
            flow.options = m.clone();
        }
        flow.nonce = match doc.get("nonce") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_str()
                    .filter(|n| valid_nonce(n))
                    .map(String::from)
                    .ok_or_else(|| bad("nonce"))?,
            ),
        };
        flow.maybe_minted = flag("keyMayHaveBeenMinted");
        flow.switched_from = text("switchedFrom");
        let step = InFlight {
            url: match doc.get("stepUrl") {
                None | Some(Value::Null) => None,
                Some(v) => Some(
                    input::endpoint_url(v.as_str().unwrap_or(""), flow.allow_insecure)
                        .map_err(|_| bad("stepUrl"))?,
                ),
            },
            switched: flag("switchedInStep"),
        };
        flow.sent_at = time("codeSentAt")?;
        if let Some(Value::Obj(m)) = doc.get("carried") {
            flow.carried = m.clone();
        }
        flow.request_failed = flag("requestFailed");
        let code = text("code");
        let needs_code = |code: Option<String>| code.ok_or_else(|| bad("code"));
        flow.state = match doc.str_at("phase").unwrap_or("") {
            "requesting" => State::Requesting(step),
            "code_sent" => State::CodeSent { code, orgs },
            "completing" => State::Completing {
                code: needs_code(code)?,
                orgs,
                retried: flag("retried"),
                step,
            },
            "minting" => State::Minting {
                token: Secret::new(
                    doc.str_at("sessionToken")
                        .ok_or_else(|| bad("sessionToken"))?,
                ),
                signed_in: doc
                    .get("signedIn")
                    .filter(|v| matches!(v, Value::Obj(_)))
                    .cloned()
                    .unwrap_or(Value::Obj(Vec::new())),
            },
            "choose_organization" => State::ChooseOrg {
                code: needs_code(code)?,
                orgs,
            },
            "done" => State::Done,
            "ready" => State::Ready,
            _ => return Err(bad("phase")),
        };
        // The one check every saved flow carries, over the document re-derived from the
        // parsed flow (a store may not have kept the member order: chrome.storage does not).
        crate::saved::verify_given(doc, None, given, &|| {
            crate::saved::text(&|w| flow.document(w))
        })?;
        Ok(flow)
    }
}

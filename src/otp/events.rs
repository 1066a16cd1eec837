//! The caller's events: request a code, submit it, choose an organization, and
//! a request that got no answer. Local guards answer before the network.

use super::config::parse_options;
use super::{Flow, InFlight, State};
use crate::action::Action;
use crate::error::{Code, Error, Next};
use crate::input;
use crate::json::{s, Value};
use crate::response::{next_for, transport_error};
use alloc::string::String;
use alloc::vec::Vec;

impl Flow {
    /// A step event's optional `url`, checked with the base-URL rule.
    fn event_url(&self, url: Option<&str>) -> Result<Option<String>, Error> {
        url.map(|u| input::endpoint_url(u, self.allow_insecure))
            .transpose()
    }

    pub(super) fn on_request_code(&mut self, url: Option<&str>, now: i64) -> Result<Action, Error> {
        if self.state.busy() || matches!(self.state, State::Done) {
            return Err(self.wrong_step());
        }
        let url = self.event_url(url)?;
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
        let req = self.request_code_request(url.as_deref())?;
        self.state = State::Requesting(InFlight {
            url,
            switched: false,
        });
        Ok(Action::Send(req))
    }

    pub(super) fn on_submit(
        &mut self,
        code: &str,
        nonce: Option<&str>,
        options: Option<&Value>,
        url: Option<&str>,
        now: i64,
    ) -> Result<Action, Error> {
        if self.state.busy() || matches!(self.state, State::Done) {
            return Err(self.wrong_step());
        }
        // The server checks its input before it looks at the code; so do we.
        let options = parse_options(&self.spec, options)?;
        let url = self.event_url(url)?;
        if let Some(until) = self.limits.locked_until.filter(|u| now < *u) {
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
        if self.limits.expires_at.is_some_and(|at| now >= at) {
            self.state = State::Ready;
            self.limits.expires_at = None;
            return Err(Error::local(Code::OTP_EXPIRED, &["The code has expired."]));
        }
        let code = input::otp_code(code, &self.spec.code_format)?;
        let missing = self
            .spec
            .carry
            .iter()
            .any(|c| !self.carried.iter().any(|(name, _)| *name == c.name));
        if self.request_failed || missing {
            // Nothing to check the code against: the request failed, or the complete
            // needs what only a successful request answers (a flow id).
            return Err(Error::local(
                Code::OTP_NOT_FOUND,
                &["No code request succeeded in this flow, so there is no code to check: request a code first."],
            ));
        }
        let before = self.options.clone();
        self.merge_options(options);
        let same = self.state.code() == Some(code.as_str()) && self.options == before;
        if let Err(e) = self.take_nonce(nonce, same) {
            self.options = before;
            return Err(e);
        }
        let req = self.complete_request(&code, url.as_deref())?;
        self.complete_with(code, url);
        Ok(Action::Send(req))
    }

    /// Enters `Completing` with `code`, keeping the organizations offered earlier.
    fn complete_with(&mut self, code: String, url: Option<String>) {
        let orgs = self.state.take_orgs();
        self.state = State::Completing {
            code,
            orgs,
            retried: false,
            step: InFlight {
                url,
                switched: false,
            },
        };
    }

    /// Re-sends the kept code with an organization: after
    /// `ORGANIZATION_SELECTION_REQUIRED` / `ORGANIZATION_NOT_MEMBER`, or to pick
    /// another organization after a refusal that kept the code (a key cap).
    pub(super) fn on_choose(
        &mut self,
        id: &str,
        nonce: Option<&str>,
        url: Option<&str>,
    ) -> Result<Action, Error> {
        let code = match (&self.state, self.purpose == "signup") {
            (
                State::ChooseOrg { code, .. }
                | State::CodeSent {
                    code: Some(code), ..
                },
                false,
            ) => code.clone(),
            _ => return Err(self.wrong_step()),
        };
        let url = self.event_url(url)?;
        let orgs = self.state.orgs();
        if id.is_empty() || (!orgs.is_empty() && !orgs.iter().any(|(oid, _)| oid == id)) {
            let mut e = Error::local(
                Code::ORGANIZATION_NOT_MEMBER,
                &["That organization is not one of yours."],
            );
            e.next = Next::ChooseOrganization(orgs.clone());
            return Err(e);
        }
        let same = self
            .options
            .iter()
            .any(|(k, v)| k == "organizationId" && v.as_str() == Some(id));
        self.take_nonce(nonce, same)?;
        self.options.retain(|(k, _)| k != "organizationId");
        self.options.push((String::from("organizationId"), s(id)));
        let req = self.complete_request(&code, url.as_deref())?;
        self.complete_with(code, url);
        Ok(Action::Send(req))
    }

    pub(super) fn on_transport_error(&mut self, kind: &str) -> Result<Action, Error> {
        let mut e = transport_error(kind);
        match &mut self.state {
            State::Requesting(_) => self.state = self.after_failed_request(),
            State::Completing {
                code,
                retried,
                step,
                ..
            } => {
                // The backend may have minted a key whose answer we never read. Send the
                // same request once more: its idempotency key makes the backend replay it.
                // An answer that arrived but cannot be used (too large, redirected away)
                // would only come back the same: no retry then.
                if !*retried && e.code != Code::BAD_RESPONSE {
                    *retried = true;
                    let (code, url) = (code.clone(), step.url.clone());
                    return Ok(Action::Send(self.complete_request(&code, url.as_deref())?));
                }
                self.maybe_minted = true;
                self.back_to_code_sent();
                e.maybe_minted = true;
            }
            State::Minting { .. } => {
                // No retry: the mint has no idempotency, and a lost answer may
                // have minted a key. The code is spent and the token dropped.
                e.maybe_minted = true;
                return Err(self.mint_failed(e));
            }
            _ => return Err(self.wrong_step()),
        }
        Err(e)
    }

    /// Where a code request that failed leaves the flow: the earlier code, if one is pending.
    pub(super) fn after_failed_request(&self) -> State {
        if self.limits.expires_at.is_some() {
            State::code_sent()
        } else {
            State::Ready
        }
    }

    /// Back to `CodeSent` from a complete, keeping its code and organizations.
    pub(super) fn back_to_code_sent(&mut self) {
        let code = self.state.code().map(String::from);
        let orgs = self.state.take_orgs();
        self.state = State::CodeSent { code, orgs };
    }
}

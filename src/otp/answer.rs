//! The backend's answers: a code request's, a complete's refusal, and the
//! agent recipe's purpose switch. (A complete's success is in `credential`.)

use super::{Flow, InFlight, State};
use crate::action::Action;
use crate::error::{Code, Error, Next};
use crate::json::Value;
use crate::response::{classify, Response};
use crate::time::parse_rfc3339;
use alloc::string::String;
use alloc::vec::Vec;

impl Flow {
    pub(super) fn on_response(&mut self, r: &Response, now: i64) -> Result<Action, Error> {
        match self.state {
            State::Requesting(_) => self.on_sent(r, now),
            State::Completing { .. } | State::Minting { .. } => self.on_completed(r, now),
            _ => Err(self.wrong_step()),
        }
    }

    fn on_sent(&mut self, r: &Response, now: i64) -> Result<Action, Error> {
        let switched = self.state.in_flight().is_some_and(|s| s.switched);
        let data = match classify(&*self.spec, "request", r) {
            Ok(data) => data,
            Err(e) => return self.request_failed(e, switched, now),
        };
        let mut carried = Vec::new();
        for c in &self.spec.carry {
            match data.path(&c.from) {
                Some(v) if v.as_text().is_some() || matches!(v, Value::Int(_)) => {
                    carried.push((c.name.clone(), v.clone()))
                }
                _ => {
                    self.state = self.after_failed_request();
                    return Err(crate::response::bad(
                        &crate::text::join(&[
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
        self.limits.expires_at = Some(at("expiresAt").unwrap_or(now + self.spec.lifetime));
        self.resend_at = at("resendAvailableAt").or(self.spec.cooldown.map(|c| now + c));
        self.limits.attempts = None;
        self.limits.locked_until = None;
        self.state = State::code_sent();
        self.maybe_minted = false;
        self.sent_at = r.server_time;
        Ok(self.code_sent())
    }

    /// A refused code request: the earlier code stays pending if there is one; the
    /// agent recipe may switch purpose and request again.
    fn request_failed(&mut self, mut e: Error, switched: bool, now: i64) -> Result<Action, Error> {
        self.state = self.after_failed_request();
        self.request_failed = self.limits.expires_at.is_none();
        if e.code == Code::OTP_RESEND_COOLDOWN {
            self.resend_at = e.retry_after.map(|n| now + n);
        }
        if let Next::SwitchFlow(to) = e.next {
            if self.switch_purpose(to, switched) {
                let req = self.request_code_request(None)?;
                self.state = State::Requesting(InFlight {
                    url: None,
                    switched: true,
                });
                return Ok(Action::Send(req));
            }
        }
        e.next = self.adapt_switch(e.next);
        Err(e)
    }

    /// Names the switch target with this backend's purposes (`signin` for a
    /// backend that says so), and drops the switch when there is nowhere to go.
    fn adapt_switch(&self, next: Next) -> Next {
        match next {
            Next::SwitchFlow(to) if self.spec.routes(to).is_none() => Next::Retry,
            other => other,
        }
    }

    /// Switches purpose when the agent recipe allows it (at most once per step:
    /// `switched`); true when it did. What belonged to the old purpose's code
    /// goes; the caller puts the flow in its next state.
    fn switch_purpose(&mut self, to: &'static str, switched: bool) -> bool {
        if !self.auto || switched || self.spec.routes(to).is_none() || self.purpose == to {
            return false;
        }
        self.switched_from = Some(core::mem::replace(&mut self.purpose, String::from(to)));
        self.limits = Default::default();
        self.carried.clear();
        true
    }

    /// The mint failed: the code was spent by the sign-in and the session token
    /// is dropped, so the flow needs a new code.
    pub(super) fn mint_failed(&mut self, mut e: Error) -> Error {
        self.state = State::Ready;
        self.limits = Default::default();
        self.maybe_minted = e.maybe_minted;
        if matches!(e.next, Next::Retry | Next::RetryCode) {
            e.next = Next::RequestNewCode;
        }
        e
    }

    /// Updates the flow after a refused complete and picks what comes next.
    pub(super) fn complete_failed(&mut self, mut e: Error, now: i64) -> Error {
        use Code::*;
        let switched = self.state.in_flight().is_some_and(|s| s.switched);
        // Refusals not named below keep the code: it may be sent again.
        self.back_to_code_sent();
        let lifetime_end = self.limits.expires_at.unwrap_or(now + self.spec.lifetime);
        match e.code {
            OTP_INVALID => {
                self.limits.attempts = e.attempts_remaining.or(self.limits.attempts);
                if let (None, Some(n)) = (e.attempts_remaining, self.spec.code_attempts) {
                    // The backend does not say: count down from the spec's figure.
                    let left = (self.limits.attempts.unwrap_or(n) - 1).max(0);
                    self.limits.attempts = Some(left);
                    e.attempts_remaining = Some(left);
                    e.next = if left > 0 {
                        Next::RetryCode
                    } else {
                        Next::RequestNewCode
                    };
                    if left == 0 {
                        self.limits.locked_until = Some(lifetime_end);
                    }
                }
                self.drop_code();
            }
            OTP_LOCKED_OUT => {
                self.limits.locked_until = Some(e.retry_after.map_or(lifetime_end, |n| now + n));
                self.limits.attempts = Some(0);
                self.drop_code();
            }
            OTP_EXPIRED | OTP_NOT_FOUND | OTP_ALREADY_USED | OTP_PURPOSE_MISMATCH => {
                self.state = State::Ready;
                self.limits.expires_at = None;
            }
            ORGANIZATION_SELECTION_REQUIRED | ORGANIZATION_NOT_MEMBER => {
                let mut orgs = self.state.take_orgs();
                if let Next::ChooseOrganization(offered) = &mut e.next {
                    if !offered.is_empty() {
                        orgs = core::mem::take(offered);
                    }
                }
                e.next = Next::ChooseOrganization(orgs.clone());
                // A complete always carries its code, kept here to be sent again.
                let code = self.state.code().map(String::from).unwrap_or_default();
                self.state = State::ChooseOrg { code, orgs };
            }
            USER_ALREADY_HAS_ORGANIZATION
            | USER_ALREADY_EXISTS
            | USER_NOT_FOUND
            | USER_HAS_NO_ORGANIZATION => {
                // The code belongs to the other purpose's route: a new one is needed.
                // The agent recipe switches purpose now; the caller requests the code.
                self.state = State::Ready;
                self.limits.expires_at = None;
                self.limits.attempts = None;
                if let Next::SwitchFlow(to) = e.next {
                    self.switch_purpose(to, switched);
                }
                e.next = self.adapt_switch(e.next);
            }
            _ => {}
        }
        e
    }

    /// Forgets the kept code (it was refused), keeping the organizations.
    fn drop_code(&mut self) {
        if let State::CodeSent { code, .. } = &mut self.state {
            *code = None;
        }
    }
}

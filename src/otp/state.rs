//! Where an email-code flow is, each state holding exactly the data valid in it.

use crate::json::Value;
use crate::secret::Secret;
use alloc::string::String;
use alloc::vec::Vec;

/// Organizations the backend offered, as `(id, name)`.
pub type Orgs = Vec<(String, String)>;

/// The organizations of a state that keeps none.
static NO_ORGS: Orgs = Vec::new();

/// What lives only while a request is in flight, and goes with its answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InFlight {
    /// The per-step URL override (Codika's `--api-url`): the whole URL of the
    /// one endpoint this step calls.
    pub url: Option<String>,
    /// The agent recipe already switched purpose during this step; a second
    /// switch is refused so two answers cannot ping-pong.
    pub switched: bool,
}

/// Where a flow is. Each variant's docs say what the caller does next.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum State {
    /// No code is pending (none requested yet, or the last one is unusable):
    /// send `request_code`.
    Ready,
    /// A code request is in flight: perform the request the flow answered and
    /// hand back its `response` (or a `transport_error`).
    Requesting(InFlight),
    /// A code was sent: submit it with `submit_code` (or `request_code` for a
    /// new one once the cooldown is over).
    CodeSent {
        /// The code last submitted, kept while it may be sent again with an
        /// organization (after a refusal such as a key cap).
        code: Option<String>,
        /// Organizations offered earlier, which a choice is checked against.
        orgs: Orgs,
    },
    /// A complete request is in flight: perform it and hand back its answer.
    Completing {
        /// The code it carries (re-sent once if the answer is lost).
        code: String,
        /// Organizations offered earlier.
        orgs: Orgs,
        /// The request was already re-sent once after a lost answer.
        retried: bool,
        /// The step in flight.
        step: InFlight,
    },
    /// The complete answered a session token and the mint request is in
    /// flight: perform it and hand back its answer.
    Minting {
        /// The session token, for exactly this one request.
        token: Secret,
        /// What the complete answer said about the user (canonical credential names).
        signed_in: Value,
    },
    /// The backend needs an organization: send `choose_organization` with one of
    /// `orgs` (the code is kept and sent again with it).
    ChooseOrg {
        /// The code to send again.
        code: String,
        /// The organizations to choose from.
        orgs: Orgs,
    },
    /// A credential was minted: nothing more to do.
    Done,
}

impl State {
    /// The state's name in the saved document and in wrong-step errors.
    pub fn name(&self) -> &'static str {
        match self {
            State::Ready => "ready",
            State::Requesting(_) => "requesting",
            State::CodeSent { .. } => "code_sent",
            State::Completing { .. } => "completing",
            State::Minting { .. } => "minting",
            State::ChooseOrg { .. } => "choose_organization",
            State::Done => "done",
        }
    }

    /// The step in flight, if a request other than the mint is (the mint
    /// goes to the base URL and never switches purpose).
    pub fn in_flight(&self) -> Option<&InFlight> {
        match self {
            State::Requesting(step) | State::Completing { step, .. } => Some(step),
            _ => None,
        }
    }

    /// True while a request is in flight (events other than its answer are refused).
    pub fn busy(&self) -> bool {
        matches!(
            self,
            State::Requesting(_) | State::Completing { .. } | State::Minting { .. }
        )
    }

    /// The code kept for sending again, if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            State::CodeSent { code, .. } => code.as_deref(),
            State::Completing { code, .. } | State::ChooseOrg { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The organizations the backend offered (empty when none are kept).
    pub fn orgs(&self) -> &Orgs {
        match self {
            State::CodeSent { orgs, .. }
            | State::Completing { orgs, .. }
            | State::ChooseOrg { orgs, .. } => orgs,
            _ => &NO_ORGS,
        }
    }

    /// Takes the kept organizations, to move them into the next state.
    pub(super) fn take_orgs(&mut self) -> Orgs {
        match self {
            State::CodeSent { orgs, .. }
            | State::Completing { orgs, .. }
            | State::ChooseOrg { orgs, .. } => core::mem::take(orgs),
            _ => Vec::new(),
        }
    }

    /// A code-sent state keeping nothing.
    pub(super) fn code_sent() -> State {
        State::CodeSent {
            code: None,
            orgs: Vec::new(),
        }
    }
}

/// What the backend's limits say about the code last sent: they outlive a
/// single state (a lockout holds across a new request that failed).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Limits {
    /// When the current code expires (Unix seconds).
    pub expires_at: Option<i64>,
    /// Code attempts left, when known.
    pub attempts: Option<i64>,
    /// Until when the code is locked out.
    pub locked_until: Option<i64>,
}

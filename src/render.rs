//! Human text for next actions, rendered with the calling program's own name
//! and exact flags (`codika auth login-request --email you@example.com`).

use crate::error::{Error, Next};
use crate::flow::Flow;
use crate::json::int_str;
use alloc::string::String;

fn verb(template: &str, purpose: &str) -> String {
    template.replace("{purpose}", purpose)
}

fn request_cmd(f: &Flow, purpose: &str) -> String {
    let mut c = f.program.clone();
    c.push(' ');
    c.push_str(&verb(&f.spec.cmd_request, purpose));
    c.push_str(" --email ");
    c.push_str(&f.email);
    c
}

fn complete_cmd(f: &Flow) -> String {
    let mut c = f.program.clone();
    c.push(' ');
    c.push_str(&verb(&f.spec.cmd_complete, &f.purpose));
    c.push_str(" --email ");
    c.push_str(&f.email);
    c.push_str(" --code <code>");
    c
}

fn join(parts: &[&str]) -> String {
    parts.concat()
}

/// The `(text, command)` of an error's next action. A backend's own
/// next-action text wins verbatim; the command is always ours.
pub fn next_text(e: &Error, flow: Option<&Flow>) -> (String, Option<String>) {
    let (text, command) = match flow {
        Some(f) => with_flow(e, f),
        None => (generic(e), None),
    };
    let mut text = e.provider_next.clone().unwrap_or(text);
    if e.maybe_minted {
        text.push_str(" The backend may have minted a key before the answer was lost: sign in again to mint a fresh one; the earlier key stays valid until revoked.");
    }
    (text, command)
}

fn generic(e: &Error) -> String {
    match &e.next {
        Next::Wait(n) => join(&["Wait ", &int_str(*n), " seconds, then try again."]),
        Next::SignInAgain => String::from("Sign in again."),
        Next::Refresh => String::from("Refresh the session, then try again."),
        Next::FixInput(field) => join(&["Check '", field, "' and try again."]),
        Next::None => String::new(),
        _ => String::from("Try again in a few seconds."),
    }
}

fn with_flow(e: &Error, f: &Flow) -> (String, Option<String>) {
    let request = request_cmd(f, &f.purpose);
    let complete = complete_cmd(f);
    match &e.next {
        Next::FixInput("email") => (
            join(&[
                "Pass a valid email: ",
                &f.program,
                " ",
                &verb(&f.spec.cmd_request, &f.purpose),
                " --email you@example.com",
            ]),
            None,
        ),
        Next::FixInput("code") => (
            join(&["Enter the 6-digit code from the email: ", &complete]),
            Some(complete),
        ),
        Next::FixInput("companyName") => (
            String::from("Shorten --company to at most 100 characters."),
            None,
        ),
        Next::FixInput("keyExpiresInDays") => (
            String::from("Pass --key-expires-in a whole number of days from 1 to 365, or omit it."),
            None,
        ),
        Next::FixInput("baseUrl") => (
            String::from(
                "Use an https:// URL (plain http:// is allowed only for loopback addresses).",
            ),
            None,
        ),
        Next::FixInput(field) => (
            join(&["Check '", field, "' and run the command again."]),
            None,
        ),
        Next::Wait(n) => {
            // Throttled code requests wait and re-request; anything else waits and
            // re-sends the code it already has.
            let resend = matches!(
                f.phase,
                crate::flow::Phase::CodeSent | crate::flow::Phase::ChooseOrg
            ) && !matches!(
                e.code,
                crate::error::Code::OTP_RESEND_COOLDOWN
                    | crate::error::Code::EMAIL_RATE_LIMITED
                    | crate::error::Code::IP_RATE_LIMITED
                    | crate::error::Code::OTP_LOCKED_OUT
            );
            let step = if resend { &complete } else { &request };
            (
                join(&["Wait ", &int_str(*n), " seconds, then run: ", step]),
                Some(step.clone()),
            )
        }
        Next::SwitchFlow(to) => {
            let cmd = request_cmd(f, to);
            let why = if *to == "login" {
                "This email already has an account. "
            } else {
                "This email has no account yet. "
            };
            (join(&[why, "Run: ", &cmd]), Some(cmd))
        }
        Next::RequestNewCode => (
            join(&["Request a new code with: ", &request]),
            Some(request),
        ),
        Next::RetryCode => {
            let left = e.attempts_remaining.map_or(String::new(), |n| {
                join(&[" (", &int_str(n), " attempts left)"])
            });
            (
                join(&[
                    "Check the code in the email and try again",
                    &left,
                    ": ",
                    &complete,
                ]),
                Some(complete),
            )
        }
        Next::ChooseOrganization(orgs) => {
            let mut cmd = complete;
            cmd.push_str(" --organization-id <id>");
            let mut t = String::from("Choose an organization (");
            for (i, (id, name)) in orgs.iter().enumerate() {
                if i > 0 {
                    t.push_str(", ");
                }
                t.push_str(id);
                if !name.is_empty() {
                    t.push_str(" = ");
                    t.push_str(name);
                }
            }
            t.push_str(") and run: ");
            t.push_str(&cmd);
            (t, Some(cmd))
        }
        Next::RevokeAKey => (
            join(&[
                "Revoke an API key from the dashboard, then run: ",
                &complete,
            ]),
            Some(complete),
        ),
        Next::Retry => {
            let step = if matches!(f.phase, crate::flow::Phase::Ready) {
                request
            } else {
                complete
            };
            (join(&["Try again in a few seconds: ", &step]), Some(step))
        }
        Next::SignInAgain => (join(&["Sign in again with: ", &request]), Some(request)),
        _ => (generic(e), None),
    }
}

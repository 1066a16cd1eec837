//! Human text for next actions, rendered with the calling program's own name
//! and exact flags (`codika auth login-request --email you@example.com`).

use crate::error::{Code, Error, Next};
use crate::flow::{Flow, Phase, Step};
use crate::json::{int_str, Value};
use alloc::string::String;

fn verb(template: &str, purpose: &str) -> String {
    crate::json::replace(template, "{purpose}", purpose)
}

/// Appends ` value`, single-quoted for a POSIX shell when it holds anything but
/// plain word characters.
fn push_arg(c: &mut String, value: &str) {
    c.push(' ');
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b));
    if plain {
        c.push_str(value);
        return;
    }
    c.push('\'');
    for ch in value.chars() {
        if ch == '\'' {
            c.push_str("'\\''");
        } else {
            c.push(ch);
        }
    }
    c.push('\'');
}

fn request_cmd(f: &Flow, purpose: &str) -> String {
    let mut c = f.program.clone();
    c.push(' ');
    c.push_str(&verb(&f.spec.cmd_request, purpose));
    c.push_str(" --email");
    push_arg(&mut c, &f.email);
    c
}

/// The flag of a complete option, and whether it goes with this purpose.
fn option_flag(name: &str, purpose: &str) -> Option<&'static str> {
    let signup = purpose == "signup";
    match name {
        "companyName" if signup => Some("--company"),
        "description" if signup => Some("--description"),
        "keyName" => Some("--key-name"),
        "keyExpiresInDays" => Some("--key-expires-in"),
        "organizationId" if !signup => Some("--organization-id"),
        _ => None,
    }
}

/// The complete command with the flow's recorded options as flags, except `skip`.
fn complete_cmd(f: &Flow, skip: &str) -> String {
    let mut c = f.program.clone();
    c.push(' ');
    c.push_str(&verb(&f.spec.cmd_complete, &f.purpose));
    c.push_str(" --email");
    push_arg(&mut c, &f.email);
    c.push_str(" --code <code>");
    for (name, value) in &f.options {
        let Some(flag) = option_flag(name, &f.purpose).filter(|_| name != skip) else {
            continue;
        };
        c.push(' ');
        c.push_str(flag);
        match value {
            Value::Int(n) => {
                c.push(' ');
                c.push_str(&int_str(*n));
            }
            other => push_arg(&mut c, other.as_str().unwrap_or("")),
        }
    }
    c
}

/// The parts one after another (`concat` links a generic join with a panic path).
#[inline(never)]
pub fn join(parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts {
        out.push_str(p);
    }
    out
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
        Next::FixInput("email") => {
            String::from("Pass a valid email address, e.g. you@example.com.")
        }
        Next::FixInput(field) => join(&["Check '", field, "' and try again."]),
        Next::None => String::new(),
        _ => String::from("Try again in a few seconds."),
    }
}

/// Text with a command: `lead` then the command.
fn run(lead: &str, cmd: String) -> (String, Option<String>) {
    (join(&[lead, &cmd]), Some(cmd))
}

fn with_flow(e: &Error, f: &Flow) -> (String, Option<String>) {
    let request = request_cmd(f, &f.purpose);
    // Which step a retry repeats: the one that failed, else what the phase calls for.
    let repeat_request = match f.last_step {
        Step::Request => true,
        Step::Complete => false,
        Step::Other => matches!(f.phase, Phase::Ready),
    };
    match &e.next {
        Next::FixInput("email") => {
            let mut cmd = f.program.clone();
            cmd.push(' ');
            cmd.push_str(&verb(&f.spec.cmd_request, &f.purpose));
            cmd.push_str(" --email you@example.com");
            run("Pass a valid email: ", cmd)
        }
        Next::FixInput("code") => run(
            "Enter the 6-digit code from the email: ",
            complete_cmd(f, ""),
        ),
        Next::FixInput("companyName") => {
            let max = int_str(f.spec.company_max.unwrap_or(100));
            let mut cmd = complete_cmd(f, "companyName");
            cmd.push_str(" --company <name>");
            run(
                &join(&[
                    "Shorten --company to at most ",
                    &max,
                    " characters, then run: ",
                ]),
                cmd,
            )
        }
        Next::FixInput("keyExpiresInDays") => {
            let (lo, hi) = f.spec.expires_days.unwrap_or((1, 365));
            let mut cmd = complete_cmd(f, "keyExpiresInDays");
            cmd.push_str(" --key-expires-in <days>");
            run(
                &join(&[
                    "Pass --key-expires-in a whole number of days from ",
                    &int_str(lo),
                    " to ",
                    &int_str(hi),
                    ", or omit it for a key that does not expire: ",
                ]),
                cmd,
            )
        }
        Next::FixInput("baseUrl" | "url") => (
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
            // A lockout with a wait ends in a new code; anything else repeats its step.
            let cmd = if repeat_request || e.code == Code::OTP_LOCKED_OUT {
                request
            } else {
                complete_cmd(f, "")
            };
            run(&join(&["Wait ", &int_str(*n), " seconds, then run: "]), cmd)
        }
        Next::SwitchFlow(to) => {
            let why = if *to == "login" {
                "This email already has an account. Run: "
            } else if e.code == Code::USER_HAS_NO_ORGANIZATION {
                "This account has no organization yet. Run: "
            } else {
                "This email has no account yet. Run: "
            };
            run(why, request_cmd(f, to))
        }
        Next::RequestNewCode => run("Request a new code with: ", request),
        Next::RetryCode => {
            let left = e.attempts_remaining.map_or(String::new(), |n| {
                join(&[
                    " (",
                    &int_str(n),
                    if n == 1 {
                        " attempt left)"
                    } else {
                        " attempts left)"
                    },
                ])
            });
            run(
                &join(&["Check the code in the email and try again", &left, ": "]),
                complete_cmd(f, ""),
            )
        }
        Next::ChooseOrganization(orgs) => {
            let mut cmd = complete_cmd(f, "organizationId");
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
            run(&t, cmd)
        }
        Next::RevokeAKey => run(
            "The organization has reached its limit of active API keys. Revoke one from the dashboard, then run: ",
            complete_cmd(f, ""),
        ),
        Next::Retry => {
            let cmd = if repeat_request {
                request
            } else {
                complete_cmd(f, "")
            };
            run("Try again in a few seconds: ", cmd)
        }
        Next::SignInAgain => run("Sign in again with: ", request),
        _ => (generic(e), None),
    }
}

#[cfg(test)]
mod tests {
    use super::push_arg;
    use alloc::string::String;

    #[test]
    fn shell_quoting() {
        for (value, want) in [
            ("you@example.com", " you@example.com"),
            ("Acme Inc", " 'Acme Inc'"),
            ("O'Hara", " 'O'\\''Hara'"),
            ("", " ''"),
        ] {
            let mut c = String::new();
            push_arg(&mut c, value);
            assert_eq!(c, want);
        }
    }
}

//! The one renderer: human text for every next action, rendered with the calling
//! program's own name and the flags the provider declares
//! (`codika auth login-request --email you@example.com`). It knows no flow type:
//! a pending email-code flow describes itself as a [`Ctx`]; session, password,
//! 2FA and OAuth errors (and any error before a flow exists) come without one.

use crate::error::{Code, Error, Next};
use crate::json::Value;
use crate::provider::Spec;
use crate::text::{int_str, join};
use alloc::string::String;

/// What the renderer needs to know of a pending email-code flow.
#[derive(Clone, Copy, Debug)]
pub struct Ctx<'a> {
    /// The calling program's name (`codika`, `npx my-cli`).
    pub program: &'a str,
    /// The provider: its command verbs, flags and limits.
    pub spec: &'a Spec,
    /// The flow's email.
    pub email: &'a str,
    /// `login` or `signup`.
    pub purpose: &'a str,
    /// The complete options the caller gave, by canonical name.
    pub options: &'a [(String, Value)],
    /// True when a retry repeats the request step (it failed, or the flow is
    /// ready for one); false when it repeats the complete step.
    pub repeat_request: bool,
}

fn verb(template: &str, purpose: &str) -> String {
    crate::text::replace(template, "{purpose}", purpose)
}

/// Appends ` value`, single-quoted for a POSIX shell when it holds anything but
/// plain word characters.
fn push_arg(c: &mut String, value: &str) {
    c.push(' ');
    let plain = !value.is_empty()
        && value.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'_' | b'@' | b'%' | b'+' | b'=' | b':' | b',' | b'.' | b'/' | b'-'
                )
        });
    if plain {
        c.push_str(value);
        return;
    }
    // Quote runs copied whole; each `'` closes the quote, adds an escaped one, reopens.
    c.push('\'');
    let mut rest = value;
    while let Some((run, more)) = crate::text::cut(rest, b'\'') {
        c.push_str(run);
        c.push_str("'\\''");
        rest = more;
    }
    c.push_str(rest);
    c.push('\'');
}

/// `<program> <verb> --email <email>`. Flags are the provider's (a custom spec
/// is caller data), so they go through the quoting too.
fn command(c: &Ctx, template: &str, purpose: &str, email: &str) -> String {
    let mut cmd = String::from(c.program);
    cmd.push(' ');
    cmd.push_str(&verb(template, purpose));
    push_arg(&mut cmd, c.spec.flag("email"));
    push_arg(&mut cmd, email);
    cmd
}

fn request_cmd(c: &Ctx, purpose: &str) -> String {
    command(c, &c.spec.cmd_request, purpose, c.email)
}

/// The flag of a complete option, if it goes with this purpose.
fn option_flag<'a>(spec: &'a Spec, name: &str, purpose: &str) -> Option<&'a str> {
    let signup = purpose == "signup";
    let applies = match name {
        "companyName" | "description" => signup,
        "keyName" | "keyExpiresInDays" => true,
        "organizationId" => !signup,
        _ => false,
    };
    applies.then(|| spec.flag(name))
}

/// The complete command with the flow's recorded options as flags, except `skip`.
fn complete_cmd(c: &Ctx, skip: &str) -> String {
    let mut cmd = command(c, &c.spec.cmd_complete, c.purpose, c.email);
    push_arg(&mut cmd, c.spec.flag("code"));
    cmd.push_str(" <code>");
    for (name, value) in c.options {
        let Some(flag) = option_flag(c.spec, name, c.purpose).filter(|_| name != skip) else {
            continue;
        };
        push_arg(&mut cmd, flag);
        match value {
            Value::Int(n) => {
                cmd.push(' ');
                cmd.push_str(&int_str(*n));
            }
            other => push_arg(&mut cmd, other.as_str().unwrap_or("")),
        }
    }
    cmd
}

/// The complete command for fixing option `name`: the others as given, then
/// `<flag> <placeholder>`; and the flag.
fn fix_cmd<'a>(c: &Ctx<'a>, name: &str, placeholder: &str) -> (String, &'a str) {
    let flag = c.spec.flag(name);
    let mut cmd = complete_cmd(c, name);
    push_arg(&mut cmd, flag);
    cmd.push(' ');
    cmd.push_str(placeholder);
    (cmd, flag)
}

/// The `(text, command)` of an error's next action. A backend's own
/// next-action text wins verbatim; the command is always ours.
pub fn next_text(e: &Error, flow: Option<&Ctx>) -> (String, Option<String>) {
    let (text, command) = match flow {
        Some(c) => with_flow(e, c),
        None => (flowless(e), None),
    };
    let mut text = e.provider_next.clone().unwrap_or(text);
    // First, so that a text ending in its command still ends there (a terminal user copies
    // the command from the end of the line).
    if e.maybe_minted {
        text = join(&[
            "The backend may have minted a key before the answer was lost: sign in again to mint a fresh one; the earlier key stays valid until revoked. ",
            &text,
        ]);
    }
    (text, command)
}

/// Text without a command: the session, password, 2FA and OAuth errors, and any
/// error before a flow exists (the caller's program decides its own verbs).
fn flowless(e: &Error) -> String {
    match (&e.next, e.code) {
        // A session-family step sent to the email-code-only build (`protocol::otp_only`).
        #[cfg(not(feature = "sessions"))]
        (Next::FixInput("import"), _) => String::from("Import the flow from 'keymint/sessions'."),
        (Next::FixInput(_), Code::INSUFFICIENT_SCOPE) => match &e.required_scope {
            Some(sc) => join(&[
                "This call needs the '",
                sc,
                "' scope: sign in again granting it, or use an API token that has it.",
            ]),
            None => String::from("This call needs a scope the credential lacks."),
        },
        (Next::FixInput(_), Code::WEAK_PASSWORD) => {
            String::from("Choose a longer password, then try again.")
        }
        (Next::FixInput(_), Code::INVALID_CREDENTIALS) => {
            String::from("Check the email and password, then sign in again.")
        }
        (Next::FixInput(_), Code::INVALID_CLIENT | Code::UNAUTHORIZED_CLIENT) => {
            String::from("Check the OAuth client id and secret.")
        }
        (Next::RetryCode, _) => join(&[
            "Check the authenticator code and try again",
            &attempts_left(e),
            ".",
        ]),
        (Next::SwitchFlow(to), _) => String::from(if *to == "login" {
            "This email already has an account: sign in instead."
        } else {
            "This email has no account yet: sign up instead."
        }),
        (Next::SignInAgain, Code::REFRESH_TOKEN_REUSED) => String::from(
            "The backend revoked the session because a used refresh token was presented again. Sign in again.",
        ),
        (Next::SignInAgain, Code::STATE_MISMATCH) => String::from(
            "The authorization answer does not belong to this sign-in (stale or forged); nothing was exchanged. Start the sign-in again.",
        ),
        _ => generic(e),
    }
}

/// ` (n attempts left)`, or nothing when the backend did not say.
fn attempts_left(e: &Error) -> String {
    e.attempts_remaining.map_or(String::new(), |n| {
        join(&[
            " (",
            &int_str(n),
            if n == 1 {
                " attempt left)"
            } else {
                " attempts left)"
            },
        ])
    })
}

fn generic(e: &Error) -> String {
    match &e.next {
        Next::Wait(n) => join(&["Wait ", &int_str(*n), " seconds, then try again."]),
        Next::SignInAgain => String::from("Sign in again."),
        Next::OpenUrl { url, user_code, .. } => join(&[
            "Open ",
            url,
            " in a browser and confirm the code ",
            user_code,
            ", then poll again.",
        ]),
        Next::Refresh => String::from("Refresh the session, then try again."),
        Next::FixInput("email") => {
            String::from("Pass a valid email address, e.g. you@example.com.")
        }
        Next::FixInput(field) => join(&["Check '", field, "' and try again."]),
        Next::None => String::new(),
        // Without a flow there is no command to repeat: say what to do instead of "try again".
        Next::RequestNewCode => String::from("Start the sign-in again to get a new code."),
        Next::RevokeAKey => String::from("Revoke an API key in the dashboard, then try again."),
        _ => String::from("Try again in a few seconds."),
    }
}

/// Text with a command: `lead` then the command.
fn run(lead: &str, cmd: String) -> (String, Option<String>) {
    (join(&[lead, &cmd]), Some(cmd))
}

fn with_flow(e: &Error, c: &Ctx) -> (String, Option<String>) {
    let request = request_cmd(c, c.purpose);
    match &e.next {
        Next::FixInput("email") => run(
            "Pass a valid email: ",
            command(c, &c.spec.cmd_request, c.purpose, "you@example.com"),
        ),
        Next::FixInput("code") => {
            // The provider's code format: `6 digits`, `8 letters or digits, as XXXX-XXXX`.
            let what = c.spec.code_format.describe();
            run(
                &join(&["Enter the code from the email (", &what, "): "]),
                complete_cmd(c, ""),
            )
        }
        Next::FixInput("companyName") => {
            let max = int_str(c.spec.company_max.unwrap_or(100));
            let (cmd, flag) = fix_cmd(c, "companyName", "<name>");
            run(
                &join(&["Shorten ", flag, " to at most ", &max, " characters, then run: "]),
                cmd,
            )
        }
        Next::FixInput("keyExpiresInDays") => {
            let (lo, hi) = c.spec.expires_days.unwrap_or((1, 365));
            let (cmd, flag) = fix_cmd(c, "keyExpiresInDays", "<days>");
            run(
                &join(&[
                    "Pass ",
                    flag,
                    " a whole number of days from ",
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
            let cmd = if c.repeat_request || e.code == Code::OTP_LOCKED_OUT {
                request
            } else {
                complete_cmd(c, "")
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
            run(why, request_cmd(c, to))
        }
        Next::RequestNewCode => run("Request a new code with: ", request),
        Next::RetryCode => run(
            &join(&[
                "Check the code in the email and try again",
                &attempts_left(e),
                ": ",
            ]),
            complete_cmd(c, ""),
        ),
        Next::ChooseOrganization(orgs) => {
            let (cmd, _) = fix_cmd(c, "organizationId", "<id>");
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
            complete_cmd(c, ""),
        ),
        Next::Retry => {
            let cmd = if c.repeat_request {
                request
            } else {
                complete_cmd(c, "")
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

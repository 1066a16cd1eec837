//! The protocol edge: the only code that knows the names of ops, events and
//! actions on the wire. It decodes the step input into typed values for the
//! engines and encodes what they answer.

pub mod otp;
pub mod schema;

/// The op a step input names (`{op, …}`): which engine and which entry of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// Start an email-code flow.
    Start,
    /// Check a saved flow of any kind.
    Validate,
    /// One event of a saved flow of any kind.
    Event,
    /// The whoami request of an email-code credential.
    Whoami,
    /// Its answer.
    WhoamiResponse,
    /// The refresh request of an email-code session credential.
    TokenRefresh,
    /// Its answer.
    TokenRefreshResponse,
    /// A one-shot session operation's request.
    SessionRequest,
    /// Its answer.
    SessionResponse,
    /// A TOTP code.
    Totp,
    /// What an API token's prefix says.
    ApiToken,
    /// Start a password flow.
    PasswordStart,
    /// Start an OAuth2 flow.
    OauthStart,
    /// Start a device flow.
    DeviceStart,
}

impl Op {
    /// Every op, in the order of [`schema::OPS`].
    pub const ALL: [Op; 14] = [
        Op::Start,
        Op::Validate,
        Op::Event,
        Op::Whoami,
        Op::WhoamiResponse,
        Op::TokenRefresh,
        Op::TokenRefreshResponse,
        Op::SessionRequest,
        Op::SessionResponse,
        Op::Totp,
        Op::ApiToken,
        Op::PasswordStart,
        Op::OauthStart,
        Op::DeviceStart,
    ];

    /// The op named `name` on the wire (its [`schema::OPS`] tag).
    pub fn parse(name: &str) -> Option<Op> {
        let i = schema::OPS.iter().position(|s| s.tag == name)?;
        Op::ALL.get(i).copied()
    }
}

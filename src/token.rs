//! Reading what a backend's tokens say about themselves.

/// The `exp` claim (Unix seconds) of a JWT's payload, read without checking
/// its signature: only to tell the caller when the token stops working.
pub fn jwt_exp(token: &str) -> Option<i64> {
    let (_, rest) = crate::text::cut(token, b'.')?;
    let (payload, _) = crate::text::cut(rest, b'.')?;
    let bytes = crate::crypto::base64url_decode(payload)?;
    let claims = crate::json::parse(core::str::from_utf8(&bytes).ok()?)?;
    claims.int_at("exp").filter(|n| *n > 0)
}

//! Reading what a backend's tokens say about themselves.

/// The `exp` claim (Unix seconds) of a JWT's payload, read without checking
/// its signature: only to tell the caller when the token stops working.
pub fn jwt_exp(token: &str) -> Option<i64> {
    let (_, rest) = crate::text::cut(token, b'.')?;
    let (payload, _) = crate::text::cut(rest, b'.')?;
    let bytes = crate::crypto::base64url_decode(payload)?;
    // Only `exp`, a number, is read: bytes past ASCII stand in as U+FFFD rather than being
    // validated as UTF-8 (a claim's text cannot change the number; this keeps the UTF-8
    // validator, ~700 bytes, out of the wasm).
    let mut text = alloc::string::String::with_capacity(bytes.len());
    for b in bytes {
        text.push(if b.is_ascii() {
            char::from(b)
        } else {
            '\u{fffd}'
        });
    }
    let claims = crate::json::parse(&text)?;
    claims.int_at("exp").filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::jwt_exp;

    /// `header.payload.sig` with `payload` base64url-encoded (no padding).
    fn jwt(payload: &[u8]) -> alloc::string::String {
        let mut t = alloc::string::String::from("eyJhbGciOiJIUzI1NiJ9.");
        t.push_str(&crate::crypto::base64url(payload));
        t.push_str(".c2ln");
        t
    }

    #[test]
    fn exp_is_read_past_claims_that_are_not_ascii() {
        assert_eq!(jwt_exp(&jwt(br#"{"exp":1795800000}"#)), Some(1_795_800_000));
        // A name in UTF-8, and bytes that are not UTF-8 at all: the number is still read.
        assert_eq!(
            jwt_exp(&jwt(
                "{\"name\":\"Zoë Ångström\",\"exp\":1795800000}".as_bytes()
            )),
            Some(1_795_800_000)
        );
        assert_eq!(
            jwt_exp(&jwt(b"{\"name\":\"\xff\xfe\",\"exp\":1795800000}")),
            Some(1_795_800_000)
        );
        // Not JSON, no exp, or an exp that is not positive: none.
        assert_eq!(jwt_exp(&jwt(b"\xff{\"exp\":1}")), None);
        assert_eq!(jwt_exp(&jwt(br#"{"iat":1}"#)), None);
        assert_eq!(jwt_exp(&jwt(br#"{"exp":0}"#)), None);
        assert_eq!(jwt_exp("not-a-jwt"), None);
    }
}

//! The few primitives the core needs, written out so the wasm carries no
//! dependency: SHA-1 and SHA-256 (FIPS 180-4), HMAC (RFC 2104), base32
//! (RFC 4648 §6), unpadded base64url (RFC 4648 §5), hex, and the FNV-1a
//! checksum of saved documents.
//!
//! Small and panic-free: no indexing, message schedules kept as a rolling
//! 16-word window. These back TOTP, PKCE and the saved-document check; nothing here is meant to be
//! constant-time or fast on large inputs.

use alloc::string::String;
use alloc::vec::Vec;

const SHA256_K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// The message padded to whole 64-byte blocks with its bit length appended (big-endian).
fn padded(msg: &[u8]) -> Vec<u8> {
    let bits = (msg.len() as u64).wrapping_mul(8);
    let mut m = Vec::with_capacity(msg.len() + 72);
    m.extend_from_slice(msg);
    m.push(0x80);
    while m.len() % 64 != 56 {
        m.push(0);
    }
    m.extend_from_slice(&bits.to_be_bytes());
    m
}

/// The 16 big-endian words of a 64-byte block.
fn words(block: &[u8]) -> [u32; 16] {
    let mut w = [0u32; 16];
    for (i, b) in block.iter().take(64).enumerate() {
        if let Some(slot) = w.get_mut(i / 4) {
            *slot = (*slot << 8) | u32::from(*b);
        }
    }
    w
}

fn to_bytes(state: &[u32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(state.len() * 4);
    for w in state {
        out.extend_from_slice(&w.to_be_bytes());
    }
    out
}

/// SHA-1 (20 bytes). Used only inside HMAC for TOTP, as RFC 6238 specifies.
pub fn sha1(msg: &[u8]) -> Vec<u8> {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    for block in padded(msg).chunks_exact(64) {
        // `w` holds W[t..t+16]: round t reads w[0], then the window moves on.
        let mut w = words(block);
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for t in 0..80 {
            let (f, k) = match t {
                0..=19 => ((b & c) | (!b & d), 0x5A827999),
                20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6),
            };
            let temp = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(w[0]);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = temp;
            let next = (w[13] ^ w[8] ^ w[2] ^ w[0]).rotate_left(1);
            w.rotate_left(1);
            w[15] = next;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    to_bytes(&h)
}

/// SHA-256 (32 bytes).
pub fn sha256(msg: &[u8]) -> Vec<u8> {
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    for block in padded(msg).chunks_exact(64) {
        let mut w = words(block);
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for k in SHA256_K {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(k)
                .wrapping_add(w[0]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
            let (w1, w14) = (w[1], w[14]);
            let sig0 = w1.rotate_right(7) ^ w1.rotate_right(18) ^ (w1 >> 3);
            let sig1 = w14.rotate_right(17) ^ w14.rotate_right(19) ^ (w14 >> 10);
            let next = sig1
                .wrapping_add(w[9])
                .wrapping_add(sig0)
                .wrapping_add(w[0]);
            w.rotate_left(1);
            w[15] = next;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    to_bytes(&h)
}

/// HMAC (RFC 2104) over a hash with a 64-byte block (SHA-1, SHA-256).
pub fn hmac(hash: fn(&[u8]) -> Vec<u8>, key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut k = if key.len() > 64 {
        hash(key)
    } else {
        key.to_vec()
    };
    k.resize(64, 0);
    let mut inner: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    inner.extend_from_slice(msg);
    let mut outer: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    outer.extend_from_slice(&hash(&inner));
    hash(&outer)
}

const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded base64url (RFC 4648 §5), as PKCE and compact tokens use it.
pub fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .chain(core::iter::repeat(&0))
            .take(3)
            .fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
        for i in 0..=chunk.len() {
            let six = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(
                B64URL.get(six as usize).copied().unwrap_or(b'A'),
            ));
        }
    }
    out
}

/// Decodes unpadded base64url (RFC 4648 §5); `None` for any other character or
/// a dangling partial character.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in text.bytes() {
        let six = B64URL.iter().position(|c| *c == b)? as u32;
        acc = (acc << 6) | six;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (bits < 6).then_some(out)
}

/// Decodes base32 (RFC 4648 §6), as TOTP secrets are written: case-insensitive,
/// spaces and dashes ignored, trailing `=` padding allowed. `None` for any other
/// character, a dangling partial character, or an empty secret.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let clean = crate::text::trim_end_any(text, b"= ");
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in clean.bytes() {
        let v = match c.to_ascii_uppercase() {
            b' ' | b'-' => continue,
            u @ b'A'..=b'Z' => u - b'A',
            d @ b'2'..=b'7' => d - b'2' + 26,
            _ => return None,
        };
        acc = ((acc << 5) | u32::from(v)) & 0xFFFF;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    // Five or more leftover bits would be a character that encodes nothing.
    (bits < 5 && !out.is_empty()).then_some(out)
}

/// The one check of a saved flow document, for every engine: FNV-1a 64 of the
/// document text, hex. Catches accidental damage (a truncated file, a stray
/// edit), not tampering: it is unkeyed, so anyone who can write the document
/// can recompute it. Documents are protected from other users by the
/// store (owner-only files, ownership checks), not by this check.
pub fn checksum(text: &str) -> String {
    checksum_of(&[text])
}

/// [`checksum`] of the texts one after another (without joining them first).
pub fn checksum_of(texts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for text in texts {
        for b in text.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    let mut out = String::with_capacity(16);
    for i in (0..16).rev() {
        let d = ((h >> (i * 4)) & 15) as u8;
        out.push(char::from(if d < 10 { b'0' + d } else { b'a' + d - 10 }));
    }
    out
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for nibble in [b >> 4, b & 15] {
            out.push(char::from(
                HEX.get(usize::from(nibble)).copied().unwrap_or(b'0'),
            ));
        }
    }
    out
}

/// Decodes hex (either case); `None` for odd length or another character.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 2);
    for pair in text.as_bytes().chunks(2) {
        let mut byte = 0u32;
        if pair.len() != 2 {
            return None;
        }
        for c in pair {
            byte = byte * 16 + char::from(*c).to_digit(16)?;
        }
        out.push(byte as u8);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests() {
        assert_eq!(
            hex(&sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(hex(&sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // Two blocks.
        let two = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(
            hex(&sha256(two)),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        assert_eq!(hex(&sha1(two)), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    }

    #[test]
    fn hmacs() {
        // RFC 2202 / RFC 4231 test case 2.
        let (key, msg) = (b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&hmac(sha1, key, msg)),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        assert_eq!(
            hex(&hmac(sha256, key, msg)),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // A key longer than the block is hashed first (RFC 4231 test case 6).
        let long = [0xaa_u8; 131];
        assert_eq!(
            hex(&hmac(
                sha256,
                &long,
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn encodings() {
        for (raw, want) in [
            (&b""[..], ""),
            (b"f", "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg"),
            (&[0xfb, 0xff][..], "-_8"),
        ] {
            assert_eq!(base64url(raw), want);
        }
        assert_eq!(
            base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").as_deref(),
            Some(&b"12345678901234567890"[..])
        );
        assert_eq!(
            base32_decode("mzxw6ytb-oi======").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(base32_decode("MZXW 6YQ").as_deref(), Some(&b"foob"[..]));
        for bad in ["", "A", "MZXW1", "MZ XW!", "===="] {
            assert_eq!(base32_decode(bad), None, "{bad}");
        }
        assert_eq!(unhex("00ffA0").as_deref(), Some(&[0, 255, 160][..]));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}

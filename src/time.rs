//! RFC 3339 timestamps <-> Unix seconds. The core never reads a clock: callers
//! pass `now` in, and every deadline is stored as Unix seconds.

use alloc::string::String;

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn digits(b: &[u8], from: usize, n: usize) -> Option<i64> {
    let part = b.get(from..from.checked_add(n)?)?;
    part.iter().try_fold(0i64, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` into Unix seconds (fractions dropped).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let (y, mo, d) = (digits(b, 0, 4)?, digits(b, 5, 2)?, digits(b, 8, 2)?);
    let (h, mi, se) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || b.get(13) != Some(&b':') {
        return None;
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(16) != Some(&b':') {
        return None;
    }
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b.get(i + 3) == Some(&b':') => {
            let o = digits(b, i + 1, 2)? * 3600 + digits(b, i + 4, 2)? * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset)
}

/// Parses an HTTP-date in the IMF-fixdate form every server sends (RFC 9110 §5.6.7:
/// `Sun, 06 Nov 1994 08:49:37 GMT`) into Unix seconds.
pub fn parse_http_date(s: &str) -> Option<i64> {
    const MONTHS: &[u8; 36] = b"JanFebMarAprMayJunJulAugSepOctNovDec";
    let b = s.as_bytes();
    if b.len() != 29 || b.get(3) != Some(&b',') || b.get(25..) != Some(b" GMT".as_slice()) {
        return None;
    }
    let month = b.get(8..11)?;
    let mo = MONTHS.chunks(3).position(|m| m == month)? as i64 + 1;
    let mut iso = String::new();
    for (from, to) in [(12, 16), (0, 0), (5, 7)] {
        if from == 0 {
            iso.push('-');
            push2(&mut iso, mo);
            iso.push('-');
        } else {
            iso.push_str(s.get(from..to)?);
        }
    }
    iso.push('T');
    iso.push_str(s.get(17..25)?);
    iso.push('Z');
    parse_rfc3339(&iso)
}

fn push2(out: &mut String, n: i64) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (years 0–9999).
pub fn format_rfc3339(t: i64) -> String {
    let t = t.clamp(-62_167_219_200, 253_402_300_799);
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let secs = t.rem_euclid(86_400);
    let mut out = String::with_capacity(20);
    push2(&mut out, y / 100);
    push2(&mut out, y);
    out.push('-');
    push2(&mut out, m);
    out.push('-');
    push2(&mut out, d);
    out.push('T');
    push2(&mut out, secs / 3600);
    out.push(':');
    push2(&mut out, secs / 60 % 60);
    out.push(':');
    push2(&mut out, secs % 60);
    out.push('Z');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2026-11-22T17:40:00Z"), Some(1_795_369_200));
        assert_eq!(
            parse_rfc3339("2026-11-22T18:40:00.123+01:00"),
            Some(1_795_369_200)
        );
        assert_eq!(format_rfc3339(1_795_369_200), "2026-11-22T17:40:00Z");
        assert_eq!(format_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        for bad in [
            "",
            "2026-11-22",
            "2026-13-01T00:00:00Z",
            "2026-11-22T17:40:00",
            "x026-11-22T17:40:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn http_dates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            parse_http_date("Thu, 03 Dec 2026 06:41:10 GMT"),
            parse_rfc3339("2026-12-03T06:41:10Z")
        );
        for bad in [
            "",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sunday, 06-Nov-94 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn round_trip() {
        for t in [0, 86_399, 1_795_369_200, -1, 4_102_444_800] {
            assert_eq!(parse_rfc3339(&format_rfc3339(t)), Some(t));
        }
    }
}

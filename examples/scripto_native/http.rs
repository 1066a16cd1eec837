//! A small HTTP/1.1 client over `std::net::TcpStream`, enough for the example:
//! loopback `http://` only (the emulator), one request per connection
//! (`Connection: close`), socket timeouts, and a body capped at 1 MiB
//! (the core's own limit for an answer). Content-Length and chunked bodies.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const IO_TIMEOUT: Duration = Duration::from_secs(15);
const MAX_BODY: usize = 1 << 20;

/// An answer: status, headers (names lower-cased) and body.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// Why no answer came; `kind` is the core's `transport_error` kind.
#[derive(Debug)]
pub struct Failure {
    pub kind: &'static str,
    pub why: String,
}

fn fail(kind: &'static str, why: impl Into<String>) -> Failure {
    Failure {
        kind,
        why: why.into(),
    }
}

fn io_fail(e: std::io::Error) -> Failure {
    match e.kind() {
        ErrorKind::TimedOut | ErrorKind::WouldBlock => fail("timeout", e.to_string()),
        _ => fail("network", e.to_string()),
    }
}

/// Performs one request. `url` must be `http://` to a loopback address: this
/// client sends credentials in the clear and is for the local emulator only.
pub fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Result<Response, Failure> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| fail("network", format!("not a loopback http:// URL: {url}")))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    let addrs: Vec<SocketAddr> = authority
        .to_socket_addrs()
        .map_err(|e| fail("network", format!("{authority}: {e}")))?
        .collect();
    if addrs.is_empty() || !addrs.iter().all(|a| a.ip().is_loopback()) {
        return Err(fail(
            "network",
            format!("{authority} is not a loopback address"),
        ));
    }
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\n");
    for (name, value) in headers {
        // A CR or LF in a header would let a value write its own headers.
        if (name.as_bytes().iter().chain(value.as_bytes())).any(|&b| b == b'\r' || b == b'\n') {
            return Err(fail("network", format!("header {name} has a line break")));
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(b) = body {
        head.push_str(&format!("content-length: {}\r\n", b.len()));
    }
    head.push_str("\r\n");

    let mut stream = connect(&addrs)?;
    stream.set_read_timeout(Some(IO_TIMEOUT)).map_err(io_fail)?;
    stream
        .set_write_timeout(Some(IO_TIMEOUT))
        .map_err(io_fail)?;
    stream.write_all(head.as_bytes()).map_err(io_fail)?;
    stream
        .write_all(body.unwrap_or("").as_bytes())
        .map_err(io_fail)?;
    let mut raw = Vec::new();
    stream
        .take((MAX_BODY + 64 * 1024) as u64)
        .read_to_end(&mut raw)
        .map_err(io_fail)?;
    parse(&raw)
}

fn connect(addrs: &[SocketAddr]) -> Result<TcpStream, Failure> {
    let mut last = fail("network", "no address");
    for addr in addrs {
        match TcpStream::connect_timeout(addr, CONNECT_TIMEOUT) {
            Ok(s) => return Ok(s),
            Err(e) => last = io_fail(e),
        }
    }
    Err(last)
}

fn parse(raw: &[u8]) -> Result<Response, Failure> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| fail("network", "the answer ended inside its headers"))?;
    let (head, rest) = raw.split_at(split);
    let payload = rest.get(4..).unwrap_or_default();
    let head = std::str::from_utf8(head).map_err(|_| fail("network", "headers not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| fail("network", "no status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let body = if header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        dechunk(payload)?
    } else if let Some(len) = header("content-length").and_then(|n| n.parse::<usize>().ok()) {
        payload
            .get(..len)
            .ok_or_else(|| fail("network", "the body was cut short"))?
            .to_vec()
    } else {
        payload.to_vec()
    };
    if body.len() > MAX_BODY {
        return Err(fail("too_large", "the body is over 1 MiB"));
    }
    let body = String::from_utf8(body).map_err(|_| fail("network", "body not UTF-8"))?;
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// A chunked body (RFC 9112 §7.1), extensions and trailers ignored.
fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::new();
    loop {
        let eol = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| fail("network", "a chunk was cut short"))?;
        let size_line = std::str::from_utf8(data.get(..eol).unwrap_or_default()).unwrap_or("");
        let size_hex = size_line.split(';').next().unwrap_or("").trim();
        let size =
            usize::from_str_radix(size_hex, 16).map_err(|_| fail("network", "a bad chunk size"))?;
        if size == 0 {
            return Ok(out);
        }
        let start = eol + 2;
        let chunk = data
            .get(start..start + size)
            .ok_or_else(|| fail("network", "a chunk was cut short"))?;
        if out.len() + size > MAX_BODY {
            return Err(fail("too_large", "the body is over 1 MiB"));
        }
        out.extend_from_slice(chunk);
        data = data.get(start + size + 2..).unwrap_or_default();
    }
}

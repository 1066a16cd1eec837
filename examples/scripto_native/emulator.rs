//! The keymint emulator (`js/bin/keymint-emulator.mjs`) as a child process: it
//! picks a free port (`--port 0`) and prints its URL on stdout; it is killed
//! when the guard is dropped, on success and on every failure path.

use crate::http;
use keymint::json::{parse, Value};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

const STARTUP: Duration = Duration::from_secs(20);

/// A running emulator: its base URL, and what it wrote on stderr (shown on failure).
pub struct Emulator {
    pub url: String,
    child: Child,
    stderr: Arc<Mutex<String>>,
}

impl Emulator {
    /// Starts `node <repo>/js/bin/keymint-emulator.mjs --port 0` (`NODE` names
    /// another node binary) and waits for its URL line.
    pub fn start(repo: &Path) -> Result<Emulator, String> {
        let node = std::env::var("NODE").unwrap_or_else(|_| String::from("node"));
        let bin = repo.join("js/bin/keymint-emulator.mjs");
        let mut child = Command::new(&node)
            .arg(&bin)
            .args(["--port", "0", "--host", "127.0.0.1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not run {node} {}: {e}", bin.display()))?;
        // Drained in the background so a chatty emulator never blocks on a full pipe.
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(mut err) = child.stderr.take() {
            let sink = Arc::clone(&stderr);
            thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = err.read(&mut buf) {
                    if let (Ok(mut s), Some(bytes)) = (sink.lock(), buf.get(..n)) {
                        s.push_str(&String::from_utf8_lossy(bytes));
                    }
                }
            });
        }
        let (tx, rx) = mpsc::channel();
        if let Some(out) = child.stdout.take() {
            thread::spawn(move || {
                let mut line = String::new();
                let _ = BufReader::new(out).read_line(&mut line);
                let _ = tx.send(line);
                // Stdout is then left unread: the emulator prints nothing more there.
            });
        }
        let mut emu = Emulator {
            url: String::new(),
            child,
            stderr,
        };
        match rx.recv_timeout(STARTUP) {
            Ok(line) if line.trim().starts_with("http://") => {
                emu.url = line.trim().to_string();
                Ok(emu)
            }
            Ok(_) => Err(emu.failure("the emulator exited before printing its URL")),
            Err(_) => Err(emu.failure("the emulator printed no URL in time")),
        }
    }

    /// `why`, with what the emulator wrote on stderr.
    pub fn failure(&self, why: &str) -> String {
        let log = self.stderr.lock().map(|s| s.clone()).unwrap_or_default();
        if log.trim().is_empty() {
            why.to_string()
        } else {
            format!("{why}\nemulator stderr:\n{}", log.trim_end())
        }
    }

    /// The code last emailed to `email`, from the emulator's outbox
    /// (`GET /__keymint/outbox?email=…`, a development route).
    pub fn inbox(&self, email: &str) -> Result<String, String> {
        let url = format!(
            "{}/__keymint/outbox?email={}",
            self.url,
            query_escape(email)
        );
        let r = http::send("GET", &url, &[("accept", "application/json")], None)
            .map_err(|f| format!("outbox: {} ({})", f.why, f.kind))?;
        if r.status != 200 {
            return Err(format!("outbox: HTTP {}: {}", r.status, r.body));
        }
        parse(&r.body)
            .as_ref()
            .and_then(|m| m.get("code"))
            .and_then(Value::as_str)
            .map(String::from)
            .ok_or_else(|| format!("outbox: no code in {}", r.body))
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986 §2.3).
fn query_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

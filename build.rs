//! Minifies the built-in provider specs (src/provider/*.json) into OUT_DIR:
//! insignificant white space is dropped so the wasm carries less text and
//! parses it faster. No dependencies; string contents are copied verbatim.
use std::{env, fs, path::Path};

fn minify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_str, mut escaped) = (false, false);
    for c in text.chars() {
        if in_str {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\n' | '\r' | '\t') {
            out.push(c);
        }
    }
    out
}

/// The built-in presets, in the order the core lists them: the one list (the core includes
/// the `presets.rs` written here).
const PRESETS: [&str; 6] = [
    "scripto",
    "codika",
    "sessions",
    "coditect",
    "better-auth",
    "pocketbase",
];

/// Top-level members only the session family reads (`src/backend.rs`): a build without the
/// `sessions` feature (the default JS entry's wasm) leaves them, and CODITECT (a password and
/// OAuth2 provider with no email-code flow), out of its presets.
const FAMILY_ONLY: [&str; 6] = [
    "session",
    "oauth",
    "device",
    "apiTokens",
    "authUrl",
    "password",
];

/// The minified text without its top-level members named in `drop`.
fn without(text: &str, drop: &[&str]) -> String {
    let b = text.as_bytes();
    // Bytes: only whole members (between ASCII delimiters) are dropped, so what is left
    // is still UTF-8.
    let mut out: Vec<u8> = Vec::with_capacity(text.len());
    let mut scan = Scan::default();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if !scan.in_str && scan.depth == 1 && c == b'"' {
            // A top-level key: `"name":value`.
            let rest = text.get(i + 1..).unwrap_or("");
            let key = rest.split('"').next().unwrap_or("");
            if drop.contains(&key) {
                // Skip the key, its value, and the comma after it (or the one before it).
                let mut j = i + key.len() + 3;
                let mut value = Scan::default();
                while let Some(&v) = b.get(j) {
                    if !value.in_str && value.depth == 0 && matches!(v, b',' | b'}' | b']') {
                        break;
                    }
                    value.feed(v);
                    j += 1;
                }
                if b.get(j) == Some(&b',') {
                    j += 1;
                } else if out.last() == Some(&b',') {
                    out.pop();
                }
                i = j;
                continue;
            }
        }
        scan.feed(c);
        out.push(c);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// Where a scan of JSON text is: nesting depth, inside a string, after a backslash.
#[derive(Default)]
struct Scan {
    depth: usize,
    in_str: bool,
    escaped: bool,
}

impl Scan {
    fn feed(&mut self, c: u8) {
        if self.in_str {
            if self.escaped {
                self.escaped = false;
            } else if c == b'\\' {
                self.escaped = true;
            } else if c == b'"' {
                self.in_str = false;
            }
        } else if c == b'"' {
            self.in_str = true;
        } else if c == b'{' || c == b'[' {
            self.depth += 1;
        } else if c == b'}' || c == b']' {
            self.depth = self.depth.saturating_sub(1);
        }
    }
}

fn main() {
    let out_dir = env::var("OUT_DIR").unwrap_or_else(|_| String::from("."));
    let family = env::var_os("CARGO_FEATURE_SESSIONS").is_some();
    let presets: Vec<&str> = PRESETS
        .into_iter()
        .filter(|n| family || *n != "coditect")
        .collect();
    let mut table = String::new();
    table.push_str(&format!(
        "const NAMES: [&str; {}] = {presets:?};\n",
        presets.len()
    ));
    table.push_str(&format!("const TEXTS: [&str; {}] = [\n", presets.len()));
    for name in presets {
        let src = Path::new("src/provider").join(format!("{name}.json"));
        println!("cargo:rerun-if-changed={}", src.display());
        let dest = Path::new(&out_dir).join(format!("{name}.json"));
        let done = fs::read_to_string(&src).and_then(|text| {
            let min = minify(&text);
            fs::write(
                &dest,
                if family {
                    min
                } else {
                    without(&min, &FAMILY_ONLY)
                },
            )
        });
        if let Err(e) = done {
            eprintln!("build.rs: {}: {e}", src.display());
            std::process::exit(1);
        }
        table.push_str(&format!(
            "    include_str!(concat!(env!(\"OUT_DIR\"), \"/{name}.json\")),\n"
        ));
    }
    table.push_str("];\n");
    if let Err(e) = fs::write(Path::new(&out_dir).join("presets.rs"), table) {
        eprintln!("build.rs: presets.rs: {e}");
        std::process::exit(1);
    }
    println!("cargo:rerun-if-changed=build.rs");
}

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

fn main() {
    let out_dir = env::var("OUT_DIR").unwrap_or_else(|_| String::from("."));
    for name in [
        "scripto",
        "codika",
        "sessions",
        "coditect",
        "better-auth",
        "pocketbase",
    ] {
        let src = Path::new("src/provider").join(format!("{name}.json"));
        println!("cargo:rerun-if-changed={}", src.display());
        let dest = Path::new(&out_dir).join(format!("{name}.json"));
        let done = fs::read_to_string(&src).and_then(|text| fs::write(&dest, minify(&text)));
        if let Err(e) = done {
            eprintln!("build.rs: {}: {e}", src.display());
            std::process::exit(1);
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}

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

fn main() {
    let out_dir = env::var("OUT_DIR").unwrap_or_else(|_| String::from("."));
    let mut table = String::new();
    table.push_str(&format!(
        "const NAMES: [&str; {}] = {PRESETS:?};\n",
        PRESETS.len()
    ));
    table.push_str(&format!("const TEXTS: [&str; {}] = [\n", PRESETS.len()));
    for name in PRESETS {
        let src = Path::new("src/provider").join(format!("{name}.json"));
        println!("cargo:rerun-if-changed={}", src.display());
        let dest = Path::new(&out_dir).join(format!("{name}.json"));
        let done = fs::read_to_string(&src).and_then(|text| fs::write(&dest, minify(&text)));
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

//! `docs/errors.md` and the TypeScript union of codes are generated from the
//! Rust table; this test fails when either drifts. `KEYMINT_UPDATE=1 cargo test
//! --test generated` rewrites them.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::panic)]

use keymint::error::{codes_typescript, errors_markdown, Code, CODES};

fn check(path: &str, want: &str) {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("KEYMINT_UPDATE").is_some() {
        std::fs::write(&full, want).unwrap();
    }
    let have = std::fs::read_to_string(&full).unwrap_or_default();
    assert!(
        have == want,
        "{path} is out of date: run KEYMINT_UPDATE=1 cargo test --test generated"
    );
}

#[test]
fn errors_doc_is_current() {
    check("docs/errors.md", &errors_markdown());
}

#[test]
fn typescript_codes_are_current() {
    check("js/types/codes.d.ts", &codes_typescript());
}

#[test]
fn every_code_is_documented_mapped_and_round_trips() {
    for info in CODES {
        let code = Code::parse(info.code).unwrap();
        assert_eq!(code.as_str(), info.code);
        assert!(
            info.when.len() > 20,
            "{} needs a real description",
            info.code
        );
        assert!((1..=6).contains(&info.exit), "{}", info.code);
        assert!(!info.kind.is_empty());
    }
}

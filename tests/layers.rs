//! The core's modules import each other without cycles (issue 15: `error →
//! render → flow → error` and `session ↔ oauth ↔ password` are gone), and the
//! bottom of the stack imports nothing above it. Reads `src/` as text: every
//! `crate::name` outside comments and test modules is an import of `name`.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = format!("{}/src", env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(&src)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in files {
        let rel = path
            .strip_prefix(&src)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let module = rel
            .trim_end_matches(".rs")
            .split('/')
            .next()
            .unwrap()
            .to_string();
        // The root wires everything together; the wasm boundary sits on top.
        if module == "lib" || module == "wasm" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        let deps = g.entry(module.clone()).or_default();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            let mut rest = line;
            while let Some(i) = rest.find("crate::") {
                rest = &rest[i + 7..];
                let mut names = vec![];
                if let Some(group) = rest.strip_prefix('{') {
                    names.extend(group.split([',', '}']).map(|n| n.trim()));
                } else {
                    names.push(rest);
                }
                for n in names {
                    let n: String = n
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    if !n.is_empty() && n != module && n != "step" {
                        deps.insert(n);
                    }
                }
            }
        }
    }
    g
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let g = graph();
    // Depth-first search; a grey module seen again is a cycle.
    fn visit<'a>(
        g: &'a BTreeMap<String, BTreeSet<String>>,
        m: &'a str,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if let Some(i) = path.iter().position(|p| *p == m) {
            panic!("import cycle: {} -> {m}", path[i..].join(" -> "));
        }
        if !done.insert(m) {
            return;
        }
        path.push(m);
        for d in g.get(m).into_iter().flatten() {
            visit(g, d, path, done);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for m in g.keys() {
        visit(&g, m, &mut Vec::new(), &mut done);
    }
}

#[test]
fn the_bottom_layers_import_nothing_above_them() {
    let g = graph();
    for (module, allowed) in [
        ("text", &[][..]),
        ("time", &[]),
        ("crypto", &["text"]),
        ("json", &["crypto", "text"]),
        ("error", &["json", "text"]),
        ("provider", &["error", "json", "text"]),
        ("response", &["error", "json", "provider", "text", "time"]),
        ("render", &["error", "json", "provider", "text"]),
    ] {
        let deps = &g[module];
        let extra: Vec<_> = deps
            .iter()
            .filter(|d| !allowed.contains(&d.as_str()))
            .collect();
        assert!(extra.is_empty(), "{module} imports {extra:?}");
    }
}

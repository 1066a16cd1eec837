//! The TypeScript declarations of the wire contract (`js/types/protocol.d.ts`),
//! generated from the tables of [`super::schema`]; `tests/protocol.rs` fails when the
//! checked-in file drifts. Never called by the shipped wasm.

use super::schema::{Shape, ACTIONS, CONFIGS, EVENTS, NEXT_KINDS, OPS, PARTS};

/// The TypeScript declarations of the tables (`js/types/protocol.d.ts`).
pub fn typescript() -> alloc::string::String {
    let mut out = alloc::string::String::from(
        "// Generated from src/protocol/schema.rs; `tests/protocol.rs` fails when this file drifts\n\
         // (KEYMINT_UPDATE=1 cargo test --test protocol rewrites it).\n\
         import type { KeymintErrorCode } from './codes.js';\n\n",
    );
    union(&mut out, "NextActionKind", NEXT_KINDS);
    for s in PARTS.iter().chain(CONFIGS) {
        interface(&mut out, s, None);
    }
    for (union_name, tag_key, shapes) in [
        ("StepInput", "op", OPS),
        ("FlowEvent", "type", EVENTS),
        ("Action", "type", ACTIONS),
    ] {
        for s in shapes {
            interface(&mut out, s, Some(tag_key));
        }
        union_names(&mut out, union_name, shapes);
    }
    out.push_str(
        "/** A saved flow: opaque, sealed by the core (`v`, `kind`, `check`). */\n\
         export type SavedFlow = { v: number; check: string } & Record<string, unknown>;\n\n\
         /** What every step answers. */\n\
         export interface StepOutput { state?: SavedFlow; action: Action }\n",
    );
    out
}

fn interface(out: &mut alloc::string::String, s: &Shape, tag_key: Option<&str>) {
    for part in ["/** ", s.doc, " */\nexport interface ", s.name, " {\n"] {
        out.push_str(part);
    }
    if let Some(k) = tag_key {
        for part in ["  ", k, ": '", s.tag, "';\n"] {
            out.push_str(part);
        }
    }
    for (name, ty) in s.members {
        for part in ["  ", name, ": ", ty, ";\n"] {
            out.push_str(part);
        }
    }
    out.push_str("}\n\n");
}

fn union(out: &mut alloc::string::String, name: &str, items: &[&str]) {
    for part in ["export type ", name, " =\n"] {
        out.push_str(part);
    }
    for item in items {
        for part in ["  | '", item, "'\n"] {
            out.push_str(part);
        }
    }
    out.push_str(";\n\n");
}

fn union_names(out: &mut alloc::string::String, name: &str, shapes: &[Shape]) {
    for part in ["export type ", name, " =\n"] {
        out.push_str(part);
    }
    for s in shapes {
        for part in ["  | ", s.name, "\n"] {
            out.push_str(part);
        }
    }
    out.push_str(";\n\n");
}

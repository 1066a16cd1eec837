// The shared runtime: everything of the package that needs no wasm — errors, Secret, masking,
// the driver loop and resumable base, the step helpers, the transport, the email-code flows and
// the core loader (load-core.mjs) — built on its own into dist/runtime.mjs (and .cjs). The
// default entry (dist/keymint.mjs, the email-code wasm) and keymint/sessions (dist/sessions.mjs,
// the full wasm) both import it and neither imports the other: an app holds one KeymintError and
// one Secret whichever it imports, and ships and compiles the one wasm of the entry it uses.
// keymint/stores and keymint/node import it too. What needs a core (masking, the codes table,
// every step) uses the core an entry loaded and registered (load-core.mjs `provideCore`).
//
// Internal: not in package.json's exports (entries reach it by relative path), no types, and
// it may change in any release. js/scripts/build.mjs turns every import of these modules, from
// any other entry's code, into an import of the built file.
export * from './errors.mjs';
export * from './secret.mjs';
export * from './mask.mjs';
export * from './load-core.mjs';
export * from './steps.mjs';
export * from './transport.mjs';
export * from './driver.mjs';
export * from './flow.mjs';

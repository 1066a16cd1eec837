// The default entry's core: pkg-otp/, the email-code engine only (the wasm built without the
// `sessions` feature), inlined (build/wasm-inline.mjs). keymint/sessions loads the full build,
// pkg/, the same way (src/sessions/core.mjs); a session-family op sent here answers
// INVALID_STEP naming keymint/sessions. The loader, and everything else that needs no wasm, is
// the shared runtime's (load-core.mjs, built into dist/runtime.mjs).
// The bytes, decoded from the string the build inlines (see scripts/build.mjs).
import { wasmBytes } from '../build/wasm-inline.mjs';
import { loadCore, provideCore } from './load-core.mjs';

// The test seam: fakes every core's step, this one's and keymint/sessions' alike.
export { setCore } from './load-core.mjs';

/** The email-code core, registered for the shared Secret and errors (see load-core.mjs). */
export const core = provideCore(loadCore(wasmBytes));

/** One step of the default entry's core (email codes): see load-core.mjs's `loadCore`. */
export const { step } = core;

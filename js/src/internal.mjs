// What the package's other entries take from the default entry's runtime beyond its public
// API: the resumable base and driver loop, the step helpers, `loadCore` and the same-origin
// fetch, so the session family (keymint/sessions, src/sessions/) drives its flows with the very
// classes, errors and Secret of this entry (one runtime) on a core of its own. index.mjs exports
// it as `_internal`; js/scripts/build.mjs points src/sessions/'s imports of this file at it.
// Not public API: no types, and it may change in any release.
export { Resumable, advance, exchange, splitConfig } from './driver.mjs';
export { nowSeconds, run, providerConfig, loadSaved, randomHex, toError, toCredential, toSession } from './steps.mjs';
export { loadCore } from './core.mjs';
export { fetchSameOrigin } from './transport.mjs';

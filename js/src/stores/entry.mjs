// keymint/stores: the browser-safe profile stores (in-memory and extension), for pages,
// workers and extensions. Bundled on its own and carries no wasm: the errors and masking come
// from the shared runtime (dist/runtime.mjs), on the core of the entry the app imports beside it
// (keymint or keymint/sessions), so an app holds one KeymintError class and one wasm.
export { MemoryProfileStore } from './memory.mjs';
export { ProfileStoreBase } from './base.mjs';
export { profileNameFromEmail, profileNameFromOrganization, isValidProfileName, emptyDocument } from './document.mjs';
export { ExtensionProfileStore } from './extension.mjs';

// keymint/stores: the browser-safe profile stores (in-memory and extension), for pages,
// workers and extensions. Bundled on its own; the errors and masking come from the default
// entry's file, so an app that loads both holds one KeymintError class.
export { MemoryProfileStore } from './memory.mjs';
export { ProfileStoreBase } from './base.mjs';
export { profileNameFromEmail, profileNameFromOrganization, isValidProfileName, emptyDocument } from './document.mjs';
export { ExtensionProfileStore } from './extension.mjs';

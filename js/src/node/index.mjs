// keymint/node: everything of keymint and keymint/sessions, plus what only Node has — the
// profile file store and the CLI that wrappers reuse (`createCli`).
export * from '../index.mjs';
export * from '../sessions/index.mjs';
export {
  FileProfileStore,
  configPath,
  profileNameFromEmail,
  profileNameFromOrganization,
  isValidProfileName,
} from './profile-store.mjs';
export { MemoryProfileStore } from '../stores/memory.mjs';
export { createCli } from './cli/index.mjs';

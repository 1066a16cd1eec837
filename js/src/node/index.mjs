// keymint/node: everything of keymint and keymint/sessions, plus what only Node has — the
// profile file store and the CLI that wrappers reuse (`createCli`). keymint/sessions is a
// superset of the default entry, so this entry and its CLI run on its one (full) core.
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

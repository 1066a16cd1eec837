// @ts-check
// When a key was minted (or a session started) but the profile file cannot take it, the
// credential is handed back in a recovery file readable only by the user — never printed,
// never logged — and KEY_NOT_SAVED names the file. The first of these that works:
//   1. the profile directory, if it is one we trust (the file itself may be what is broken);
//   2. $XDG_STATE_HOME/<program>/ (else ~/.local/state/<program>/), made 0700 if new;
//   3. a new private (0700) directory in the temp directory.
// Each file is new (O_EXCL|O_NOFOLLOW) with mode 0600. An API key's file starts with the key
// on a line of its own, so `<program> config set --api-key-stdin < FILE` saves it; a session
// is written as JSON (the whole profile).

import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { prepareDir, writeNewFile } from '../safe-fs.mjs';
import { shellWord } from './shell.mjs';
import { randomHex } from '../../stores/base.mjs';

/**
 * @param {string|undefined} v
 * @returns {v is string}
 */
const absolute = (v) => typeof v === 'string' && v !== '' && nodePath.isAbsolute(v);

/**
 * Write the unsaved credential to a new 0600 file; its path, or null when no place took it.
 * @param {{program: string, command: string, configFile: string,
 *   env: Record<string, string|undefined>, profile: Record<string, any>, cause?: string}} o
 *   `program` names directories; `command` is what the user types (e.g. `keymint --provider codika`)
 * @returns {Promise<string|null>}
 */
export async function writeRecoveryFile({ program, command, configFile, env, profile, cause }) {
  const isKey = typeof profile.apiKey === 'string' && profile.apiKey !== '';
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const name = `unsaved-${isKey ? 'key' : 'session'}-${stamp}-${randomHex(4)}.${isKey ? 'txt' : 'json'}`;
  const home = absolute(env.HOME) ? env.HOME : os.homedir();
  const stateDir = nodePath.join(absolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : nodePath.join(home, '.local', 'state'), program);
  const places = [
    async () => ((await prepareDir(nodePath.dirname(configFile), configFile, { create: false })) ? nodePath.dirname(configFile) : null),
    async () => ((await prepareDir(stateDir, nodePath.join(stateDir, name), { create: true })) ? stateDir : null),
    async () => fsp.mkdtemp(nodePath.join(os.tmpdir(), `${program}-unsaved-`)),
  ];
  for (const place of places) {
    let dir;
    try {
      dir = await place();
    } catch {
      dir = null;
    }
    if (!dir) continue;
    const file = nodePath.join(dir, name);
    const text = isKey ? keyText(profile, { command, configFile, file, cause }) : `${JSON.stringify({
      note: `A session started at ${new Date().toISOString()} that could not be saved in ${configFile}${cause ? ` (${cause})` : ''}. Delete this file once you no longer need it.`,
      profile,
    }, null, 2)}\n`;
    try {
      await writeNewFile(file, text, { sync: true });
      return file;
    } catch {
      // try the next place
    }
  }
  return null;
}

/**
 * @param {Record<string, any>} p
 * @param {{command: string, configFile: string, file: string, cause?: string}} o
 */
function keyText(p, { command, configFile, file, cause }) {
  const about = [p.keyId, p.email ?? p.user?.email, p.organization?.name, p.baseUrl].filter((v) => typeof v === 'string' && v !== '');
  return [
    p.apiKey,
    `# An API key minted at ${new Date().toISOString()}${about.length ? ` (${about.join(', ')})` : ''}`,
    `# that could not be saved in ${configFile}${cause ? ` (${cause})` : ''}.`,
    '# Once the profile file is fixed, save it as a profile, then delete this file:',
    `#   ${command} config set --api-key-stdin < ${shellWord(file)}`,
    '',
  ].join('\n');
}

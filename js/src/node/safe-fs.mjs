// @ts-check
// The filesystem primitives the Node profile store trusts, as ssh does with ~/.ssh:
//
// - The profile directory must be a directory owned by the current user (or root) and not
//   writable by group or others. Its ancestors must be owned by the current user or root and
//   not writable by others unless sticky (/tmp is fine; a shared 0777 directory is not, since
//   anyone could rename our directory away and put theirs in its place).
// - Files are opened with O_NOFOLLOW (a symlink is refused, never followed) and O_NONBLOCK (a
//   FIFO cannot hang us), then checked on the open descriptor: a regular file, owned by the
//   current user (or root), not writable by group or others.
// - New files are created with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600.
// On Windows (no uids) only the type checks apply.

import * as fsp from 'node:fs/promises';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { isKeymintError } from '../errors.mjs';
import { unsafeError, ioError, codeOf } from './store-errors.mjs';

/** Ownership and mode checks run where there are uids. */
export const POSIX = process.platform !== 'win32' && typeof process.getuid === 'function';

const C = fs.constants;
/** 0 where the platform lacks the flag (Windows). */
export const O_NOFOLLOW = C.O_NOFOLLOW ?? 0;
const O_NONBLOCK = C.O_NONBLOCK ?? 0;
/** Flags for reading a file we must not follow or block on. */
export const READ_NOFOLLOW = C.O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
/** Flags for creating a new file that must not exist yet (nor be a symlink). */
export const CREATE_EXCL = C.O_WRONLY | C.O_CREAT | C.O_EXCL | O_NOFOLLOW;

/**
 * Why an entry may not be trusted, or null: owned by neither the current user nor root, or
 * writable by group or others. With `ancestor`, group-writable is allowed (user private
 * groups) and others-writable too when the directory is sticky.
 * @param {{uid: number, mode: number}} st @param {{ancestor?: boolean}} [o]
 * @returns {'not_owner'|'group_or_other_writable'|null}
 */
export function trustProblem(st, { ancestor = false } = {}) {
  if (!POSIX) return null;
  const me = /** @type {() => number} */ (process.getuid)();
  if (st.uid !== me && st.uid !== 0) return 'not_owner';
  const writable = ancestor ? (st.mode & 0o002) !== 0 && (st.mode & 0o1000) === 0 : (st.mode & 0o022) !== 0;
  return writable ? 'group_or_other_writable' : null;
}

/** Directories whose ancestors were checked already in this process. */
const checkedParents = new Set();

/**
 * Check every ancestor of the real directory `real`.
 * @param {string} real @param {string} configFile
 */
async function checkAncestors(real, configFile) {
  if (!POSIX || checkedParents.has(real)) return;
  for (let dir = nodePath.dirname(real); ; dir = nodePath.dirname(dir)) {
    let st;
    try {
      st = await fsp.stat(dir);
    } catch (e) {
      throw ioError('read', configFile, e);
    }
    const problem = trustProblem(st, { ancestor: true });
    if (problem) throw unsafeError(dir, problem, configFile, st);
    if (nodePath.dirname(dir) === dir) break;
  }
  checkedParents.add(real);
}

/**
 * Make sure `dir` (the profile directory) is one we may trust, creating it (0700) with
 * `create`; with `create`, it is also made 0700 when it is ours. A symlinked directory is
 * judged by its target. Returns false when it does not exist (and `create` is false).
 * @param {string} dir @param {string} configFile for errors @param {{create: boolean}} o
 * @returns {Promise<boolean>}
 */
export async function prepareDir(dir, configFile, { create }) {
  const op = create ? 'write' : 'read';
  if (create) {
    try {
      await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw ioError('write', configFile, e);
    }
  }
  let real = dir;
  let st;
  try {
    st = await fsp.lstat(dir);
    if (st.isSymbolicLink()) {
      real = await fsp.realpath(dir);
      st = await fsp.stat(real);
    }
  } catch (e) {
    if (!create && codeOf(e) === 'ENOENT') return false;
    throw ioError(op, configFile, e);
  }
  if (!st.isDirectory()) throw unsafeError(dir, 'not_a_directory', configFile);
  const problem = trustProblem(st);
  if (problem) throw unsafeError(dir, problem, configFile, st);
  await checkAncestors(real, configFile);
  if (create && (st.mode & 0o777) !== 0o700 && (!POSIX || st.uid === /** @type {() => number} */ (process.getuid)())) {
    try {
      await fsp.chmod(real, 0o700);
    } catch (e) {
      // Filesystems without modes (and Windows) refuse or ignore it; nothing to protect there.
      if (codeOf(e) !== 'EPERM' && codeOf(e) !== 'ENOTSUP') throw ioError('write', configFile, e);
    }
  }
  return true;
}

/**
 * Read `file` without following a symlink. Null when it does not exist. A symlink, anything
 * but a regular file, or (with `owner`) a file we may not trust is refused.
 * @param {string} file @param {string} configFile for errors
 * @param {{owner?: boolean}} [o]
 * @returns {Promise<{text: string, st: import('node:fs').Stats}|null>}
 */
export async function readNoFollow(file, configFile, { owner = true } = {}) {
  /** @type {import('node:fs/promises').FileHandle} */
  let fh;
  try {
    fh = await fsp.open(file, READ_NOFOLLOW);
  } catch (e) {
    if (codeOf(e) === 'ENOENT') return null;
    // ELOOP on Linux; FreeBSD says EMLINK for O_NOFOLLOW on a symlink.
    if (codeOf(e) === 'ELOOP' || codeOf(e) === 'EMLINK') throw unsafeError(file, 'symlink', configFile);
    throw ioError('read', configFile, e);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw unsafeError(file, 'not_a_file', configFile);
    if (owner) {
      const problem = trustProblem(st);
      if (problem) throw unsafeError(file, problem, configFile, st);
    }
    const text = await fh.readFile('utf8');
    return { text, st };
  } catch (e) {
    if (isKeymintError(e)) throw e;
    throw ioError('read', configFile, e);
  } finally {
    await fh.close().catch(() => {});
  }
}

/**
 * lstat, or null when the entry does not exist (a dangling symlink exists).
 * @param {string} file
 */
export async function lstatOrNull(file) {
  try {
    return await fsp.lstat(file);
  } catch (e) {
    if (codeOf(e) === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Create `file` (which must not exist, nor be a symlink) with mode 0600 and write `text`;
 * fsync it with `sync`.
 * @param {string} file @param {string} text @param {{sync?: boolean}} [o]
 */
export async function writeNewFile(file, text, { sync = false } = {}) {
  const fh = await fsp.open(file, CREATE_EXCL, 0o600);
  try {
    await fh.chmod(0o600);
    await fh.writeFile(text, 'utf8');
    if (sync) await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await fsp.unlink(file).catch(() => {});
    throw e;
  }
  await fh.close();
}

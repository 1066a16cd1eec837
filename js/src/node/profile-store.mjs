// @ts-check
// The Node profile store: one JSON file per program, e.g. ~/.config/codika/config.json.
//
// - The directory is 0700 and the file 0600, set with chmod so the umask does not matter.
// - Nothing another user could have planted is trusted (./safe-fs.mjs, as ssh does): the
//   directory and files must be ours (or root's) and not writable by group or others; files
//   are opened with O_NOFOLLOW; anything else is CONFIG_UNREADABLE with details.reason.
// - Writes are atomic: a temp file in the same directory, fsync, rename over, fsync the directory.
// - Every read-modify-write runs under `config.json.lock` (created with O_EXCL, holding
//   {pid, host, at}); waiters back off with jitter until lockTimeoutMs, then CONFIG_LOCKED.
//   A stale lock (older than staleLockMs, or left by a dead process on this host) is moved
//   aside under a unique name, checked to be the same lock, and deleted.
// - A corrupt file is never overwritten: CONFIG_CORRUPT, bytes left as they are.
// Nothing here prints; no error message carries a secret.

import * as fsp from 'node:fs/promises';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { AsyncLocalStorage } from 'node:async_hooks';
import { canonicalError } from '../errors.mjs';
import { ioError, codeOf, unsafeError } from './store-errors.mjs';
import { prepareDir, readNoFollow, writeNewFile, lstatOrNull, CREATE_EXCL } from './safe-fs.mjs';
import { documentProblem, emptyDocument, parseDocument } from '../stores/document.mjs';
import { ProfileStoreBase, createTurnQueue, randomHex, sleep, jitter } from '../stores/base.mjs';

export { profileNameFromEmail, profileNameFromOrganization, isValidProfileName, emptyDocument } from '../stores/document.mjs';

const PROGRAM_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const FILE_NAME = 'config.json';

/**
 * Where `program` keeps its profiles: `$XDG_CONFIG_HOME/<program>/config.json` when
 * XDG_CONFIG_HOME is set and absolute, else `$HOME/.config/<program>/config.json`
 * (HOME from `env`, falling back to os.homedir() when unset, empty or relative).
 * @param {string} program
 * @param {Record<string, string|undefined>} [env]
 */
export function configPath(program, env = process.env) {
  assertProgram(program);
  const xdg = env.XDG_CONFIG_HOME;
  if (typeof xdg === 'string' && xdg !== '' && nodePath.isAbsolute(xdg)) {
    return nodePath.join(xdg, program, FILE_NAME);
  }
  const home = typeof env.HOME === 'string' && env.HOME !== '' && nodePath.isAbsolute(env.HOME) ? env.HOME : os.homedir();
  return nodePath.join(home, '.config', program, FILE_NAME);
}

/** @param {unknown} program */
function assertProgram(program) {
  if (typeof program !== 'string' || !PROGRAM_NAME.test(program) || program.length > 128) {
    throw new TypeError('program must match [a-z0-9][a-z0-9._-]* (e.g. "codika")');
  }
}

const HOST = os.hostname();

/**
 * Whether a process on this host is alive. Unknown (not a positive integer, or any answer
 * but ESRCH) counts as alive, so we never break a lock we cannot judge.
 * @param {unknown} pid
 */
function pidAlive(pid) {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return /** @type {any} */ (e)?.code !== 'ESRCH';
  }
}

/** Re-entrancy guard: the files whose lock the current async context holds. */
const heldContext = new AsyncLocalStorage();
/** In-process FIFO per file, so one process's updates queue instead of polling the lock. */
const turn = createTurnQueue();
/** Locks held right now, removed on process.exit if an update is cut short. */
const heldLocks = new Map();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [lockPath, id] of heldLocks) {
      try {
        const st = fs.lstatSync(lockPath);
        if (st.ino === id.ino && st.dev === id.dev) fs.unlinkSync(lockPath);
      } catch {
        // nothing to clean
      }
    }
  });
}

/**
 * @typedef {import('../stores/document.mjs').StoreDocument} StoreDocument
 * @typedef {import('../stores/document.mjs').Profile} Profile
 * @typedef {{ino: number, dev: number, size: number, mtimeMs: number, raw: string,
 *   info: {pid?: unknown, host?: unknown, at?: unknown}|null}} LockSnapshot
 */

export class FileProfileStore extends ProfileStoreBase {
  /**
   * @param {{program?: string, path?: string, env?: Record<string, string|undefined>,
   *   lockTimeoutMs?: number, staleLockMs?: number}} opts
   */
  constructor({ program, path, env, lockTimeoutMs = 10000, staleLockMs = 30000 } = {}) {
    if (program !== undefined) assertProgram(program);
    if (path === undefined && program === undefined) throw new TypeError('FileProfileStore needs a program (or a path)');
    const file = nodePath.resolve(path ?? configPath(/** @type {string} */ (program), env ?? process.env));
    super({ where: file });
    this.program = program;
    /** Absolute path of the profile file. */
    this.path = file;
    this.dir = nodePath.dirname(file);
    this.lockPath = `${file}.lock`;
    /** Held only while removing a stale lock, so that two waiters never both remove one. */
    this.breakPath = `${file}.lock.break`;
    this.lockTimeoutMs = lockTimeoutMs;
    this.staleLockMs = staleLockMs;
    const base = nodePath.basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    /**
     * Our temp files and moved-aside stale locks left by a crash:
     * `.config.json[.lock[.break]].<pid>.<hex>.tmp`, `config.json.lock[.break].stale.<pid>.<hex>`.
     */
    this._debris = new RegExp(`^(?:\\.${base}(?:\\.lock(?:\\.break)?)?\\.(\\d+)\\.[0-9a-f]+\\.tmp|${base}\\.lock(?:\\.break)?\\.stale\\.(\\d+)\\.[0-9a-f]+)$`);
  }

  /** @returns {Promise<StoreDocument>} the whole document (empty when the file is missing) */
  async read() {
    if (!(await prepareDir(this.dir, this.path, { create: false }))) return emptyDocument();
    const raw = await this._readRaw();
    return raw === null ? emptyDocument() : parseDocument(raw, this.path);
  }

  /**
   * Run `fn(doc)` under the lock on a fresh read; if it succeeds, save the mutated document
   * atomically (only when it changed) and return fn's value. If fn throws, nothing is written.
   * fn may be async but must not call this store (that throws at once instead of deadlocking).
   * `lockTimeoutMs` overrides the store's wait for the lock (e.g. longer once a key exists).
   * @template R
   * @param {(doc: StoreDocument) => R | Promise<R>} fn
   * @param {{lockTimeoutMs?: number}} [opts]
   * @returns {Promise<Awaited<R>>}
   */
  async update(fn, { lockTimeoutMs = this.lockTimeoutMs } = {}) {
    if (typeof fn !== 'function') throw new TypeError('update() needs a function');
    /** @type {Set<string>|undefined} */
    const held = heldContext.getStore();
    if (held?.has(this.path)) {
      throw new Error('FileProfileStore: update() was called from inside an update of the same file; use the doc you were given');
    }
    const deadline = Date.now() + lockTimeoutMs;
    const releaseTurn = await turn(this.path, lockTimeoutMs, () => this._lockedError({ pid: process.pid, host: HOST }, lockTimeoutMs));
    try {
      await this._ensureDir();
      const id = await this._acquireLock(deadline, lockTimeoutMs);
      try {
        const raw = await this._readRaw();
        const doc = raw === null ? emptyDocument() : parseDocument(raw, this.path);
        const inner = new Set(held ?? []);
        inner.add(this.path);
        const result = await heldContext.run(inner, () => fn(doc));
        const problem = documentProblem(doc);
        if (problem !== null) throw new TypeError(`update(): the document is no longer valid (${problem}); nothing was written`);
        const text = `${JSON.stringify(doc, null, 2)}\n`;
        const unchanged = raw === null ? text === `${JSON.stringify(emptyDocument(), null, 2)}\n` : text === raw;
        if (!unchanged) {
          await this._removeDebris();
          await this._writeAtomic(text);
        }
        return result;
      } finally {
        await this._releaseLock(id);
      }
    } finally {
      releaseTurn();
    }
  }

  /**
   * Check, before anything irreversible (spending a one-time code), that an update can be
   * saved: the directory is ours and writable, the lock can be taken, the file is ours and
   * valid, and a file can be created next to it. Throws what update() would. Resolves to the
   * document it read under the lock, so a caller needs no read() of its own before it.
   * @param {{lockTimeoutMs?: number}} [opts]
   * @returns {Promise<StoreDocument>}
   */
  async checkWritable(opts) {
    return this.update(async (doc) => {
      const probe = nodePath.join(this.dir, `.${nodePath.basename(this.path)}.${process.pid}.${randomHex(6)}.tmp`);
      try {
        await writeNewFile(probe, '{}\n', { sync: false });
      } catch (e) {
        throw ioError('write', this.path, e);
      } finally {
        await fsp.unlink(probe).catch(() => {});
      }
      return doc;
    }, opts);
  }

  /** @returns {Promise<string|null>} */
  async _readRaw() {
    const got = await readNoFollow(this.path, this.path);
    return got === null ? null : got.text;
  }

  async _ensureDir() {
    await prepareDir(this.dir, this.path, { create: true });
  }

  /** @param {string} text */
  async _writeAtomic(text) {
    const tmp = nodePath.join(this.dir, `.${nodePath.basename(this.path)}.${process.pid}.${randomHex(6)}.tmp`);
    try {
      await writeNewFile(tmp, text, { sync: true });
      await renameOver(tmp, this.path);
    } catch (e) {
      await fsp.unlink(tmp).catch(() => {});
      throw ioError('write', this.path, e);
    }
    await this._syncDir();
  }

  async _syncDir() {
    /** @type {import('node:fs/promises').FileHandle|undefined} */
    let dh;
    try {
      dh = await fsp.open(this.dir, 'r');
      await dh.sync();
    } catch (e) {
      // Platforms that cannot open or fsync a directory (Windows, some filesystems).
      if (!['EINVAL', 'EISDIR', 'ENOTSUP', 'EPERM', 'EACCES', 'EBADF'].includes(codeOf(e))) throw ioError('write', this.path, e);
    } finally {
      if (dh) await dh.close().catch(() => {});
    }
  }

  /**
   * Remove temp files and moved-aside locks left by processes that died (or, for temp files,
   * that are older than staleLockMs). Runs under the lock, when no live writer has a temp file.
   */
  async _removeDebris() {
    let names;
    try {
      names = await fsp.readdir(this.dir);
    } catch {
      return;
    }
    const now = Date.now();
    for (const name of names) {
      const m = this._debris.exec(name);
      if (!m) continue;
      const pid = Number(m[1] ?? m[2]);
      if (pid === process.pid) continue;
      const full = nodePath.join(this.dir, name);
      let dead = !pidAlive(pid);
      if (!dead && m[1] !== undefined) {
        try {
          const st = await fsp.lstat(full);
          dead = now - Math.max(st.mtimeMs, st.ctimeMs) > this.staleLockMs;
        } catch {
          continue;
        }
      }
      if (dead) await fsp.unlink(full).catch(() => {});
    }
    // A break lock left by a recoverer that crashed (held only for milliseconds otherwise).
    const bsnap = await inspectLockFile(this.breakPath, this.path).catch(() => null);
    if (bsnap && isStaleLock(bsnap, Math.min(this.staleLockMs, BREAK_STALE_MS)) && (await sameLockFile(this.breakPath, bsnap))) {
      await moveAsideIfSame(this.breakPath, bsnap);
    }
  }

  /**
   * Create the lock `file` exclusively, holding {pid, host, at}; null when it exists already.
   * The content is written first to a temp file (opened with O_EXCL) which is then hard-linked
   * as `file` — link(2) fails with EEXIST like O_EXCL does — so a lock is never seen empty, not
   * even when its creator is killed in between. Where hard links are not supported, `file`
   * itself is opened with O_EXCL (`wx`) and written.
   * @param {string} file
   * @returns {Promise<{ino: number, dev: number}|null>}
   */
  async _createLockFile(file) {
    const content = JSON.stringify({ pid: process.pid, host: HOST, at: Date.now() });
    const tmp = nodePath.join(this.dir, `.${nodePath.basename(file)}.${process.pid}.${randomHex(6)}.tmp`);
    try {
      await writeNewFile(tmp, content);
    } catch (e) {
      await fsp.unlink(tmp).catch(() => {});
      if (codeOf(e) === 'ENOENT') {
        await this._ensureDir();
        return this._createLockFile(file);
      }
      throw ioError('write', this.path, e);
    }
    try {
      await fsp.link(tmp, file);
      const st = await fsp.lstat(tmp);
      return { ino: st.ino, dev: st.dev };
    } catch (e) {
      if (codeOf(e) === 'EEXIST') return null;
      if (NO_HARD_LINKS.includes(codeOf(e))) return this._createLockFileExcl(file, content);
      throw ioError('write', this.path, e);
    } finally {
      await fsp.unlink(tmp).catch(() => {});
    }
  }

  /**
   * The fallback: open(wx) and write. A creator killed in between leaves an empty lock, which
   * is judged by its mtime.
   * @param {string} file @param {string} content
   * @returns {Promise<{ino: number, dev: number}|null>}
   */
  async _createLockFileExcl(file, content) {
    /** @type {import('node:fs/promises').FileHandle} */
    let fh;
    try {
      fh = await fsp.open(file, CREATE_EXCL, 0o600);
    } catch (e) {
      if (codeOf(e) === 'EEXIST') return null;
      throw ioError('write', this.path, e);
    }
    try {
      await fh.writeFile(content, 'utf8');
      const st = await fh.stat();
      await fh.close();
      return { ino: st.ino, dev: st.dev };
    } catch (e) {
      await fh.close().catch(() => {});
      await fsp.unlink(file).catch(() => {});
      throw ioError('write', this.path, e);
    }
  }

  /**
   * Every iteration checks the deadline, so no path through the loop can spin past it.
   * @param {number} deadline @param {number} [timeoutMs] for the message
   * @returns {Promise<{ino: number, dev: number}>}
   */
  async _acquireLock(deadline, timeoutMs = this.lockTimeoutMs) {
    let delay = 5;
    /** @type {LockSnapshot['info']} */
    let lastInfo = null;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 && Date.now() >= deadline) throw this._lockedError(lastInfo, timeoutMs);
      // Look first: while the lock is held, waiting costs an open and a read, not a create.
      // A lock that is not a regular file (a symlink, even a dangling one) is refused.
      let snap = await inspectLockFile(this.lockPath, this.path);
      if (snap === null) {
        const id = await this._createLockFile(this.lockPath);
        if (id) {
          installExitHook();
          heldLocks.set(this.lockPath, id);
          return id;
        }
        snap = await inspectLockFile(this.lockPath, this.path);
        if (snap === null) {
          // Released meanwhile, or something we cannot see is in the way: back off a little.
          await sleep(Math.min(jitter(delay), Math.max(0, deadline - Date.now())));
          continue;
        }
      }
      lastInfo = snap.info;
      if (isStaleLock(snap, this.staleLockMs) && (await this._recoverStale(snap))) continue;
      const left = deadline - Date.now();
      if (left <= 0) throw this._lockedError(snap.info, timeoutMs);
      await sleep(Math.min(jitter(delay), left));
      delay = Math.min(delay * 1.5, 25);
    }
  }

  /**
   * Remove a stale lock without ever removing a live one:
   * 1. the lock was judged stale after it was read, so re-read it: if it is still the very same
   *    file (inode, size, mtime, bytes), its owner was already dead (or stuck) when judged — a
   *    lock released normally and taken by a live process since fails this check;
   * 2. recoveries are serialised by `config.json.lock.break` (O_EXCL), so two waiters never
   *    both remove "the stale lock" when the second one would hit a fresh lock;
   * 3. under it, check again, move the lock aside under a unique name, check what was moved,
   *    put it back if it is not the stale one, and delete it.
   * Returns whether the caller should retry at once.
   * @param {LockSnapshot} snap
   */
  async _recoverStale(snap) {
    if (!(await sameLockFile(this.lockPath, snap))) return true;
    const breakId = await this._createLockFile(this.breakPath);
    if (!breakId) {
      // Someone else is recovering. A break lock left by a crashed recoverer is itself removed
      // (it is only ever held for a few milliseconds).
      const bsnap = await inspectLockFile(this.breakPath, this.path);
      if (bsnap && isStaleLock(bsnap, Math.min(this.staleLockMs, BREAK_STALE_MS)) && (await sameLockFile(this.breakPath, bsnap))) {
        await moveAsideIfSame(this.breakPath, bsnap);
      }
      return false;
    }
    try {
      if (await sameLockFile(this.lockPath, snap)) await moveAsideIfSame(this.lockPath, snap);
    } finally {
      await releaseLockFile(this.breakPath, breakId);
    }
    return true;
  }

  /** @param {{ino: number, dev: number}} id */
  async _releaseLock(id) {
    heldLocks.delete(this.lockPath);
    await releaseLockFile(this.lockPath, id);
  }

  /** @param {{pid?: unknown, host?: unknown, at?: unknown}|null} info @param {number} [timeoutMs] */
  _lockedError(info, timeoutMs = this.lockTimeoutMs) {
    const who = info && typeof info.pid === 'number'
      ? info.pid === process.pid && info.host === HOST
        ? ' (held by this process)'
        : ` (held by process ${info.pid}${typeof info.host === 'string' && info.host !== HOST ? ` on ${info.host}` : ''})`
      : '';
    return canonicalError({
      code: 'CONFIG_LOCKED',
      message: `Timed out after ${timeoutMs} ms waiting for the lock on ${this.path}${who}.`,
      nextAction: {
        text: `Another command is updating ${this.path}; run the command again when it has finished.`,
      },
      details: {
        path: this.path,
        lockPath: this.lockPath,
        ...(info && typeof info.pid === 'number' ? { pid: info.pid } : {}),
        ...(info && typeof info.host === 'string' ? { host: info.host } : {}),
      },
    });
  }

  _newLeaseOwner() {
    return `${process.pid}.${randomHex(6)}@${HOST}`;
  }

  /**
   * A lease owner held by no live lease in this process: alive if its pid on this host is,
   * unknown (so alive) on another host, dead if it names this very process (a previous
   * process that had our pid).
   * @param {string} owner
   */
  _foreignOwnerAlive(owner) {
    const m = /^(\d+)\.[0-9a-f]+@(.+)$/.exec(owner);
    if (!m || m[2] !== HOST) return true;
    const pid = Number(m[1]);
    if (pid === process.pid) return false;
    return pidAlive(pid);
  }
}

/** link(2) errors meaning "this filesystem has no hard links". */
const NO_HARD_LINKS = ['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK'];

/** How old a break lock (held only while removing a stale lock) must be to count as stale. */
const BREAK_STALE_MS = 5000;

/**
 * Read a lock file: identity and content. Null when it does not exist.
 * @param {string} file @param {string} configFile for errors
 * @returns {Promise<LockSnapshot|null>}
 */
async function inspectLockFile(file, configFile) {
  const got = await readNoFollow(file, configFile, { owner: false });
  if (got === null) {
    // open() says ENOENT, yet something may be there: a dangling symlink.
    if ((await lstatOrNull(file).catch(() => null))?.isSymbolicLink()) throw unsafeError(file, 'symlink', configFile);
    return null;
  }
  const { st, text: raw } = got;
  let info = null;
  try {
    const parsed = JSON.parse(raw);
    if (typeof parsed === 'object' && parsed !== null) info = parsed;
  } catch {
    // being written, or garbage: judged by its age
  }
  return { ino: st.ino, dev: st.dev, size: st.size, mtimeMs: st.mtimeMs, raw, info };
}

/**
 * Older than staleMs (by its `at`, else its mtime), or left by a dead process on this host.
 * @param {LockSnapshot} snap @param {number} staleMs
 */
function isStaleLock(snap, staleMs) {
  const info = snap.info;
  const at = info && typeof info.at === 'number' && Number.isFinite(info.at) ? info.at : snap.mtimeMs;
  if (Date.now() - at > staleMs) return true;
  return Boolean(info && info.host === HOST && !pidAlive(info.pid));
}

/**
 * Whether `file` is still exactly the file of `snap`.
 * @param {string} file @param {LockSnapshot} snap
 */
async function sameLockFile(file, snap) {
  try {
    const got = await readNoFollow(file, file, { owner: false });
    if (got === null) return false;
    const { st, text } = got;
    if (st.ino !== snap.ino || st.dev !== snap.dev || st.size !== snap.size || st.mtimeMs !== snap.mtimeMs) return false;
    return text === snap.raw;
  } catch {
    return false;
  }
}

/**
 * Rename `file` to a unique name, make sure it was the file of `snap` (else put it back if its
 * place is still free), and delete it.
 * @param {string} file @param {LockSnapshot} snap
 */
async function moveAsideIfSame(file, snap) {
  const aside = `${file}.stale.${process.pid}.${randomHex(6)}`;
  try {
    await fsp.rename(file, aside);
  } catch {
    return; // gone already
  }
  if (!(await sameLockFile(aside, snap))) await fsp.link(aside, file).catch(() => {});
  await fsp.unlink(aside).catch(() => {});
}

/**
 * Delete a lock file we created, unless it has been replaced since.
 * @param {string} file @param {{ino: number, dev: number}} id
 */
async function releaseLockFile(file, id) {
  try {
    const st = await fsp.lstat(file);
    if (st.ino === id.ino && st.dev === id.dev) await fsp.unlink(file);
  } catch {
    // already gone (or removed as stale by someone else)
  }
}

/**
 * rename(2) over the target; Windows may refuse briefly while another process reads it.
 * @param {string} from @param {string} to
 */
async function renameOver(from, to) {
  for (let attempt = 0; ; attempt++) {
    try {
      await fsp.rename(from, to);
      return;
    } catch (e) {
      if (process.platform !== 'win32' || attempt >= 10 || !['EPERM', 'EBUSY', 'EACCES'].includes(codeOf(e))) throw e;
      await sleep(jitter(20));
    }
  }
}

// @ts-check
// The errors of the Node profile store, with their exit codes from the core's codes table
// (never written here as literals). No message carries a secret.

import * as nodePath from 'node:path';
import { canonicalError } from '../errors.mjs';

/** @param {unknown} e */
export const codeOf = (e) => /** @type {any} */ (e)?.code;

/**
 * CONFIG_UNREADABLE / CONFIG_UNWRITABLE for an IO failure on the profile file.
 * @param {'read'|'write'} op @param {string} path @param {unknown} cause
 */
export function ioError(op, path, cause) {
  const dir = nodePath.dirname(path);
  const errno = codeOf(cause) ?? 'EIO';
  const code = op === 'read' ? 'CONFIG_UNREADABLE' : 'CONFIG_UNWRITABLE';
  return canonicalError({
    code,
    message: `Could not ${op} the profile file ${path} (${errno}).`,
    nextAction: {
      text: `Check that ${dir} is a directory you can ${op === 'read' ? 'read' : 'write'}, then run the command again.`,
    },
    details: { path, errno },
    cause,
  });
}

/**
 * Why a path of the profile store is refused (see safe-fs.mjs).
 * @typedef {'not_owner'|'group_or_other_writable'|'symlink'|'not_a_file'|'not_a_directory'} UnsafeReason
 */

const WHY = {
  not_owner: 'is owned by another user',
  group_or_other_writable: 'is writable by other users',
  symlink: 'is a symbolic link',
  not_a_file: 'is not a regular file',
  not_a_directory: 'is not a directory',
};

/**
 * CONFIG_UNREADABLE for a profile directory or file keymint refuses to trust, as ssh does:
 * owned by someone else, writable by group or others, or a symlink where a file must be.
 * Another user could have planted a pending flow or a profile there.
 * @param {string} path the refused path @param {UnsafeReason} reason @param {string} configFile
 * @param {{uid?: number, mode?: number}} [seen]
 */
export function unsafeError(path, reason, configFile, seen = {}) {
  const fix = reason === 'group_or_other_writable'
    ? `Make it private (chmod go-w ${path}) if you trust what is in it, or move it aside`
    : reason === 'not_owner'
      ? `Move ${path} aside (it is not yours), or point XDG_CONFIG_HOME at a directory only you can write`
      : `Remove or move ${path} aside`;
  return canonicalError({
    code: 'CONFIG_UNREADABLE',
    message: `Refusing to use ${path}: it ${WHY[reason]}, so another user could have changed the profiles or pending sign-ins in it.`,
    nextAction: { text: `${fix}, then run the command again.` },
    details: {
      path,
      configPath: configFile,
      reason,
      ...(seen.uid !== undefined ? { owner: seen.uid } : {}),
      ...(seen.mode !== undefined ? { mode: `0${(seen.mode & 0o7777).toString(8)}` } : {}),
    },
  });
}

// Commands every key surface has: whoami, config set, profile list/use/remove, auth logout.
// For the generic bin without --provider (surface null), whoami and auth logout first find the
// provider of the credential in use and hand a session profile to that surface's own command.

import { whoamiCommand, configSet, profileList, profileUse, profileRemove, providerInUse } from './profiles.mjs';
import { checkFlags } from './args.mjs';
import { PRESETS, kindOf } from './providers.mjs';
import { JSON_FLAG, HELP_FLAG } from './surface.mjs';

/**
 * Without --provider: run `path` of the surface of the session profile in use, when it is
 * one (sessions, coditect); null otherwise.
 * @param {import('./context.mjs').Context} ctx
 * @param {(ctx: import('./context.mjs').Context) => import('./surface.mjs').Surface} pick
 * @param {string} path
 */
async function delegated(ctx, pick, path) {
  const provider = await providerInUse(ctx);
  if (provider && !PRESETS.includes(provider)) {
    const doc = await ctx.store().read();
    const name = /** @type {string} */ (ctx.str('profile') ?? doc.active);
    // Forgetting a key needs no backend; revoking a session (or whoami) needs its spec.
    if (path === 'auth logout' && typeof doc.profiles[name]?.accessToken !== 'string') return null;
    const also = path === 'auth logout' ? ` (or forget it without revoking: ${ctx.runBare('profile', 'remove', name)})` : '';
    throw ctx.usage(`The profile ${name} was saved with the provider spec "${provider}": pass the spec file again, e.g. ${ctx.runBare('--provider', `./${provider}.json`, ...path.split(' '))}${also}`, 'provider');
  }
  if (!provider || !['session', 'password'].includes(kindOf(provider))) return null;
  ctx.provider = provider;
  const surface = pick(ctx);
  ctx.surface = surface;
  const cmd = /** @type {import('./surface.mjs').Command} */ (surface.commands.find((c) => c.path === path));
  checkFlags(ctx.flags, [...cmd.flags.map(([n]) => n), 'provider', 'version'], { program: ctx.cli.program, command: path });
  return cmd.run(ctx, []);
}

const PROFILE_NAME_ARG = (ctx, args, what) => {
  if (args.length === 0) throw ctx.usage(`Missing the profile name: ${ctx.cli.program} ${ctx.command} <name>${what}.`, 'name');
  return args[0];
};

/**
 * @param {import('./surface.mjs').Surface|null} surface null for the generic bin without --provider
 * @param {{urlFlag?: [string, string], keyExample: string}} o
 * @param {(ctx: import('./context.mjs').Context) => import('./surface.mjs').Surface} [pick] the
 *   surface for the run's provider when `surface` is null
 * @returns {import('./surface.mjs').Command[]}
 */
export function commonCommands(surface, { urlFlag, keyExample }, pick) {
  const surfaceFor = (ctx) => () => surface ?? /** @type {Function} */ (pick)(ctx);
  const url = urlFlag ? [urlFlag] : [];
  /** @type {import('./surface.mjs').Command[]} */
  const cmds = [
    {
      path: 'whoami',
      summary: 'Show who the API key in use belongs to',
      usage: '[options]',
      description: 'Asks the backend who the API key belongs to. The key used, first found: --api-key,\n{PREFIX}_API_KEY, --profile, the active profile.',
      flags: [
        ['api-key', `Use this key (${keyExample}) instead of {PREFIX}_API_KEY or a profile`],
        ['profile', 'Use this saved profile instead of the active one'],
        ...url, JSON_FLAG, HELP_FLAG,
      ],
      run: async (ctx) => (surface ? null : await delegated(ctx, /** @type {Function} */ (pick), 'whoami')) ?? whoamiCommand(ctx, surfaceFor(ctx)),
    },
    {
      path: 'profile list',
      summary: 'List the saved profiles (keys masked)',
      usage: '[--json]',
      description: 'Lists the profiles in {config}; * marks the active one.',
      flags: [JSON_FLAG, HELP_FLAG],
      run: (ctx) => profileList(ctx),
    },
    {
      path: 'profile use',
      summary: 'Make a saved profile the active one',
      usage: '<name> [--json]',
      positionals: ['name'],
      flags: [JSON_FLAG, HELP_FLAG],
      run: (ctx, args) => profileUse(ctx, PROFILE_NAME_ARG(ctx, args, '')),
    },
    {
      path: 'profile remove',
      summary: 'Delete a saved profile (the key stays valid until revoked)',
      usage: '<name> [--json]',
      positionals: ['name'],
      flags: [JSON_FLAG, HELP_FLAG],
      run: (ctx, args) => profileRemove(ctx, PROFILE_NAME_ARG(ctx, args, '')),
    },
    {
      path: 'auth logout',
      summary: surface ? 'Forget the active (or named) profile on this machine' : 'Sign out of the active (or named) profile',
      usage: '[--profile <name>] [--json]',
      description: surface
        ? 'Deletes the local profile; the key itself stays valid until it is revoked at the backend.'
        : 'A session profile (sessions, coditect) is revoked at the backend, then deleted. A key profile is\ndeleted; the key itself stays valid until it is revoked at the backend.',
      flags: [['profile', 'The profile to forget (default: the active one)'], JSON_FLAG, HELP_FLAG],
      run: async (ctx) => (surface ? null : await delegated(ctx, /** @type {Function} */ (pick), 'auth logout'))
        ?? profileRemove(ctx, ctx.str('profile'), { logout: true }),
    },
  ];
  if (surface) {
    cmds.splice(1, 0, {
      path: 'config set',
      summary: 'Save an existing API key as a profile (no email code needed)',
      usage: `--api-key ${keyExample} [options]`,
      description: 'Checks the key with the backend, then saves it as a profile, which becomes active.\nA key the backend refuses is not saved; if the backend cannot be reached, it is saved unverified.\nThe key: --api-key-stdin (stdin), else --api-key, else {PREFIX}_API_KEY.',
      flags: [
        ['api-key', `The key to save (${keyExample}); better: --api-key-stdin or {PREFIX}_API_KEY, which keep it out of the process list`],
        ['profile', 'Profile name (default: derived from the account, else "default")'],
        ...url, JSON_FLAG, HELP_FLAG,
      ],
      run: (ctx) => configSet(ctx, surface),
    });
  }
  return cmds;
}

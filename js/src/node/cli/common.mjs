// Commands every surface has: whoami, config set, profile list/use/remove, auth logout.

import { whoamiCommand, configSet, profileList, profileUse, profileRemove } from './profiles.mjs';
import { JSON_FLAG, HELP_FLAG } from './surface.mjs';

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
      run: (ctx) => whoamiCommand(ctx, surfaceFor(ctx)),
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
      summary: 'Forget the active (or named) profile on this machine',
      usage: '[--profile <name>] [--json]',
      description: 'Deletes the local profile; the key itself stays valid until it is revoked at the backend.',
      flags: [['profile', 'The profile to forget (default: the active one)'], JSON_FLAG, HELP_FLAG],
      run: (ctx) => profileRemove(ctx, ctx.str('profile'), { logout: true }),
    },
  ];
  if (surface) {
    cmds.splice(1, 0, {
      path: 'config set',
      summary: 'Save an existing API key as a profile (no email code needed)',
      usage: `--api-key ${keyExample} [options]`,
      description: 'Checks the key with the backend, then saves it as a profile, which becomes active.\nA key the backend refuses is not saved; if the backend cannot be reached, it is saved unverified.',
      flags: [
        ['api-key', `The key to save (${keyExample}) (required)`],
        ['profile', 'Profile name (default: derived from the account, else "default")'],
        ...url, JSON_FLAG, HELP_FLAG,
      ],
      run: (ctx) => configSet(ctx, surface),
    });
  }
  return cmds;
}

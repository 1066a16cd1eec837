// `auth refresh` for an email-code provider whose spec declares `refresh` (spec version 2,
// e.g. the pocketbase preset): the saved token goes to the refresh route as the spec says
// (a header, or the body), and the new one replaces it in the profile, with its expiry
// (a JWT's own `exp` when the answer names none).

import { refreshToken } from '../../sessions/index.mjs';
import { maskSecret } from '../../mask.mjs';
import { fields } from './output.mjs';
import { resolveCredential } from './profiles.mjs';
import { resolveTarget } from './target.mjs';
import { compact } from './save-profile.mjs';
import { JSON_FLAG, HELP_FLAG } from './surface.mjs';

/**
 * @param {import('./surface.mjs').Surface} surface
 * @param {[string, string]} urlFlag
 * @returns {import('./surface.mjs').Command}
 */
export function tokenRefreshCommand(surface, urlFlag) {
  const noun = (surface.credentialLabel ?? 'API key').toLowerCase();
  return {
    path: 'auth refresh',
    summary: `Get a fresh ${noun} for the profile in use (the backend's refresh route)`,
    usage: '[--profile NAME]',
    description: `Sends the saved ${noun} to the backend's refresh route and saves the new one (and its\nexpiry) in the same profile. The token is never printed in full.`,
    flags: [['profile', 'The profile to refresh (default: the active one)'], urlFlag, JSON_FLAG, HELP_FLAG],
    async run(ctx) {
      const cred = await resolveCredential(ctx);
      if (cred.source !== 'profile' || !cred.profile || !cred.profileName) {
        throw ctx.usage('auth refresh updates a saved profile: drop --api-key (or the environment key) and pass --profile, or sign in first.', 'profile');
      }
      const name = cred.profileName;
      const target = await resolveTarget(ctx, surface, null, 'whoami');
      const baseUrl = target.explicit ? target.baseUrl : cred.profile.baseUrl;
      const fresh = await refreshToken(compact({ provider: ctx.providerValue, baseUrl, apiKey: cred.apiKey }), ctx.runOpts);
      const token = fresh.apiKey.reveal();
      ctx.secret(token);
      const stored = await ctx.store().put(name, { ...cred.profile, apiKey: token, expiresAt: fresh.expiresAt ?? null }, { activate: false });
      const masked = maskSecret(token);
      ctx.out.result(
        compact({ profile: name, provider: stored.provider, baseUrl: stored.baseUrl, email: stored.email, apiKey: masked, kind: fresh.kind, expiresAt: fresh.expiresAt ?? null }),
        [
          '✓ Token refreshed',
          '',
          ...fields([
            ['Profile', name],
            [surface.credentialLabel ?? 'API key', masked],
            fresh.expiresAt ? ['Expires', fresh.expiresAt] : null,
          ]),
        ],
      );
      return 0;
    },
  };
}

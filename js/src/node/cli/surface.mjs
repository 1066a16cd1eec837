// A surface is one provider's command line: its commands, flags, help texts and the few
// facts the shared implementations need (endpoint paths, which flag names the profile, …).
// codika.mjs and scripto.mjs each build one; the generic `keymint` bin picks one per run.

/**
 * @typedef {{
 *   path: string,
 *   summary: string,
 *   description?: string,
 *   usage?: string,
 *   flags: Array<[string, string]>,
 *   positionals?: string[],
 *   run: (ctx: import('./context.mjs').Context, args: string[]) => Promise<number>,
 * }} Command
 *
 * @typedef {{
 *   provider: 'codika'|'scripto',
 *   label: string,
 *   keyPrefix: string,
 *   defaultBaseUrl: string,
 *   endpoints: Record<string, {request: string, complete: string}>,
 *   endpointFlag: string|null,
 *   profileNameFlag: string,
 *   defaultKeyName: string,
 *   baseUrlFlags: (ctx: import('./context.mjs').Context) => string[],
 *   completeCommand: (purpose: string) => string,
 *   completeOptions: (ctx: import('./context.mjs').Context, purpose: string) => Record<string, any>,
 *   baseProfileName: (profile: Record<string, any>) => string,
 *   identityName: (identity: Record<string, any>) => string|undefined,
 *   commands: Command[],
 * }} Surface
 */

/** Help lines for flags every command shares. */
export const JSON_FLAG = /** @type {[string, string]} */ (['json', 'Print one JSON envelope on stdout ({"success": …}) and nothing else']);
export const HELP_FLAG = /** @type {[string, string]} */ (['help', 'Show this help']);

// Help texts may say {program} and {PREFIX}; help.mjs fills them in.

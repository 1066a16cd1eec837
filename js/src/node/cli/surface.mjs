// A surface is one provider's command line: its commands, flags, help texts and the few
// facts the shared implementations need (endpoint paths, which flag names the profile, …).
// codika.mjs, scripto.mjs, sessions.mjs, coditect.mjs and otp.mjs build them; the generic
// `keymint` bin picks one per run.

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
 *   provider: string,
 *   kind?: 'key'|'session'|'password',
 *   label: string,
 *   keyPrefix: string,
 *   defaultBaseUrl: string,
 *   endpoints: Record<string, {request: string, complete: string}>,
 *   endpointFlag: string|null,
 *   profileNameFlag: string,
 *   defaultKeyName: string,
 *   signInHint?: string,
 *   apiKeys?: boolean,
 *   baseUrlFlags: (ctx: import('./context.mjs').Context) => string[],
 *   completeCommand: (purpose: string, ctx?: import('./context.mjs').Context) => string,
 *   completeOptions: (ctx: import('./context.mjs').Context, purpose: string) => Record<string, any>,
 *   saveCredential?: (ctx: import('./context.mjs').Context, cred: any,
 *     o: {explicitName?: string, pendingKey?: string, email: string, purpose: string}) => Promise<number>,
 *   baseProfileName: (profile: Record<string, any>) => string,
 *   identityName: (identity: Record<string, any>) => string|undefined,
 *   identityEmail?: (identity: Record<string, any>) => string|undefined,
 *   identityRows?: (identity: Record<string, any>) => Array<[string, string]|null>,
 *   commands: Command[],
 *   codeFormat?: {length: number, words: string, placeholder: string},
 *   credentialLabel?: string,
 *   hasWhoami?: boolean,
 * }} Surface
 */

/** Help lines for flags every command shares. */
export const JSON_FLAG = /** @type {[string, string]} */ (['json', 'Print one JSON envelope on stdout ({"success": …}) and nothing else']);
export const HELP_FLAG = /** @type {[string, string]} */ (['help', 'Show this help']);

// Help texts may say {program} and {PREFIX}; help.mjs fills them in.

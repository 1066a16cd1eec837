// The tools the MCP server offers: names, descriptions, input and output schemas, and
// annotations. Names are `<program>_<verb>` (`keymint_request_code`, `codika_request_code` for
// a wrapper) so two keymint-based servers in one client never collide.
//
// Annotations are hints a client uses to decide what to confirm with the person, so they
// say what really happens: signing in writes the profile file and may replace a profile of
// the same account (destructive); listing and status calls only read; whoami asks the
// backend (open world) but changes nothing.
//
// Every output schema has `ok` and an optional `error`, because the SDK validates
// structuredContent against the output schema for error results too.

/** The providers an agent can name when the server is not bound to one (email-code backends). */
export const AGENT_PROVIDERS = ['codika', 'scripto', 'better-auth', 'sessions'];

const str = (description, extra = {}) => ({ type: 'string', description, ...extra });
const EMAIL = str('The email address the code is sent to (the agent must be able to read its mail).', { minLength: 1, maxLength: 320 });
const FLOW_ID = str('The flowId a keymint_request_code result gave (also listed by the pending-flows tool).', { minLength: 1, maxLength: 400 });
const PURPOSE = str('signup for a new account, login for an existing one, auto (default) to sign up and fall back to login when the account exists (or the reverse).', { enum: ['auto', 'login', 'signup'] });
const CODE = str('The code from the email, in the provider\'s format (6 digits unless its spec says otherwise; spaces and dashes are ignored). Omit it to have the person type it, when the client supports elicitation.', { minLength: 1, maxLength: 32 });
const PROFILE_NAME = str('The local profile name to save the credential under (default: derived from the account or organization).', { minLength: 1, maxLength: 64 });
const KEY_OPTIONS = {
  keyName: str('A label for the minted API key.', { minLength: 1, maxLength: 200 }),
  keyExpiresInDays: { type: 'integer', minimum: 1, maximum: 365, description: 'The key lifetime in days (1-365); omit for the backend default.' },
  profileName: PROFILE_NAME,
};

const NEXT_ACTION = {
  type: 'object',
  description: 'What to do next. `tool` is the tools/call to make ({name, arguments}); placeholders like <6-digit-code> are to be filled in.',
  properties: {
    kind: { type: 'string' },
    text: { type: 'string' },
    command: { type: 'string' },
    tool: { type: 'object', properties: { name: { type: 'string' }, arguments: { type: 'object' } }, required: ['name', 'arguments'] },
    retryAfterSeconds: { type: 'number' },
    field: { type: 'string' },
    organizations: { type: 'array', items: { type: 'object' } },
  },
  required: ['kind', 'text'],
};
const ERROR = {
  type: 'object',
  properties: {
    code: { type: 'string', description: 'The canonical keymint error code (docs/errors.md).' },
    message: { type: 'string' },
    status: { type: 'number' },
    providerCode: { type: 'string' },
    nextAction: NEXT_ACTION,
    details: { type: 'object' },
  },
  required: ['code', 'message', 'nextAction'],
};
const ORG = { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } };
const PROFILE = {
  type: 'object',
  properties: {
    name: { type: 'string' }, active: { type: 'boolean' }, provider: { type: 'string' }, baseUrl: { type: 'string' },
    email: { type: 'string' }, organization: ORG, apiKey: { type: 'string', description: 'masked' }, accessToken: { type: 'string', description: 'masked' },
  },
};

/** @param {Record<string, any>} props */
function output(props) {
  return { type: 'object', properties: { ok: { type: 'boolean' }, ...props, error: ERROR }, required: ['ok'] };
}

const SAVED = output({
  profile: str('The profile the credential was saved as (now active).'),
  active: { type: 'boolean' },
  provider: { type: 'string' },
  baseUrl: { type: 'string' },
  email: { type: 'string' },
  accountCreated: { type: 'boolean' },
  apiKey: str('The API key, masked: the raw key is only in the profile file.'),
  accessToken: str('The access token, masked (session backends).'),
  keyId: { type: 'string' },
  keyName: { type: 'string' },
  expiresAt: { type: ['string', 'null'] },
  organization: ORG,
  storedIn: str('The profile file holding the raw credential, for the program that uses it.'),
  usage: str('How a program picks the credential up.'),
});

/**
 * @param {{ns: string, program: string, bound: boolean}} o bound: the server is tied to one
 *   provider (a wrapper, or `keymint --provider X mcp`), so no tool takes `provider`
 * @returns {Array<{name: string, title: string, description: string, inputSchema: any,
 *   outputSchema: any, annotations: any}>}
 */
export function toolDefinitions({ ns, program, bound }) {
  const provider = bound ? {} : { provider: str('The backend.', { enum: AGENT_PROVIDERS }) };
  const input = (/** @type {Record<string, any>} */ properties, required = /** @type {string[]} */ ([])) => ({
    type: 'object', properties, required, additionalProperties: false,
  });
  const signIn = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true };
  return [
    {
      name: `${ns}_request_code`,
      title: 'Email a sign-in or sign-up code',
      description: `Asks the backend to email a one-time code to the address, and remembers the pending flow (in ${program}'s profile file, shared with the ${program} CLI). Read the code from the mailbox, then call ${ns}_submit_code with the returned flowId. A request within the resend cooldown fails with a wait and retryAfterSeconds.`,
      inputSchema: input({ ...provider, email: EMAIL, purpose: PURPOSE }, bound ? ['email'] : ['provider', 'email']),
      outputSchema: output({
        flowId: { type: 'string' }, provider: { type: 'string' }, email: { type: 'string' }, purpose: { type: 'string' },
        switchedFrom: { type: 'string' }, expiresAt: { type: ['string', 'null'] }, resendAvailableAt: { type: ['string', 'null'] },
        codeLength: { type: 'integer' }, nextAction: NEXT_ACTION,
      }),
      annotations: { title: 'Email a code', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    {
      name: `${ns}_submit_code`,
      title: 'Verify the emailed code and save the credential',
      description: `Verifies the code for a pending flow. The backend mints an API key (or a session), which is saved in ${program}'s profile file as the active profile — replacing an earlier profile of the same account — and returned masked only: the raw secret never reaches the conversation. With several organizations it fails with choose_organization; call ${ns}_choose_organization. Omit code to have the person enter it when the client supports elicitation.`,
      inputSchema: input({
        flowId: FLOW_ID, ...provider, email: str('With provider (instead of flowId): the email the code was sent to.', { minLength: 1, maxLength: 320 }),
        purpose: str('With email: login or signup (default: the pending flow\'s).', { enum: ['login', 'signup'] }),
        code: CODE,
        organizationId: str('Codika: the organization to mint the key for.', { minLength: 1, maxLength: 200 }),
        company: str('Codika sign-up: the organization name.', { minLength: 1, maxLength: 200 }),
        description: str('Codika sign-up: the organization description.', { maxLength: 1000 }),
        ...KEY_OPTIONS,
      }),
      outputSchema: SAVED,
      annotations: { title: 'Submit the code', ...signIn },
    },
    {
      name: `${ns}_choose_organization`,
      title: 'Finish a sign-in by choosing the organization',
      description: `After ${ns}_submit_code failed with choose_organization: mints the key for the chosen organization with the code the backend kept (no new code needed) and saves it like ${ns}_submit_code does.`,
      inputSchema: input({ flowId: FLOW_ID, organizationId: str('One of the organization ids the error listed.', { minLength: 1, maxLength: 200 }), ...KEY_OPTIONS }, ['flowId', 'organizationId']),
      outputSchema: SAVED,
      annotations: { title: 'Choose the organization', ...signIn },
    },
    {
      name: `${ns}_pending_flows`,
      title: 'Pending sign-ins',
      description: 'Lists the flows waiting for a code: when the code expires, when a new one may be requested, attempts left, and the organizations to choose from. Reads the local profile file only.',
      inputSchema: input({ email: str('Only the flows for this email.', { maxLength: 320 }), flowId: str('Only this flow (an error when it does not exist).', { maxLength: 400 }) }),
      outputSchema: output({ flows: { type: 'array', items: { type: 'object' } }, now: { type: 'string' } }),
      annotations: { title: 'Pending flows', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    {
      name: `${ns}_whoami`,
      title: 'Who the saved credential belongs to',
      description: 'Asks the backend who the active (or named) profile\'s credential belongs to. Changes nothing (a session may be refreshed and written back).',
      inputSchema: input({ profile: str('A saved profile (default: the active one).', { minLength: 1, maxLength: 64 }) }),
      outputSchema: output({ email: { type: 'string' }, provider: { type: 'string' }, profile: { type: 'string' }, apiKey: { type: 'string' }, organization: ORG }),
      annotations: { title: 'Who am I', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    {
      name: `${ns}_list_profiles`,
      title: 'Saved profiles',
      description: `Lists the profiles in ${program}'s profile file, credentials masked, and which one is active.`,
      inputSchema: input({}),
      outputSchema: output({ active: { type: ['string', 'null'] }, profiles: { type: 'array', items: PROFILE }, configPath: { type: 'string' } }),
      annotations: { title: 'List profiles', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    {
      name: `${ns}_switch_profile`,
      title: 'Make a profile active',
      description: `Makes a saved profile the active one (what ${program} and programs reading its profile file use).`,
      inputSchema: input({ name: str('The profile name.', { minLength: 1, maxLength: 64 }) }, ['name']),
      outputSchema: output({ active: { type: 'string' }, profile: PROFILE }),
      annotations: { title: 'Switch profile', readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    {
      name: `${ns}_remove_profile`,
      title: 'Delete a saved profile',
      description: 'Deletes a profile from this machine. An API key stays valid at the backend until revoked there; a session is not revoked (use the logout tool for that).',
      inputSchema: input({ name: str('The profile name.', { minLength: 1, maxLength: 64 }) }, ['name']),
      outputSchema: output({ removed: { type: 'string' }, active: { type: ['string', 'null'] }, profiles: { type: 'array' } }),
      annotations: { title: 'Remove profile', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    {
      name: `${ns}_logout`,
      title: 'Log out',
      description: 'Logs out of the active (or named) profile: a session is revoked at the backend, then the profile is deleted; an API-key profile is deleted (the key stays valid until revoked at the backend).',
      inputSchema: input({ profile: str('The profile (default: the active one).', { minLength: 1, maxLength: 64 }) }),
      outputSchema: output({ removed: { type: 'string' }, active: { type: ['string', 'null'] }, revoked: { type: 'boolean' } }),
      annotations: { title: 'Log out', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
  ];
}

// `keymint mcp` as a child process, driven by the official MCP TypeScript SDK client over
// stdio against the emulator: initialize, the tool list (schemas compiled), a Scripto
// sign-in, a Codika sign-up and a sign-in with organization choice (codes read from the
// outbox), a wrong code, a throttled request, whoami, profiles, elicitation, a flow carried
// across a server restart and to the CLI, bad input — and no raw key in anything the server
// wrote.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema, EmptyResultSchema, LATEST_PROTOCOL_VERSION, McpError } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { startEmulator } from '../src/emulator/index.mjs';
import { BIN, tempHome, run, envelope, dev } from './fixtures/cli-helpers.mjs';

/** @type {any} */
let emu;
const homes = [];
before(async () => { emu = await startEmulator({ port: 0 }); });
after(async () => {
  await emu.close();
  await Promise.all(homes.map((h) => h.cleanup()));
});

async function home() {
  const h = await tempHome();
  const xdg = join(h.home, 'xdg');
  const mine = { ...h, xdg, env: (extra = {}) => h.env({ XDG_CONFIG_HOME: xdg, ...extra }), config: (p = 'keymint') => join(xdg, p, 'config.json') };
  homes.push(mine);
  return mine;
}

/**
 * Start `keymint mcp` (or a wrapper's `mcp`) with the SDK client. Every message the server
 * sends is recorded in `seen` (the transport's onmessage is wrapped before the client sets
 * it), and every credential a sign-in saved in `minted`, read from the profile file before a
 * later logout removes it: what the secrets check compares.
 */
async function connect(h, { bin = BIN.keymint, args = [], capabilities = {}, onElicit } = {}) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, 'mcp', '--base-url', emu.url, ...args],
    env: { HOME: h.home, XDG_CONFIG_HOME: h.xdg, ...(process.env.KEYMINT_SECRETS_LOG ? { KEYMINT_SECRETS_LOG: process.env.KEYMINT_SECRETS_LOG } : {}) },
    stderr: 'pipe',
  });
  const seen = { out: /** @type {string[]} */ ([]), err: '' };
  const minted = new Set();
  let handler;
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    get: () => handler && ((m) => { seen.out.push(JSON.stringify(m)); handler(m); }),
    set: (f) => { handler = f; },
  });
  transport.stderr?.on('data', (d) => { seen.err += d; });
  const client = new Client({ name: 'keymint-test', version: '1.0.0' }, { capabilities });
  if (onElicit) client.setRequestHandler(ElicitRequestSchema, onElicit);
  await client.connect(transport);
  const call = async (name, args) => {
    const r = await client.callTool({ name, arguments: args });
    const s = /** @type {any} */ (r.structuredContent);
    if (s?.ok && typeof s.storedIn === 'string') for (const v of await rawSecrets(s.storedIn)) minted.add(v);
    return { ...r, s };
  };
  return { client, call, seen, minted, close: () => client.close() };
}

/** The raw keys and tokens saved in a profile file. */
async function rawSecrets(file) {
  const doc = JSON.parse(await readFile(file, 'utf8'));
  return Object.values(doc.profiles).flatMap((p) => [p.apiKey, p.accessToken, p.refreshToken]).filter((v) => typeof v === 'string');
}

describe('keymint mcp', () => {
  test('initialize, and a tool list with valid schemas and honest annotations', async () => {
    const h = await home();
    const m = await connect(h);
    try {
      assert.equal(m.client.getServerVersion()?.name, 'keymint');
      assert.ok(m.client.getServerCapabilities()?.tools);
      const { tools } = await m.client.listTools();
      const names = tools.map((t) => t.name).sort();
      assert.deepEqual(names, ['keymint_choose_organization', 'keymint_list_profiles', 'keymint_logout', 'keymint_pending_flows', 'keymint_remove_profile',
        'keymint_request_code', 'keymint_submit_code', 'keymint_switch_profile', 'keymint_whoami']);
      const ajv = new AjvJsonSchemaValidator();
      for (const t of tools) {
        assert.equal(t.inputSchema.type, 'object', t.name);
        assert.equal(t.outputSchema?.type, 'object', t.name);
        ajv.getValidator(t.inputSchema);
        ajv.getValidator(/** @type {any} */ (t.outputSchema));
        assert.equal(typeof t.annotations?.readOnlyHint, 'boolean', t.name);
        assert.equal(typeof t.annotations?.destructiveHint, 'boolean', t.name);
      }
      const by = Object.fromEntries(tools.map((t) => [t.name, t]));
      for (const ro of ['keymint_whoami', 'keymint_list_profiles', 'keymint_pending_flows']) assert.equal(by[ro].annotations.readOnlyHint, true, ro);
      for (const d of ['keymint_remove_profile', 'keymint_logout', 'keymint_submit_code']) assert.equal(by[d].annotations.destructiveHint, true, d);
      assert.equal(by.keymint_request_code.annotations.destructiveHint, false);
      assert.deepEqual(by.keymint_request_code.inputSchema.required, ['provider', 'email']);
      assert.ok(!('baseUrl' in by.keymint_request_code.inputSchema.properties), 'the URL is the operator\'s, not the model\'s');
    } finally {
      await m.close();
    }
  });

  test('Scripto sign-in end to end: request, submit, whoami, profile list; the key stays masked', async () => {
    const h = await home();
    const m = await connect(h);
    try {
      const email = 'agent@scripto.test';
      const req = await m.call('keymint_request_code', { provider: 'scripto', email });
      assert.equal(req.isError, undefined, req.content[0].text);
      assert.equal(req.s.purpose, 'login');
      assert.equal(req.s.flowId, `scripto|login|${email}`);
      assert.ok(Date.parse(req.s.expiresAt) > Date.now());
      assert.equal(req.s.nextAction.kind, 'enter_code');
      assert.deepEqual(req.s.nextAction.tool, { name: 'keymint_submit_code', arguments: { flowId: req.s.flowId, code: '<6-digit-code>' } });

      const done = await m.call('keymint_submit_code', { flowId: req.s.flowId, code: emu.outbox(email) });
      assert.equal(done.isError, undefined, done.content[0].text);
      assert.equal(done.s.profile, 'agent');
      assert.equal(done.s.active, true);
      assert.match(done.s.apiKey, /^scripto_••••••••[A-Za-z0-9]{4}$/);
      assert.equal(done.s.storedIn, h.config());
      const [raw] = await rawSecrets(h.config());
      assert.match(raw, /^scripto_/);
      assert.ok(done.s.apiKey.endsWith(raw.slice(-4)));

      const me = await m.call('keymint_whoami', {});
      assert.equal(me.isError, undefined, me.content[0].text);
      assert.equal(me.s.email, email);
      const list = await m.call('keymint_list_profiles', {});
      assert.equal(list.s.active, 'agent');
      assert.deepEqual(list.s.profiles.map((p) => [p.name, p.provider, p.apiKey]), [['agent', 'scripto', done.s.apiKey]]);
      const pending = await m.call('keymint_pending_flows', {});
      assert.deepEqual(pending.s.flows, []);
      for (const line of m.seen.out) assert.ok(!line.includes(raw), 'the raw key reached the client');
    } finally {
      await m.close();
    }
  });

  test('Codika: sign-up by auto; a second account signs in with an organization choice', async () => {
    const h = await home();
    const m = await connect(h);
    try {
      const email = 'new@codika.test';
      const req = await m.call('keymint_request_code', { provider: 'codika', email, purpose: 'auto' });
      assert.equal(req.isError, undefined, req.content[0].text);
      assert.equal(req.s.purpose, 'signup');
      const up = await m.call('keymint_submit_code', { flowId: req.s.flowId, code: emu.outbox(email), company: 'Acme Agents', keyName: 'agent key' });
      assert.equal(up.isError, undefined, up.content[0].text);
      assert.equal(up.s.accountCreated, true);
      assert.equal(up.s.organization.name, 'Acme Agents');
      assert.equal(up.s.keyName, 'agent key');
      assert.match(up.s.apiKey, /^cko_••••••••/);

      // An account with two organizations: auto tries sign-up, switches to login.
      const multi = 'multi@codika.test';
      const seeded = await dev(emu, '/__keymint/codika/seed-user', { email: multi, organizations: [{ name: 'Acme' }, { name: 'Beta Corp' }] });
      const lreq = await m.call('keymint_request_code', { provider: 'codika', email: multi });
      assert.equal(lreq.isError, undefined, lreq.content[0].text);
      assert.equal(lreq.s.purpose, 'login');
      assert.equal(lreq.s.switchedFrom, 'signup');
      const choose = await m.call('keymint_submit_code', { flowId: lreq.s.flowId, code: emu.outbox(multi) });
      assert.equal(choose.isError, true);
      assert.equal(choose.s.error.code, 'ORGANIZATION_SELECTION_REQUIRED');
      assert.equal(choose.s.error.nextAction.kind, 'choose_organization');
      assert.deepEqual(choose.s.error.nextAction.organizations.map((o) => o.name), ['Acme', 'Beta Corp']);
      assert.deepEqual(choose.s.error.nextAction.tool, { name: 'keymint_choose_organization', arguments: { flowId: lreq.s.flowId, organizationId: '<organization-id>' } });
      assert.ok(!choose.s.error.nextAction.command.includes('auth login-complete'), 'a tool call, not a shell command');

      const twice = await m.call('keymint_submit_code', { flowId: lreq.s.flowId });
      assert.equal(twice.s.error.code, 'ORGANIZATION_SELECTION_REQUIRED');
      assert.equal(twice.s.error.nextAction.tool.name, 'keymint_choose_organization');
      assert.equal(twice.s.error.nextAction.organizations.length, 2);
      const pending = await m.call('keymint_pending_flows', { email: multi });
      assert.equal(pending.s.flows.length, 1);
      assert.equal(pending.s.flows[0].phase, 'choose_organization');

      const beta = seeded.organizations[1].id;
      const done = await m.call('keymint_choose_organization', { flowId: lreq.s.flowId, organizationId: beta });
      assert.equal(done.isError, undefined, done.content[0].text);
      assert.equal(done.s.organization.name, 'Beta Corp');
      assert.equal(done.s.profile, 'beta-corp');

      const list = await m.call('keymint_list_profiles', {});
      assert.deepEqual(list.s.profiles.map((p) => p.name).sort(), ['acme-agents', 'beta-corp']);
      const sw = await m.call('keymint_switch_profile', { name: 'acme-agents' });
      assert.equal(sw.s.active, 'acme-agents');
      const me = await m.call('keymint_whoami', {});
      assert.equal(me.s.organization.name, 'Acme Agents');
      const rm = await m.call('keymint_remove_profile', { name: 'beta-corp' });
      assert.equal(rm.s.removed, 'beta-corp');
      const out = await m.call('keymint_logout', {});
      assert.equal(out.isError, undefined, out.content[0].text);
      assert.deepEqual((await m.call('keymint_list_profiles', {})).s.profiles, []);
    } finally {
      await m.close();
    }
  });

  test('sessions: sign-up by auto gives masked tokens; whoami; logout revokes the session', async () => {
    const h = await home();
    const m = await connect(h);
    try {
      const email = 'ada@sessions.test';
      const req = await m.call('keymint_request_code', { provider: 'sessions', email });
      assert.equal(req.isError, undefined, req.content[0].text);
      const done = await m.call('keymint_submit_code', { flowId: req.s.flowId, code: emu.outbox(email) });
      assert.equal(done.isError, undefined, done.content[0].text);
      assert.match(done.s.accessToken, /^at_••••••••/);
      const me = await m.call('keymint_whoami', {});
      assert.equal(me.isError, undefined, me.content[0].text);
      const out = await m.call('keymint_logout', {});
      assert.equal(out.isError, undefined, out.content[0].text);
      assert.deepEqual((await m.call('keymint_list_profiles', {})).s.profiles, []);
    } finally {
      await m.close();
    }
  });

  test('a wrong code keeps the flow with attempts left; a second request is throttled with the wait', async () => {
    const h = await home();
    const m = await connect(h, { args: ['--provider', 'codika'] });
    try {
      const email = 'typo@codika.test';
      const { tools } = await m.client.listTools();
      assert.ok(!('provider' in tools.find((t) => t.name === 'keymint_request_code').inputSchema.properties), 'bound to codika');
      const req = await m.call('keymint_request_code', { email });
      const good = emu.outbox(email);
      const wrong = good === '000000' ? '111111' : '000000';
      const bad = await m.call('keymint_submit_code', { flowId: req.s.flowId, code: wrong });
      assert.equal(bad.isError, true);
      assert.equal(bad.s.error.code, 'OTP_INVALID');
      assert.equal(bad.s.error.details.attemptsRemaining, 4);
      assert.equal(bad.s.error.nextAction.kind, 'retry_code');
      assert.deepEqual(bad.s.error.nextAction.tool, { name: 'keymint_submit_code', arguments: { flowId: req.s.flowId, code: '<6-digit-code>' } });
      assert.match(bad.s.error.nextAction.text, /call keymint_submit_code/);
      const pending = await m.call('keymint_pending_flows', { flowId: req.s.flowId });
      assert.equal(pending.s.flows[0].attemptsRemaining, 4);
      assert.ok(pending.s.flows[0].expiresInSeconds > 500);

      const again = await m.call('keymint_request_code', { email });
      assert.equal(again.isError, true);
      assert.equal(again.s.error.code, 'OTP_RESEND_COOLDOWN');
      assert.equal(again.s.error.nextAction.kind, 'wait');
      assert.ok(again.s.error.nextAction.retryAfterSeconds > 0 && again.s.error.nextAction.retryAfterSeconds <= 31);
      assert.deepEqual(again.s.error.nextAction.tool, { name: 'keymint_request_code', arguments: { email, purpose: 'auto' } });

      const ok = await m.call('keymint_submit_code', { flowId: req.s.flowId, code: good });
      assert.equal(ok.isError, undefined, ok.content[0].text);
    } finally {
      await m.close();
    }
  });

  test('bad input gets a JSON-RPC or tool error, and the server keeps serving', async () => {
    const h = await home();
    const m = await connect(h);
    try {
      await assert.rejects(m.client.callTool({ name: 'keymint_nope', arguments: {} }), (e) => e instanceof McpError && e.code === -32602);
      await assert.rejects(m.client.request({ method: 'keymint/unknown', params: {} }, EmptyResultSchema), (e) => e instanceof McpError && e.code === -32601);
      const missing = await m.call('keymint_request_code', { provider: 'scripto' });
      assert.equal(missing.isError, true);
      assert.equal(missing.s.error.code, 'USAGE');
      assert.equal(missing.s.error.nextAction.field, 'email');
      const typed = await m.call('keymint_request_code', { provider: 'scripto', email: 42 });
      assert.equal(typed.s.error.code, 'USAGE');
      assert.match(typed.s.error.message, /must be a string/);
      const badProvider = await m.call('keymint_request_code', { provider: 'coditect', email: 'a@b.test' });
      assert.equal(badProvider.s.error.code, 'USAGE');
      const extra = await m.call('keymint_list_profiles', { apiKey: 'x' });
      assert.equal(extra.s.error.code, 'USAGE');
      const ghost = await m.call('keymint_submit_code', { flowId: 'scripto|login|ghost@example.com', code: '123456' });
      assert.equal(ghost.isError, true);
      assert.equal(ghost.s.error.code, 'OTP_NOT_FOUND');
      assert.equal(ghost.s.error.nextAction.tool.name, 'keymint_pending_flows');
      const junk = await m.call('keymint_choose_organization', { flowId: 'not a flow', organizationId: 'org_x' });
      assert.equal(junk.s.error.code, 'OTP_NOT_FOUND');
      const invalidEmail = await m.call('keymint_request_code', { provider: 'scripto', email: 'not-an-email' });
      assert.equal(invalidEmail.s.error.code, 'EMAIL_INVALID');
      assert.equal(invalidEmail.s.error.nextAction.tool.name, 'keymint_request_code');
      const noCode = await m.call('keymint_submit_code', { provider: 'scripto', email: 'nocode@example.com' });
      assert.equal(noCode.s.error.code, 'USAGE');
      assert.equal(noCode.s.error.nextAction.field, 'code');
      const notYours = await m.call('keymint_whoami', { profile: 'nobody' });
      assert.equal(notYours.isError, true);
      assert.equal(notYours.s.error.code, 'PROFILE_NOT_FOUND');
      // The server shows the text after "Next: ": a tool call added to it does not say it again.
      assert.match(notYours.s.error.nextAction.text, /\. Then call keymint_\w+ \{/);
      assert.doesNotMatch(notYours.s.error.nextAction.text, /Next:/);
      await m.client.ping();
      assert.equal((await m.call('keymint_list_profiles', {})).isError, undefined);
    } finally {
      await m.close();
    }
  });

  test('elicitation: the person types the code in the client; a wrong one is asked again', async () => {
    const h = await home();
    const email = 'person@codika.test';
    const asked = [];
    const m = await connect(h, {
      capabilities: { elicitation: { form: {} } },
      onElicit: async (req) => {
        asked.push(req.params);
        const good = emu.outbox(email);
        const wrong = good === '999999' ? '888888' : '999999';
        return { action: 'accept', content: { code: asked.length === 1 ? wrong : good } };
      },
    });
    try {
      const req = await m.call('keymint_request_code', { provider: 'codika', email });
      assert.match(req.s.nextAction.text, /omit "code"/);
      const done = await m.call('keymint_submit_code', { flowId: req.s.flowId });
      assert.equal(done.isError, undefined, done.content[0].text);
      assert.equal(asked.length, 2);
      assert.equal(asked[0].mode, 'form');
      assert.deepEqual(asked[0].requestedSchema.required, ['code']);
      assert.match(asked[1].message, /attempts left/);
    } finally {
      await m.close();
    }
  });

  test('a pending flow survives a server restart, and the CLI finishes a flow a tool started', async () => {
    const h = await home();
    const email = 'restart@scripto.test';
    const first = await connect(h);
    const req = await first.call('keymint_request_code', { provider: 'scripto', email });
    await first.close();
    const second = await connect(h);
    try {
      const pending = await second.call('keymint_pending_flows', {});
      assert.deepEqual(pending.s.flows.map((f) => f.flowId), [req.s.flowId]);
      const done = await second.call('keymint_submit_code', { flowId: req.s.flowId, code: emu.outbox(email) });
      assert.equal(done.isError, undefined, done.content[0].text);
      const cliEmail = 'cli@scripto.test';
      await second.call('keymint_request_code', { provider: 'scripto', email: cliEmail });
      const r = await run(BIN.keymint, ['--provider', 'scripto', 'auth', 'login-complete', '--email', cliEmail, '--code', emu.outbox(cliEmail), '--json'], { env: h.env({ KEYMINT_BASE_URL: emu.url }) });
      assert.equal(r.code, 0, r.stdout);
      assert.equal(envelope(r).data.email, cliEmail);
      const list = await second.call('keymint_list_profiles', {});
      assert.equal(list.s.active, envelope(r).data.profile);
    } finally {
      await second.close();
    }
  });

  test('a wrapper serves its own tools, bound to its provider and profile file', async () => {
    const h = await home();
    const m = await connect(h, { bin: BIN.codika });
    try {
      const { tools } = await m.client.listTools();
      assert.ok(tools.every((t) => t.name.startsWith('codika_')));
      assert.equal(m.client.getServerVersion()?.name, 'codika');
      const email = 'wrapper@codika.test';
      const req = await m.call('codika_request_code', { email });
      assert.equal(req.s.flowId, `codika|signup|${email}`);
      const done = await m.call('codika_submit_code', { flowId: req.s.flowId, code: emu.outbox(email) });
      assert.equal(done.isError, undefined, done.content[0].text);
      assert.equal(done.s.storedIn, h.config('codika'));
    } finally {
      await m.close();
    }
  });

  test('an older protocol revision is negotiated down, without the newer fields', async () => {
    const h = await home();
    const child = spawn(process.execPath, [BIN.keymint, 'mcp'], { env: h.env(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
    const send = (m) => child.stdin.write(`${JSON.stringify(m)}\n`);
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'old', version: '0' } } });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    child.stdin.write('{not json\n');
    send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'keymint_list_profiles', arguments: {} } });
    child.stdin.end();
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0);
    const msgs = out.trim().split('\n').map((l) => JSON.parse(l));
    const byId = Object.fromEntries(msgs.map((m) => [m.id, m]));
    assert.equal(byId[1].result.protocolVersion, '2024-11-05');
    assert.ok(byId[2].result.tools.every((t) => t.outputSchema === undefined && t.annotations === undefined));
    assert.equal(byId.null.error.code, -32700);
    assert.equal(byId[3].result.structuredContent, undefined);
    assert.match(byId[3].result.content[0].text, /"profiles": \[\]/);
    // A revision we do not speak: answered with the latest (the client decides).
    const other = spawn(process.execPath, [BIN.keymint, 'mcp'], { env: h.env(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out2 = '';
    other.stdout.setEncoding('utf8').on('data', (d) => { out2 += d; });
    other.stdin.end(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '1999-01-01', capabilities: {} } })}\n`);
    await new Promise((resolve) => other.on('close', resolve));
    assert.equal(JSON.parse(out2).result.protocolVersion, LATEST_PROTOCOL_VERSION);
  });

  test('mcp --base-url is checked by the CLI\'s own rule (the core\'s), with the same verdict and words', async () => {
    const h = await home();
    for (const url of ['http://example.com', 'http://localhost.example.com:8080', 'ftp://127.0.0.1/', 'not a url']) {
      const mcp = await run(BIN.keymint, ['mcp', '--base-url', url], { env: h.env() });
      const cli = await run(BIN.keymint, ['--provider', 'scripto', 'auth', 'login-request', '--email', 'a@example.com', '--base-url', url], { env: h.env() });
      assert.equal(mcp.code, cli.code, url);
      assert.equal(mcp.stderr.split('\n')[0], cli.stderr.split('\n')[0], url);
      assert.match(mcp.stderr, /INSECURE_URL|USAGE/, url);
    }
  });

  test('no raw key or token in anything a server wrote, over sign-ins of every kind', async () => {
    // Self-contained: its own sign-ins (two accounts each of Scripto, Codika with an
    // organization choice, and sessions up to logout), its own transcripts and profile files.
    const h = await home();
    const m = await connect(h);
    const wrapper = await home();
    const w = await connect(wrapper, { bin: BIN.codika });
    try {
      /** Request, then submit the emailed code (and choose the organization when asked). */
      const signIn = async (c, args) => {
        const req = await c.call(`${c === w ? 'codika' : 'keymint'}_request_code`, args);
        assert.equal(req.isError, undefined, req.content[0].text);
        let done = await c.call(`${c === w ? 'codika' : 'keymint'}_submit_code`, { flowId: req.s.flowId, code: emu.outbox(args.email) });
        if (done.s?.error?.code === 'ORGANIZATION_SELECTION_REQUIRED') {
          done = await c.call(`${c === w ? 'codika' : 'keymint'}_choose_organization`, { flowId: req.s.flowId, organizationId: done.s.error.nextAction.organizations[0].id });
        }
        assert.equal(done.isError, undefined, done.content[0].text);
        return done;
      };
      await signIn(m, { provider: 'scripto', email: 'secrets-1@scripto.test' });
      await signIn(m, { provider: 'scripto', email: 'secrets-2@scripto.test' });
      await signIn(m, { provider: 'codika', email: 'secrets-new@codika.test', purpose: 'auto' });
      await dev(emu, '/__keymint/codika/seed-user', { email: 'secrets-multi@codika.test', organizations: [{ name: 'Acme' }, { name: 'Beta Corp' }] });
      await signIn(w, { email: 'secrets-multi@codika.test' });
      await signIn(m, { provider: 'sessions', email: 'secrets-1@sessions.test' });
      assert.equal((await m.call('keymint_whoami', {})).isError, undefined);
      await signIn(m, { provider: 'sessions', email: 'secrets-2@sessions.test' });
      assert.equal((await m.call('keymint_logout', {})).isError, undefined);
      assert.equal((await m.call('keymint_list_profiles', {})).isError, undefined);
    } finally {
      await m.close();
      await w.close();
    }
    const secrets = [...m.minted, ...w.minted];
    assert.ok(secrets.some((s) => s.startsWith('scripto_')) && secrets.some((s) => s.startsWith('cko_')) && secrets.some((s) => s.startsWith('at_')));
    for (const [x, program] of [[h, 'keymint'], [wrapper, 'codika']]) {
      const names = await readdir(join(x.xdg, program)).catch(() => []);
      if (names.includes('config.json')) secrets.push(...await rawSecrets(x.config(program)));
    }
    if (process.env.KEYMINT_SECRETS_LOG) {
      secrets.push(...(await readFile(process.env.KEYMINT_SECRETS_LOG, 'utf8').catch(() => '')).split('\n').filter(Boolean));
    }
    assert.ok(secrets.length >= 8, `expected minted keys to check, found ${secrets.length}`);
    const all = [m.seen, w.seen].map((t) => `${t.out.join('\n')}\n${t.err}`).join('\n');
    assert.ok(all.length > 1000);
    for (const s of secrets) assert.ok(!all.includes(s), `a raw secret (…${s.slice(-4)}) reached the client`);
  });
});

// Custom backends described in JSON, passed as `provider: specObject`:
//  1. a spec describing the Scripto contract runs every Scripto case against
//     the emulator (the same cases as the built-in preset);
//  2. a spec for a backend whose names differ from every preset
//     (fixtures/variant-server.mjs), incl. error mapping, retry seconds,
//     attempts remaining and an HTTP-200 error envelope;
//  3. validation: every bad field is refused with INVALID_PROVIDER naming it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import * as keymint from '../dist/keymint.mjs';
import { scriptoCases, rejects } from './fixtures/scripto-cases.mjs';
import { startVariantServer } from './fixtures/variant-server.mjs';

const load = (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const scriptoSpec = load('scripto-spec.json');
const variantSpec = load('variant-spec.json');

describe('the Scripto contract as a custom spec', () => {
  test('the fixture spec is the preset, byte for byte', () => {
    const preset = readFileSync(new URL('../../src/provider/scripto.json', import.meta.url), 'utf8');
    assert.deepEqual(scriptoSpec, JSON.parse(preset));
  });
  scriptoCases(scriptoSpec);
});

describe('a backend with its own names (variant server)', () => {
  let srv;
  before(async () => { srv = await startVariantServer(); });
  after(() => srv.close());
  const start = (email, extra = {}) => keymint.start({ provider: variantSpec, baseUrl: srv.url, email, ...extra });

  test('happy path: its paths, body names and envelope; account created, then not', async () => {
    const flow = start('Ada@Example.com');
    assert.equal(flow.provider, 'variant');
    const sent = await flow.requestCode();
    const send = srv.requests.at(-1);
    assert.equal(send.path, '/v2/pins/send');
    assert.deepEqual(Object.keys(send.body), ['address']);
    // Expiry and resend time come from the backend's own fields.
    assert.ok(Math.abs(Date.parse(sent.expiresAt) - (Date.now() + 300_000)) < 5_000);
    assert.ok(Math.abs(Date.parse(sent.resendAvailableAt) - (Date.now() + 20_000)) < 5_000);

    const cred = await flow.submitCode(srv.outbox('ada@example.com'), { keyName: 'ci-runner' });
    const redeem = srv.requests.at(-1);
    assert.equal(redeem.path, '/v2/pins/redeem');
    assert.deepEqual(Object.keys(redeem.body).sort(), ['address', 'label', 'pin']);
    assert.equal(redeem.body.label, 'ci-runner');
    const raw = cred.apiKey.reveal();
    assert.match(raw, /^vx_/);
    for (const shown of [String(cred.apiKey), JSON.stringify(cred), inspect(cred), JSON.stringify(flow)]) {
      assert.ok(!shown.includes(raw), 'raw token leaked');
    }
    assert.match(cred.keyId, /^tok_/);
    assert.equal(cred.keyName, 'ci-runner');
    assert.match(cred.user.id, /^own_/);
    assert.equal(cred.user.email, 'ada@example.com');
    assert.equal(cred.accountCreated, true);
    assert.equal(cred.provider, 'variant');

    const me = await keymint.whoami({ provider: variantSpec, baseUrl: srv.url, apiKey: cred.apiKey });
    assert.deepEqual(me, { id: cred.user.id, address: 'ada@example.com' });

    // The same address again: the backend says the account is not new.
    srv.advance(21);
    const again = start('ada@example.com');
    await again.requestCode();
    const second = await again.submitCode(srv.outbox('ada@example.com'));
    assert.equal(second.accountCreated, false);
    assert.equal(second.user.id, cred.user.id);
  });

  test('request: its bad_address → EMAIL_INVALID, fix the email', async () => {
    const e = await rejects(start('someone@host.invalid').requestCode(), 'EMAIL_INVALID');
    assert.equal(e.status, 422);
    assert.equal(e.providerCode, 'bad_address');
    assert.equal(e.message, 'That is not an address we can write to.');
    assert.equal(e.nextAction.kind, 'fix_input');
    assert.equal(e.nextAction.field, 'email');
  });

  test('request: its nextSendAfter is kept; the backend\'s waitSeconds surface as retryAfterSeconds', async () => {
    const flow = start('cool@example.com');
    await flow.requestCode();
    // The saved resend time answers locally: no request.
    const before = srv.requests.length;
    const local = await rejects(flow.requestCode(), 'OTP_RESEND_COOLDOWN');
    assert.equal(srv.requests.length, before);
    assert.equal(local.nextAction.kind, 'wait');
    const left = Math.ceil((Date.parse(flow.resendAvailableAt) - Date.now()) / 1000);
    assert.ok(Math.abs(local.nextAction.retryAfterSeconds - left) <= 1, `${local.nextAction.retryAfterSeconds} vs ${left}`);
    // A second flow knows nothing locally: the backend refuses with its own figure.
    srv.advance(5);
    const e = await rejects(start('cool@example.com').requestCode(), 'OTP_RESEND_COOLDOWN');
    assert.equal(e.status, 429);
    assert.equal(e.providerCode, 'slow_down');
    assert.equal(e.details?.retryAfterSeconds ?? e.nextAction.retryAfterSeconds, 15);
    assert.deepEqual({ kind: e.nextAction.kind, s: e.nextAction.retryAfterSeconds }, { kind: 'wait', s: 15 });
  });

  test('request: an error inside an HTTP 200 ({ok: false}) is an error, with its wait', async () => {
    srv.busyNext();
    const e = await rejects(start('busy@example.com').requestCode(), 'RATE_LIMITED');
    assert.equal(e.status, 200);
    assert.equal(e.providerCode, 'busy');
    assert.deepEqual({ kind: e.nextAction.kind, s: e.nextAction.retryAfterSeconds }, { kind: 'wait', s: 7 });
  });

  test('complete: wrong pins count down with the backend\'s triesLeft, then it burns the pin', async () => {
    let now = Date.now();
    const flow = start('tries@example.com', { clock: () => now });
    await flow.requestCode();
    const good = srv.outbox('tries@example.com');
    const bad = good === '000000' ? '111111' : '000000';
    const first = await rejects(flow.submitCode(bad), 'OTP_INVALID');
    assert.equal(first.status, 401);
    assert.equal(first.providerCode, 'wrong_pin');
    assert.equal(first.nextAction.kind, 'retry_code');
    assert.equal(flow.attemptsRemaining, 2);
    await rejects(flow.submitCode(bad), 'OTP_INVALID');
    assert.equal(flow.attemptsRemaining, 1);
    const burned = await rejects(flow.submitCode(bad), 'OTP_LOCKED_OUT');
    assert.equal(burned.status, 423);
    assert.equal(burned.providerCode, 'burned');
    assert.equal(burned.nextAction.kind, 'request_new_code');
    // After the cooldown (the backend's own nextSendAfter) a new pin works.
    now = Date.parse(flow.resendAvailableAt) + 1000;
    srv.advance(21);
    await flow.requestCode();
    assert.match((await flow.submitCode(srv.outbox('tries@example.com'))).apiKey.reveal(), /^vx_/);
  });

  test('complete: pin_expired → OTP_EXPIRED, no_pin → OTP_NOT_FOUND; both ask for a new code', async () => {
    const flow = start('old@example.com');
    await flow.requestCode();
    const saved = JSON.stringify(flow);
    srv.advance(301);
    const e = await rejects(flow.submitCode(srv.outbox('old@example.com')), 'OTP_EXPIRED');
    assert.equal(e.status, 410);
    assert.equal(e.nextAction.kind, 'request_new_code');
    assert.equal(flow.phase, 'ready');
    // The expired pin is gone on the server: the saved copy of the flow gets no_pin.
    const e2 = await rejects(keymint.resume(saved).submitCode('123456'), 'OTP_NOT_FOUND');
    assert.equal(e2.status, 404);
    assert.equal(e2.providerCode, 'no_pin');
    assert.equal(e2.nextAction.kind, 'request_new_code');
    assert.match(e2.nextAction.command ?? '', /^keymint --provider \.\/variant\.json pins send --email old@example\.com$/);
  });

  test('the spec travels in the saved flow: resume needs nothing else', async () => {
    const flow = start('resume@example.com');
    await flow.requestCode();
    const doc = JSON.parse(JSON.stringify(flow));
    assert.deepEqual(doc.spec, variantSpec);
    const cred = await keymint.resume(JSON.stringify(doc)).submitCode(srv.outbox('resume@example.com'));
    assert.match(cred.apiKey.reveal(), /^vx_/);
    // Editing the carried spec is tampering.
    doc.spec.flows.login.complete = '/v2/pins/steal';
    assert.throws(() => keymint.resume(doc), (e) => e.code === 'INVALID_STATE');
  });

  test('whoami: its bad_token → UNAUTHENTICATED, sign in again', async () => {
    const e = await rejects(keymint.whoami({ provider: variantSpec, baseUrl: srv.url, apiKey: 'vx_nope' }), 'UNAUTHENTICATED');
    assert.equal(e.status, 401);
    assert.equal(e.providerCode, 'bad_token');
    assert.equal(e.nextAction.kind, 'sign_in_again');
  });

  test('an unmapped code falls back by HTTP status and keeps the provider code', async () => {
    const spec = structuredClone(variantSpec);
    delete spec.errors.bad_token;
    const e = await rejects(keymint.whoami({ provider: spec, baseUrl: srv.url, apiKey: 'vx_nope' }), 'UNAUTHENTICATED');
    assert.equal(e.providerCode, 'bad_token');
    const spec2 = structuredClone(variantSpec);
    delete spec2.errors['request:bad_address'];
    const e2 = await rejects(keymint.start({ provider: spec2, baseUrl: srv.url, email: 'x@y.invalid' }).requestCode(), 'UNKNOWN_ERROR');
    assert.equal(e2.status, 422);
    assert.equal(e2.providerCode, 'bad_address');
  });
});

describe('spec validation: INVALID_PROVIDER names the bad field', () => {
  const base = () => structuredClone(variantSpec);
  const refuse = async (mutate, field, problem) => {
    const spec = base();
    const result = mutate(spec);
    const provider = result === undefined ? spec : result;
    let err;
    try {
      keymint.start({ provider, baseUrl: 'http://127.0.0.1:9', email: 'a@example.com' });
    } catch (e) {
      err = e;
    }
    assert.ok(err, `expected '${field}' to be refused`);
    assert.equal(err.code, 'INVALID_PROVIDER', err.message);
    assert.equal(err.exitCode, 2);
    assert.equal(err.nextAction.kind, 'fix_input');
    assert.ok(err.message.includes(`'${field}'`), `message names ${field}: ${err.message}`);
    if (problem) assert.match(err.message, problem);
    // whoami (no flow) refuses the same spec the same way, before any request.
    await assert.rejects(
      keymint.whoami({ provider, apiKey: 'k', baseUrl: 'http://127.0.0.1:9' }),
      (e) => e.code === 'INVALID_PROVIDER' && e.message === err.message,
    );
  };

  const cases = [
    ['root is not an object', () => 'variant.json', 'provider', /not a known provider/],
    ['root is an array', () => [], '(root)', /must be an object/],
    ['name missing', (s) => { delete s.name; }, 'name', /non-empty string/],
    ['name blank', (s) => { s.name = '  '; }, 'name', /non-empty string/],
    ['baseUrl not http(s)', (s) => { s.baseUrl = 'ftp://x'; }, 'baseUrl', /http\(s\) URL/],
    ['flows missing', (s) => { delete s.flows; }, 'flows', /login.*signup/],
    ['flows with an unknown purpose', (s) => { s.flows.reset = { request: '/a', complete: '/b' }; }, 'flows.reset', /not a known purpose/],
    ['request path not a path', (s) => { s.flows.login.request = 'v2/pins/send'; }, 'flows.login.request', /starting with '\/'/],
    ['complete path is a URL', (s) => { s.flows.login.complete = 'https://evil.example/x'; }, 'flows.login.complete', /starting with '\/'/],
    ['complete path missing', (s) => { delete s.flows.login.complete; }, 'flows.login.complete', /non-empty string/],
    ['path with a space', (s) => { s.flows.login.request = '/v2/pins send'; }, 'flows.login.request'],
    ['fields.email missing', (s) => { delete s.fields.email; }, 'fields.email', /required/],
    ['fields.code missing', (s) => { delete s.fields.code; }, 'fields.code', /required/],
    ['fields has an unknown key', (s) => { s.fields.colour = 'c'; }, 'fields.colour', /not a known key/],
    ['fields value not a string', (s) => { s.fields.keyName = 3; }, 'fields.keyName', /must be a string/],
    ['fields not an object', (s) => { s.fields = 'address'; }, 'fields', /must be an object/],
    ['envelope.code missing', (s) => { delete s.envelope.code; }, 'envelope.code', /required/],
    ['envelope unknown key', (s) => { s.envelope.retry = 'x'; }, 'envelope.retry', /not a known key/],
    ['sent unknown key', (s) => { s.sent.when = 'x'; }, 'sent.when', /not a known key/],
    ['credential.apiKey missing', (s) => { delete s.credential.apiKey; }, 'credential.apiKey', /required/],
    ['credential unknown key', (s) => { s.credential.secret = 'x'; }, 'credential.secret', /not a known key/],
    ['errors value not canonical', (s) => { s.errors.wrong_pin = 'WRONG_PIN'; }, 'errors.wrong_pin', /canonical error code/],
    ['errors not an object', (s) => { s.errors = ['x']; }, 'errors', /must be an object/],
    ['codeLifetimeSeconds zero', (s) => { s.codeLifetimeSeconds = 0; }, 'codeLifetimeSeconds', /whole number of seconds/],
    ['codeLifetimeSeconds fractional', (s) => { s.codeLifetimeSeconds = 1.5; }, 'codeLifetimeSeconds'],
    ['resendCooldownSeconds a string', (s) => { s.resendCooldownSeconds = '20'; }, 'resendCooldownSeconds'],
    ['limits.keyExpiresInDays reversed', (s) => { s.limits = { keyExpiresInDays: [30, 1] }; }, 'limits.keyExpiresInDays', /\[min, max\]/],
    ['whoami.path not a path', (s) => { s.whoami.path = 'me'; }, 'whoami.path', /starting with '\/'/],
    ['commands.request blank', (s) => { s.commands.request = ''; }, 'commands.request', /non-empty string/],
  ];
  for (const [name, mutate, field, problem] of cases) {
    test(name, () => refuse(mutate, field, problem));
  }

  test('the valid fixture specs load', () => {
    for (const spec of [scriptoSpec, variantSpec]) {
      assert.equal(keymint.start({ provider: spec, baseUrl: 'http://127.0.0.1:9', email: 'a@example.com' }).provider, spec.name);
    }
  });
});

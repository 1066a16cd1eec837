// The driver loop and the resumable base, driven by a fake core through core.mjs's setCore
// seam: what the driver sends the core, what it performs, what it saves and what it throws,
// without the wasm core or a backend.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
// A Flow steps on the core it is given (the runtime imports none): the default entry's here,
// whose step setCore fakes.
import { setCore, step } from '../src/core.mjs';
import { Flow } from '../src/flow.mjs';
import { whoami } from '../src/index.mjs';
import { PasswordFlow } from '../src/sessions/session.mjs';
import { OAuthFlow } from '../src/sessions/oauth.mjs';
import { KeymintError } from '../src/errors.mjs';

afterEach(() => setCore(null));

/** A fake core answering each input with the next scripted output; it records the inputs. */
function fakeCore(outputs) {
  const seen = [];
  setCore((input) => {
    seen.push(structuredClone(input));
    const next = outputs.shift();
    if (!next) throw new Error(`fake core: no output left for ${JSON.stringify(input)}`);
    return next;
  });
  return seen;
}

/** A fake fetch: answers from `routes` by URL; records the requests. */
function fakeFetch(routes) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, method: init.method, body: init.body, redirect: init.redirect });
    const r = routes[url] ?? { status: 404, body: '' };
    return new Response(r.body ?? '', { status: r.status, headers: r.headers ?? { 'content-type': 'application/json' } });
  };
  return { fetch, calls };
}

const request = (url) => ({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body: '{"email":"a@b.c"}' });

test('one step: the event goes to the core, its request is performed, the answer fed back, the new document saved', async () => {
  const seen = fakeCore([
    { state: { phase: 'sending', n: 1 }, action: { type: 'send', request: request('https://api.test/otp') } },
    { state: { phase: 'code_sent', n: 2 }, action: { type: 'code_sent', email: 'a@b.c', expiresAt: 'T' } },
  ]);
  const { fetch, calls } = fakeFetch({ 'https://api.test/otp': { status: 200, body: '{"ok":true}' } });
  const saved = [];
  const flow = new Flow({ phase: 'started', n: 0 }, { fetch, clock: () => 42_000, onState: (s) => saved.push(s) }, step);

  const sent = await flow.requestCode();

  assert.deepEqual(sent, { email: 'a@b.c', expiresAt: 'T' });
  assert.deepEqual(seen[0], { op: 'event', now: 42, state: { phase: 'started', n: 0 }, event: { type: 'request_code' } });
  assert.equal(seen[1].op, 'event');
  assert.deepEqual(seen[1].state, { phase: 'sending', n: 1 }, 'the request step continues from the state the core gave');
  assert.equal(seen[1].event.type, 'response');
  assert.equal(seen[1].event.status, 200);
  assert.equal(seen[1].event.body, '{"ok":true}');
  assert.deepEqual(calls, [{ url: 'https://api.test/otp', method: 'POST', body: '{"email":"a@b.c"}', redirect: 'manual' }]);
  assert.deepEqual(saved, [{ phase: 'code_sent', n: 2 }], 'onState sees the final document once');
  assert.deepEqual(flow.toJSON(), { phase: 'code_sent', n: 2 });
  assert.equal(flow.phase, 'code_sent');
});

test("an error action throws the core's KeymintError and still saves the document it came with", async () => {
  fakeCore([{
    state: { phase: 'code_sent', attemptsRemaining: 2 },
    action: { type: 'error', error: { code: 'OTP_INVALID', message: 'Wrong code.', exitCode: 3, nextAction: { kind: 'retry_code', text: 'Try again.' }, details: { attemptsRemaining: 2 } } },
  }]);
  const flow = new Flow({ phase: 'code_sent' }, {}, step);
  const err = await flow.submitCode('123456').catch((e) => e);
  assert.ok(err instanceof KeymintError);
  assert.equal(err.code, 'OTP_INVALID');
  assert.equal(err.exitCode, 3);
  assert.equal(err.attemptsRemaining, 2);
  assert.equal(flow.attemptsRemaining, 2);
});

test('a redirect to another origin never reaches it: the core gets a redirect transport error', async () => {
  const seen = fakeCore([
    { state: { phase: 's' }, action: { type: 'send', request: request('https://api.test/otp') } },
    { state: { phase: 's' }, action: { type: 'code_sent' } },
  ]);
  const { fetch, calls } = fakeFetch({
    'https://api.test/otp': { status: 307, headers: { location: 'https://evil.test/otp' } },
  });
  await new Flow({ phase: 'started' }, { fetch }, step).requestCode();
  assert.deepEqual(calls.map((c) => c.url), ['https://api.test/otp']);
  assert.deepEqual(seen[1].event, { type: 'transport_error', kind: 'redirect' });
});

test('every flow class is the same resumable: password sign-in and OAuth step through the one loop', async () => {
  const seen = fakeCore([
    { state: { phase: 'second_factor', email: 'a@b.c' }, action: { type: 'second_factor', method: 'totp', expiresAt: 'T' } },
    { state: { phase: 'done' }, action: { type: 'signed_in', credential: { accessToken: 'at_1', refreshToken: 'rt_1' } } },
  ]);
  const pw = new PasswordFlow({ phase: 'started', email: 'a@b.c' }, { clock: () => 1000 });
  assert.deepEqual(await pw.login('hunter2'), { status: 'second_factor', method: 'totp', expiresAt: 'T' });
  assert.equal(pw.email, 'a@b.c');
  assert.deepEqual(seen[0].event, { type: 'login', password: 'hunter2' });

  const oauth = new OAuthFlow({ phase: 'authorizing', state: 'xyz' }, 'https://auth.test/authorize', { clientSecret: 's3' });
  const cred = await oauth.callback('https://app.test/cb?code=c&state=xyz');
  assert.equal(cred.accessToken.reveal(), 'at_1');
  assert.equal(String(cred.accessToken).includes('at_1'), false, 'tokens come back as Secrets');
  assert.deepEqual(seen[1].event, { type: 'callback', url: 'https://app.test/cb?code=c&state=xyz', clientSecret: 's3' });
  assert.equal(oauth.phase, 'done');
});

test('exchange (whoami): one request built by the core, its answer read with the same config', async () => {
  const seen = fakeCore([
    { action: { type: 'send', request: { method: 'GET', url: 'https://api.test/me', headers: {} } } },
    { action: { type: 'identity', identity: { email: 'a@b.c' } } },
  ]);
  const { fetch } = fakeFetch({ 'https://api.test/me': { status: 200, body: '{"email":"a@b.c"}' } });
  assert.deepEqual(await whoami({ provider: 'codika', apiKey: 'cko_x', fetch, clock: () => 5000 }), { email: 'a@b.c' });
  assert.equal(seen[0].op, 'whoami');
  assert.equal(seen[1].op, 'whoami_response');
  assert.deepEqual(seen[1].config, seen[0].config);
  assert.equal(seen[1].event.status, 200);
});

// The JSON Schema shipped for provider specs (schema/provider-spec.schema.json) and
// `keymint spec check`: every preset and fixture spec passes the schema, the schema names
// exactly the top-level keys the core accepts (src/provider/spec/keys.rs TOP_KEYS), and the
// command names a bad field with the core's own message (exit 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, run, envelope } from './fixtures/cli-helpers.mjs';

const read = (url) => JSON.parse(readFileSync(url, 'utf8'));
const schema = read(new URL('../schema/provider-spec.schema.json', import.meta.url));

/** The subset of JSON Schema 2020-12 the provider schema uses; returns the paths that fail. */
function validate(s, v, at = '', out = []) {
  if (s.$ref) s = { ...schema.$defs[s.$ref.split('/').pop()], ...s, $ref: undefined };
  const type = Array.isArray(v) ? 'array' : v === null ? 'null' : Number.isInteger(v) ? 'integer' : typeof v;
  if (s.type && s.type !== type && !(s.type === 'number' && type === 'integer')) return out.push(`${at}: ${type} is not ${s.type}`), out;
  if (s.enum && !s.enum.includes(v)) out.push(`${at}: not one of ${s.enum.join(', ')}`);
  if (typeof v === 'string') {
    if (s.minLength && v.length < s.minLength) out.push(`${at}: too short`);
    if (s.pattern && !new RegExp(s.pattern, 'u').test(v)) out.push(`${at}: does not match ${s.pattern}`);
  }
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) out.push(`${at}: below ${s.minimum}`);
    if (s.maximum !== undefined && v > s.maximum) out.push(`${at}: above ${s.maximum}`);
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) out.push(`${at}: too few items`);
    if (s.maxItems !== undefined && v.length > s.maxItems) out.push(`${at}: too many items`);
    if (s.items) v.forEach((x, i) => validate(s.items, x, `${at}.${i}`, out));
  }
  if (type === 'object') {
    for (const r of s.required ?? []) if (!(r in v)) out.push(`${at}.${r}: required`);
    for (const [k, x] of Object.entries(v)) {
      if (s.propertyNames) validate(s.propertyNames, k, `${at}.${k} (name)`, out);
      if (s.properties?.[k]) validate(s.properties[k], x, `${at}.${k}`, out);
      else if (s.additionalProperties === false) out.push(`${at}.${k}: not a known key`);
      else if (typeof s.additionalProperties === 'object') validate(s.additionalProperties, x, `${at}.${k}`, out);
    }
  }
  if (s.anyOf && !s.anyOf.some((alt) => validate(alt, v, at).length === 0)) out.push(`${at}: matches none of anyOf`);
  return out;
}

const presets = new URL('../../src/provider/', import.meta.url);
const specs = [
  ...readdirSync(presets).filter((f) => f.endsWith('.json')).map((f) => new URL(f, presets)),
  new URL('./fixtures/variant-spec.json', import.meta.url),
  new URL('./fixtures/scripto-spec.json', import.meta.url),
  ...readdirSync(new URL('./fixtures/patterns/', import.meta.url)).map((f) => new URL(`./fixtures/patterns/${f}`, import.meta.url)),
];

test('every preset and fixture spec passes the schema', () => {
  for (const url of specs) assert.deepEqual(validate(schema, read(url)), [], url.pathname);
});

test('the schema refuses what the core refuses', () => {
  const base = read(new URL('../../src/provider/pocketbase.json', import.meta.url));
  for (const [change, why] of [
    [{ codeFormat: { alphabet: 'emoji' } }, '.codeFormat.alphabet'],
    [{ carry: { otpId: { from: 'otpId' } } }, '.carry.otpId'],
    [{ accept: { login: { status: [401] } } }, '.accept.login'],
    [{ whoami: { path: 'no-slash' } }, '.whoami.path'],
    [{ errorz: {} }, '.errorz'],
  ]) {
    const errors = validate(schema, { ...base, ...change });
    assert.ok(errors.some((e) => e.startsWith(why)), `${why}: ${errors}`);
  }
});

test('the schema names exactly the top-level keys the core accepts', () => {
  const rust = readFileSync(new URL('../../src/provider/spec/keys.rs', import.meta.url), 'utf8');
  const block = /const TOP_KEYS: &\[&str\] = &\[([\s\S]*?)\];/.exec(rust)[1];
  const keys = [...block.matchAll(/"([^"]+)"/g)].map((m) => m[1]).sort();
  assert.deepEqual(Object.keys(schema.properties).sort(), keys);
});

test('keymint spec check: a valid spec described, a bad field named (exit 2)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'km-spec-'));
  const ok = await run(BIN.keymint, ['spec', 'check', new URL('./fixtures/patterns/pending.json', import.meta.url).pathname, '--json'], { cwd: dir, env: { HOME: dir } });
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const data = envelope(ok).data;
  assert.equal(data.valid, true);
  assert.equal(data.version, 2);
  assert.equal(data.credential, 'Token (JWT)');
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ ...read(new URL('../../src/provider/pocketbase.json', import.meta.url)), codeFormat: { length: 0 } }));
  const r = await run(BIN.keymint, ['spec', 'check', bad, '--json'], { cwd: dir, env: { HOME: dir } });
  assert.equal(r.code, 2);
  assert.equal(envelope(r).error.code, 'INVALID_PROVIDER');
  assert.match(envelope(r).error.message, /provider spec field 'codeFormat.length' must be a whole number from 1 to 64/);
  const v1 = join(dir, 'v1.json');
  const { version, ...rest } = read(new URL('../../src/provider/pocketbase.json', import.meta.url));
  writeFileSync(v1, JSON.stringify(rest));
  const r1 = await run(BIN.keymint, ['spec', 'check', v1], { cwd: dir, env: { HOME: dir } });
  assert.equal(r1.code, 2);
  assert.match(r1.stderr + r1.stdout, /'carry' needs "version": 2/);
});

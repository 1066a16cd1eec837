// The package against the emulator, end to end, for the Scripto preset. The
// cases live in fixtures/scripto-cases.mjs: custom-spec.test.mjs runs the same
// ones with a custom spec describing the Scripto contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { scriptoCases } from './fixtures/scripto-cases.mjs';

scriptoCases('scripto');

test('CommonJS require works and shares the API', () => {
  const require = createRequire(import.meta.url);
  const cjs = require('../dist/keymint.cjs');
  assert.equal(typeof cjs.start, 'function');
  assert.equal(typeof cjs.isKeymintError, 'function');
  assert.throws(() => cjs.start({ provider: 'scripto', email: 'x' }), (e) => cjs.isKeymintError(e) && e.code === 'EMAIL_INVALID');
});

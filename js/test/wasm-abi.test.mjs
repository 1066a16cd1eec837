// The wasm boundary (src/wasm-abi.mjs over src/wasm/mod.rs): text of any kind crosses it
// intact, a large input does not stay held, and a trap costs the instance, not the caller.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { core } from '../src/core.mjs';
import { bindWasm } from '../src/wasm-abi.mjs';
import { wasmBytes } from '../build/wasm-inline.mjs';

const NOW = 1_800_000_000;
const FLOW_ID = '0123456789abcdef0123456789abcdef';

/** A Scripto flow's request answered with HTTP 400 whose message is `message`: the action. */
function refusedWith(message) {
  let out = core.step.saved({ op: 'start', now: NOW, config: { provider: 'scripto', baseUrl: 'http://127.0.0.1:9', email: 'a@b.example', flowId: FLOW_ID } }, undefined);
  out = core.step.saved({ op: 'event', now: NOW, event: { type: 'request_code' } }, out.stateText);
  const body = JSON.stringify({ success: false, error: { code: 'invalid-argument', message } });
  out = core.step.saved({ op: 'event', now: NOW, event: { type: 'response', status: 400, headers: { 'content-type': 'application/json' }, body } }, out.stateText);
  return out.action;
}

test('text past ASCII crosses the boundary both ways: accents, emoji, a lone surrogate', () => {
  // ASCII first (the byte loop), then the encoder for the rest; and non-ASCII from the start.
  for (const message of ['Adresse refusée ✓ 😀 ü', 'ßäöü then ascii', '😀', 'x'.repeat(5000) + 'é']) {
    const action = refusedWith(message);
    assert.equal(action.type, 'error');
    assert.equal(action.error.code, 'EMAIL_INVALID');
    assert.equal(action.error.message, message);
  }
  // A raw string (mask's argument; step inputs are JSON, which escapes them) may hold a lone
  // surrogate, which is no UTF-8: it crosses as U+FFFD, as TextEncoder writes it.
  assert.equal(core.mask(`\ud800${'x'.repeat(30)}wxyz`), '••••••••wxyz');
  assert.equal(core.mask(`sk_live_${'é'.repeat(20)}wxyz`), 'sk_••••••••wxyz');
  assert.equal(core.knownPrefix('\ud800abc'), '');
});

test('a saved document past ASCII goes back in as it came out, kept by the wasm or not', () => {
  const json = (status, body) => ({ type: 'response', status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const orgs = [{ id: 'org_a', name: 'Société ✓' }, { id: 'org_b', name: '😀 Beta' }];
  const choosing = () => {
    let out = core.step.saved({ op: 'start', now: NOW, config: { provider: 'codika', baseUrl: 'http://127.0.0.1:9', email: 'a@b.example', purpose: 'login', flowId: FLOW_ID } }, undefined);
    for (const event of [
      { type: 'request_code' },
      json(200, { success: true, data: { expiresAt: '2027-01-15T08:10:00Z' } }),
      { type: 'submit_code', code: '123456', nonce: '00112233445566778899aabbccddeeff', options: { keyName: 'ci' } },
      json(409, { success: false, error: { code: 'ORGANIZATION_SELECTION_REQUIRED', message: 'Choisissez', details: { organizations: orgs } } }),
    ]) {
      out = core.step.saved({ op: 'event', now: NOW, event }, out.stateText);
    }
    assert.equal(out.action.error.code, 'ORGANIZATION_SELECTION_REQUIRED');
    assert.deepEqual(JSON.parse(out.stateText).organizations, orgs);
    return out.stateText;
  };
  const choose = (doc) => core.step.saved({ op: 'event', now: NOW, event: { type: 'choose_organization', organizationId: 'org_b', nonce: '00112233445566778899aabbccddeef0' } }, doc);
  // Straight back: the wasm still keeps the flow beside the document's bytes.
  const kept = choose(choosing());
  assert.equal(kept.action.type, 'send', JSON.stringify(kept.action));
  // After eight other flows pushed it out of the wasm's memo (four slots: free ones first, then
  // in turn): parsed, and its check verified over the bytes.
  const doc = choosing();
  for (let i = 0; i < 8; i++) core.step.saved({ op: 'start', now: NOW, config: { provider: 'scripto', baseUrl: 'http://127.0.0.1:9', email: `x${i}@b.example`, flowId: FLOW_ID } }, undefined);
  assert.deepEqual(choose(doc), kept);
});

test('an input larger than the kept buffer is answered, and the next step is answered alike', () => {
  const before = refusedWith('plain');
  // A 600 KB body (over the 256 KiB the buffer keeps between calls).
  const big = refusedWith(`${'é'.repeat(100_000)}${'z'.repeat(400_000)}`);
  assert.equal(big.error.message.length, 500_000);
  assert.deepEqual(refusedWith('plain'), before);
});

/** Runs `f` with every new wasm instance's `input` export recorded into `calls`. */
function recordingInput(calls, f) {
  const { Instance } = WebAssembly;
  WebAssembly.Instance = new Proxy(Instance, {
    construct(T, args) {
      const { exports } = new T(...args);
      return { exports: { ...exports, input: (n) => (calls.push(n), exports.input(n)) } };
    },
  });
  try {
    return f();
  } finally {
    WebAssembly.Instance = Instance;
  }
}

test('the input buffer grows only when needed, and one over 256 KiB is given back after its call', () => {
  const calls = [];
  recordingInput(calls, () => {
    const wasm = bindWasm(wasmBytes);
    assert.equal(wasm.mask('sk_live_abcdefghijklmnopwxyz'), 'sk_••••••••wxyz');
    assert.equal(wasm.mask('sk_live_abcdefghijklmnopwxyz'), 'sk_••••••••wxyz');
    assert.deepEqual(calls, [28], 'room asked once, for the first input');
    assert.equal(wasm.mask(`sk_live_${'a'.repeat(300_000)}wxyz`), 'sk_••••••••wxyz');
    assert.deepEqual(calls.slice(1), [300_012, 0], 'the large buffer given back');
    assert.equal(wasm.mask('sk_live_abcdefghijklmnopwxyz'), 'sk_••••••••wxyz');
    assert.deepEqual(calls.slice(3), [28], 'room asked again after');
  });
});

// A stand-in wasm with the same exports as the core's (WAT below, assembled with binaryen's
// wasm-as): the one-byte input "!" traps, any other answers "ok" and no document.
//   (module (memory (export "memory") 1) (data (i32.const 64) "ok")
//     (func (export "input") (param i32) (result i32) (i32.const 1024))
//     (func (export "step") (param $n i32) (result i32)
//       (if (i32.and (i32.eq (local.get $n) (i32.const 1)) (i32.eq (i32.load8_u (i32.const 1024)) (i32.const 33)))
//         (then unreachable))
//       (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 2))
//       (i32.store (i32.const 8) (i32.const 0)) (i32.store (i32.const 12) (i32.const 0)) (i32.const 0)))
const TRAPPING = Buffer.from(
  'AGFzbQEAAAABBgFgAX8BfwMDAgAABQMBAAEHGQMGbWVtb3J5AgAFaW5wdXQAAARzdGVwAAEKPAIFAEGACAs0ACAAQQFGQYAILQAAQSFGcQRAAAtBAEHAADYCAEEEQQI2AgBBCEEANgIAQQxBADYCAEEACwsJAQBBwAALAm9r',
  'base64',
);

test('a trap drops the instance: the call throws, the next one runs on a fresh instance', () => {
  let compiled = 0;
  let instances = 0;
  const { Module, Instance } = WebAssembly;
  WebAssembly.Module = new Proxy(Module, { construct: (T, args) => (compiled++, new T(...args)) });
  WebAssembly.Instance = new Proxy(Instance, { construct: (T, args) => (instances++, new T(...args)) });
  try {
    const wasm = bindWasm(() => new Uint8Array(TRAPPING));
    assert.deepEqual(wasm.step('{}'), ['ok', '']);
    assert.throws(() => wasm.step('!'), WebAssembly.RuntimeError);
    assert.deepEqual(wasm.step('{}'), ['ok', '']);
    assert.equal(instances, 2, 'a second instance after the trap');
    assert.equal(compiled, 1, 'from the module compiled once');
  } finally {
    WebAssembly.Module = Module;
    WebAssembly.Instance = Instance;
  }
});

#!/usr/bin/env node
// An AI agent provisioning its own API key by email one-time code, the way it
// would against a real backend: request a code, read it from its mailbox,
// complete, and keep the key. Here the "mailbox" is the emulator's outbox.
//
//   KEYMINT_BASE_URL=http://127.0.0.1:8787 KEYMINT_EMAIL=agent@example.com node examples/agent.mjs
import * as keymint from '../js/dist/keymint.mjs';

const baseUrl = process.env.KEYMINT_BASE_URL ?? 'http://127.0.0.1:8787';
const email = process.env.KEYMINT_EMAIL ?? 'agent@example.com';
const provider = process.env.KEYMINT_PROVIDER ?? 'scripto';

/** Reads the newest code from the inbox; a real agent would poll its email here. */
async function readCodeFromMailbox(address) {
  const res = await fetch(`${baseUrl}/__keymint/outbox?email=${encodeURIComponent(address)}`);
  if (!res.ok) throw new Error(`no code arrived for ${address}`);
  return (await res.json()).code;
}

try {
  const flow = keymint.start({ provider, baseUrl, email, program: provider });
  const sent = await flow.requestCode();
  console.error(`✓ Code sent to ${sent.email} (expires ${sent.expiresAt})`);

  // Between the two steps an agent's turn may end: the flow is plain data.
  const saved = JSON.stringify(flow);
  const code = await readCodeFromMailbox(email);
  const credential = await keymint.resume(saved).submitCode(code);

  const profile = {
    name: email.split('@')[0],
    provider: credential.provider,
    baseUrl: credential.baseUrl,
    apiKey: credential.apiKey, // a Secret: serialises masked
    keyId: credential.keyId,
    email: credential.user?.email ?? email,
    createdAt: new Date().toISOString(),
  };
  console.log(`✓ Provisioned ${provider} key ${credential.apiKey.masked}`);
  console.log('Profile it would store:');
  console.log(JSON.stringify(profile, null, 2));
  const me = await keymint.whoami({ provider, baseUrl, apiKey: credential.apiKey });
  console.log(`✓ whoami: ${me.email} (key ${me.keyId})`);
} catch (e) {
  if (!keymint.isKeymintError(e)) throw e;
  console.error(`✗ ${e.code}: ${e.message}\n  next: ${e.nextAction.text}`);
  process.exitCode = e.exitCode ?? 1;
}

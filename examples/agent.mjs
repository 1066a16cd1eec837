#!/usr/bin/env node
// An AI agent provisioning its own API key by email one-time code — the seed's
// agent recipe through the library: try sign-up, fall back to login when the
// account exists (keymint switches by itself with purpose 'auto'), choose the
// first organization when several, and store the key as a profile. The
// "mailbox" here is the emulator's outbox; a real agent reads its email.
//
//   KEYMINT_PROVIDER=codika KEYMINT_BASE_URL=http://127.0.0.1:8787 KEYMINT_EMAIL=agent@example.com node examples/agent.mjs
import * as keymint from '../js/src/node/index.mjs';

const provider = process.env.KEYMINT_PROVIDER ?? 'scripto';
const baseUrl = process.env.KEYMINT_BASE_URL ?? 'http://127.0.0.1:8787';
const email = process.env.KEYMINT_EMAIL ?? 'agent@example.com';

/** Reads the newest code from the inbox; a real agent would poll its email here. */
async function readCodeFromMailbox(address) {
  const res = await fetch(`${baseUrl}/__keymint/outbox?email=${encodeURIComponent(address)}`);
  if (!res.ok) throw new Error(`no code arrived for ${address}`);
  return (await res.json()).code;
}

try {
  const flow = keymint.start({ provider, baseUrl, email, purpose: 'auto', program: provider });
  const sent = await flow.requestCode();
  if (sent.switchedFrom) console.error(`↪ ${email} already has an account: switched from ${sent.switchedFrom} to ${sent.purpose}`);
  console.error(`✓ Code sent to ${sent.email} for ${sent.purpose} (expires ${sent.expiresAt})`);

  // Between the two steps an agent's turn may end: the flow is plain data.
  const saved = JSON.stringify(flow);
  const code = await readCodeFromMailbox(email);
  const resumed = keymint.resume(saved);
  let credential;
  try {
    credential = await resumed.submitCode(code);
  } catch (e) {
    if (!keymint.isKeymintError(e) || e.code !== 'ORGANIZATION_SELECTION_REQUIRED') throw e;
    const [first] = e.nextAction.organizations;
    console.error(`↪ ${e.nextAction.organizations.length} organizations: choosing the first, ${first.name}`);
    credential = await resumed.chooseOrganization(first.id);
  }

  const store = new keymint.FileProfileStore({ program: provider });
  const base = credential.organization
    ? keymint.profileNameFromOrganization(credential.organization.name)
    : keymint.profileNameFromEmail(email);
  const name = await store.add(base, {
    provider,
    baseUrl,
    apiKey: credential.apiKey.reveal(), // raw only inside the 0600 profile file
    keyId: credential.keyId,
    keyName: credential.keyName,
    keyPrefix: credential.keyPrefix,
    scopes: credential.scopes,
    expiresAt: credential.expiresAt,
    organization: credential.organization,
    email,
    createdAt: new Date().toISOString(),
  });
  const how = credential.accountCreated === true ? 'new account' : credential.accountCreated === false ? 'existing account' : 'signed in';
  console.log(`✓ Provisioned ${provider} key ${credential.apiKey.masked} (${how})`);
  const stored = await store.get(name);
  console.log(`Profile "${name}" stored in ${store.path} (now active):`);
  console.log(JSON.stringify({ ...stored, apiKey: keymint.maskSecret(stored.apiKey), scopes: stored.scopes?.join(' ') }, null, 2));
  const me = await keymint.whoami({ provider, baseUrl, apiKey: credential.apiKey });
  console.log(`✓ whoami: ${me.email ?? me.user?.email} (key ${me.keyId ?? me.key?.id})`);
} catch (e) {
  if (!keymint.isKeymintError(e)) throw e;
  console.error(`✗ ${e.code}: ${e.message}\n  next: ${e.nextAction.text}`);
  process.exitCode = e.exitCode ?? 1;
}

// The extension's module service worker: it owns the sign-in flow and the credentials.
// The popup only sends messages; the raw API key never leaves this worker and storage.
//
// The worker may be stopped at any moment (30 s idle, or by the browser), including between
// "request a code" and "submit the code". So nothing lives in module variables: the pending
// flow is saved to chrome.storage.session on every change and resumed from there.
import * as keymint from './vendor/keymint.mjs';
import { ExtensionProfileStore, profileNameFromEmail } from './vendor/keymint-stores.mjs';
import config from './config.mjs';

const PENDING = 'login';
const store = new ExtensionProfileStore();
const saveFlow = (state) => store.setPending(PENDING, state);

// A value per worker instance: the tests read it to see the worker really restarted.
self.bootId = crypto.randomUUID();

async function status() {
  const active = await store.active();
  if (active) {
    const { name, profile } = active;
    return {
      state: 'signed-in',
      profile: name,
      email: profile.email ?? profile.user?.email ?? null,
      maskedKey: keymint.maskSecret(profile.apiKey ?? profile.accessToken),
      baseUrl: profile.baseUrl,
    };
  }
  const saved = await store.getPending(PENDING);
  if (saved) {
    let flow = null;
    try {
      flow = keymint.resume(saved);
    } catch {
      await store.setPending(PENDING, null); // unreadable (e.g. saved by an older version): start over
    }
    if (flow?.phase === 'code_sent') {
      return {
        state: 'code-sent',
        email: flow.email,
        expiresAt: flow.expiresAt,
        resendAvailableAt: flow.resendAvailableAt,
        attemptsRemaining: flow.attemptsRemaining,
      };
    }
  }
  return { state: 'signed-out', baseUrl: config.baseUrl };
}

async function requestCode(email) {
  const flow = keymint.start({ ...config, email }, { onState: saveFlow });
  await saveFlow(flow.toJSON());
  await flow.requestCode();
  return status();
}

async function resendCode() {
  const saved = await store.getPending(PENDING);
  if (!saved) return status();
  await keymint.resume(saved, { onState: saveFlow }).requestCode();
  return status();
}

async function submitCode(code) {
  const saved = await store.getPending(PENDING);
  if (!saved) throw new Error('No sign-in is in progress: ask for a new code.');
  const flow = keymint.resume(saved, { onState: saveFlow });
  const cred = await flow.submitCode(code);
  // Saved before anything else: the key is in storage.local before the popup hears of it.
  const { apiKey, purpose, accountCreated, switchedFrom, ...rest } = cred;
  await store.add(profileNameFromEmail(cred.email), { ...rest, apiKey: apiKey.reveal() });
  await store.setPending(PENDING, null);
  return status();
}

async function signOut() {
  const active = await store.active();
  if (active) await store.remove(active.name);
  await store.setPending(PENDING, null);
  return status();
}

async function cancel() {
  await store.setPending(PENDING, null);
  return status();
}

const handlers = {
  status: () => status(),
  'request-code': (msg) => requestCode(String(msg.email ?? '')),
  'resend-code': () => resendCode(),
  'submit-code': (msg) => submitCode(String(msg.code ?? '')),
  'sign-out': () => signOut(),
  cancel: () => cancel(),
};

/** Errors as plain data for the popup; a KeymintError carries its code and next action. */
function describe(e) {
  if (keymint.isKeymintError(e)) return { code: e.code, message: e.message, nextAction: e.nextAction };
  return { code: 'UNEXPECTED', message: String(e?.message ?? e) };
}

// Registered synchronously at the top level, so a message wakes a stopped worker.
chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  // Only this extension's own pages (the popup) may drive the flow; content scripts have a
  // web page's URL.
  if (sender.id !== chrome.runtime.id || !sender.url?.startsWith(chrome.runtime.getURL(''))) return false;
  const handler = handlers[msg?.type];
  if (!handler) return false;
  Promise.resolve()
    .then(() => handler(msg))
    .then(
      (result) => sendResponse({ ok: true, result }),
      (e) => sendResponse({ ok: false, error: describe(e) }),
    );
  return true; // answers asynchronously
});

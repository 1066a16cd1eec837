// Compiled by `tsc --noEmit` only: the public types accept the documented usage.
import * as keymint from '../types/index.js';
import type { KeymintErrorCode } from '../types/index.js';

async function usage(): Promise<void> {
  const flow = keymint.start({ provider: 'scripto', baseUrl: 'https://scripto.codika.io', email: 'you@example.com' });
  const sent = await flow.requestCode();
  const when: string = sent.expiresAt;
  const cred = await flow.submitCode('123 456', { keyName: 'agent' });
  const masked: string = cred.apiKey.masked;
  const saved = JSON.stringify(flow);
  keymint.resume(saved);
  try {
    await flow.chooseOrganization('org_1');
  } catch (e) {
    if (keymint.isKeymintError(e)) {
      const code: KeymintErrorCode = e.code;
      const kind: string = e.nextAction.kind;
      void [code, kind];
    }
  }
  void [when, masked];
}
void usage;

// The core's wire contract (types/protocol.d.ts, generated from src/protocol/schema.rs).
import type { StepInput, StepOutput } from '../types/index.js';
const totpInput: StepInput = { op: 'totp', now: 1, secret: 'JBSWY3DPEHPK3PXP' };
// @ts-expect-error: not an op of the core
const unknownOp: StepInput = { op: 'nope' };
const answered = (out: StepOutput): string | undefined =>
  out.action.type === 'send' ? out.action.request.url : out.action.type === 'error' ? out.action.error.nextAction.kind : undefined;
void totpInput; void unknownOp; void answered;

// keymint/sessions: the session family, with the default entry's Secret and errors.
import * as sessions from '../types/sessions.js';
import type { SessionCredential } from '../types/index.js';
async function sessionUsage(): Promise<void> {
  const login = sessions.passwordLogin({ provider: 'coditect', email: 'you@example.com' });
  const result = await login.login(new keymint.Secret('correct horse battery staple'));
  const credential: SessionCredential | undefined = result.status === 'signed_in' ? result.credential : undefined;
  const client = sessions.createClient({ provider: 'coditect', tokens: { accessToken: 'a', refreshToken: 'b' } });
  const code: string = sessions.totp('JBSWY3DPEHPK3PXP');
  void [credential, client, code];
}
void sessionUsage;

// keymint/sessions is a superset: the email-code API from it alone (one wasm), its classes the
// default entry's, and a session credential from its email-code flow kept alive by its client.
async function supersetUsage(): Promise<void> {
  const flow = sessions.start({ provider: 'sessions', baseUrl: 'https://api.example.com', email: 'you@example.com', purpose: 'login' });
  await flow.requestCode();
  const session: SessionCredential = await flow.submitCode('123456');
  const client = sessions.createClient({ provider: 'sessions', baseUrl: 'https://api.example.com', tokens: session });
  const key = await sessions.resume(JSON.stringify(flow)).submitCode('123456');
  const masked: string = key.apiKey.masked;
  const who: Record<string, unknown> = await sessions.whoami({ provider: 'scripto', apiKey: key.apiKey });
  const secret: keymint.Secret = new sessions.Secret('raw');
  const sameFlow: keymint.Flow<SessionCredential> = flow;
  try {
    sessions.start({ provider: 'scripto', email: 'not-an-email' });
  } catch (e) {
    if (sessions.isKeymintError(e)) {
      const code: KeymintErrorCode = e.code;
      const err: keymint.KeymintError = e;
      void [code, err];
    }
  }
  const rows: { code: KeymintErrorCode; exitCode: number }[] = sessions.codeTable();
  const spec: sessions.ProviderSpec | null = sessions.presetSpec('scripto');
  const shown: string = sessions.maskSecret('cko_abc');
  const error: keymint.KeymintError = sessions.canonicalError({ code: 'INVALID_ARGUMENT', message: 'x' });
  void [client, masked, who, secret, sameFlow, rows, spec, shown, error];
}
void supersetUsage;

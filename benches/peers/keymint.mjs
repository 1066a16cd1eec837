// keymint's own minimal OTP client, bundled with the same esbuild options as the
// peers (benches/size.mjs) so the comparison is like for like: request a code,
// save/resume, submit it, ask who the key belongs to. Scripto keys do not expire,
// so there is no refresh or sign-out step.
import { start, resume, whoami } from '../../js/dist/keymint.mjs';

export async function requestCode(baseUrl, email) {
  const flow = start({ provider: 'scripto', baseUrl, email });
  await flow.requestCode();
  return JSON.stringify(flow);
}
export const verifyCode = (saved, code) => resume(saved).submitCode(code);
export const session = (baseUrl, apiKey) => whoami({ provider: 'scripto', baseUrl, apiKey });

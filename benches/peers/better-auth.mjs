// Better Auth's client with the email-OTP plugin, the minimal OTP client:
// request a code, sign in with it, read the session, sign out.
// Bundled by benches/size.mjs (never run).
import { createAuthClient } from 'better-auth/client';
import { emailOTPClient } from 'better-auth/client/plugins';

export function createClient(baseURL) {
  return createAuthClient({ baseURL, plugins: [emailOTPClient()] });
}
export const requestCode = (client, email) => client.emailOtp.sendVerificationOtp({ email, type: 'sign-in' });
export const verifyCode = (client, email, otp) => client.signIn.emailOtp({ email, otp });
export const session = (client) => client.getSession();
export const signOut = (client) => client.signOut();

// Supabase auth-js, the minimal email-OTP client: request a code, verify it,
// refresh / read the session, sign out. Bundled by benches/size.mjs (never run).
import { AuthClient } from '@supabase/auth-js';

export function createClient(url, storage) {
  return new AuthClient({ url, storage, autoRefreshToken: false, persistSession: true });
}
export const requestCode = (client, email) => client.signInWithOtp({ email, options: { shouldCreateUser: true } });
export const resendCode = (client, email) => client.resend({ type: 'signup', email });
export const verifyCode = (client, email, token) => client.verifyOtp({ email, token, type: 'email' });
export const refresh = (client) => client.refreshSession();
export const session = (client) => client.getSession();
export const signOut = (client) => client.signOut();

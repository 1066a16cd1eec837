// Public types of the `keymint/sessions` entry: a superset of the default entry — its whole API
// (email-code flows, whoami, refreshToken, Flow, errors, Secret, codeTable, presetSpec) on the
// full wasm build — plus token sessions (the OTP sessions API, CODITECT password + TOTP sign-in,
// OAuth2 with PKCE, the device flow), the session client, TOTP codes, `cdt_` API tokens. Errors
// and Secret are the very classes of the default entry (one shared runtime).
import type { Secret, ProviderSpec, RunOptions, FetchLike } from './index.js';
export * from './index.js';
import type { ProfileStoreBase } from './stores.js';
import type { DeviceConfig } from './protocol.js';

/** A session credential: tokens wrapped in Secrets, everything else plain data. */
export interface SessionCredential {
  accessToken: Secret;
  refreshToken?: Secret;
  tokenType?: string;
  /** RFC 3339; when the access token expires. */
  expiresAt?: string | null;
  user?: { id?: string; email?: string; name?: string };
  provider?: string;
  baseUrl?: string;
  email?: string;
  accountCreated?: boolean;
  /** OAuth2 tokens: the granted scope, the client and `kind: 'oauth'`. */
  scope?: string;
  clientId?: string;
  /** OAuth2 and device tokens: where their refresh_token grant goes. */
  tokenUrl?: string;
  kind?: 'oauth' | 'device';
}

/** Tokens as a client takes them: Secrets or raw strings. */
export interface SessionTokens {
  accessToken: string | Secret;
  refreshToken?: string | Secret;
  expiresAt?: string | null;
  clientId?: string;
  tokenUrl?: string;
  baseUrl?: string;
}

export interface SessionClientOptions {
  provider: 'sessions' | 'coditect' | (string & {}) | ProviderSpec;
  baseUrl?: string;
  /** The OAuth2 authorization server (CODITECT: https://auth.coditect.ai). */
  authUrl?: string;
  tokens?: SessionTokens | SessionCredential;
  /** A `cdt_live_…` / `cdt_test_…` API token instead of a session (no refresh). */
  apiKey?: string | Secret;
  /** With `profile`: tokens are read from and rotated into this store, refreshed under its lease. */
  store?: ProfileStoreBase;
  profile?: string;
  fetch?: FetchLike;
  /** Milliseconds since the epoch; defaults to Date.now. */
  clock?: () => number;
  /** Refresh this long before expiry (default 60 000 ms). */
  refreshSkewMs?: number;
  /** How long a refresh may hold the store's lease (default 60 000 ms). */
  leaseTtlMs?: number;
  /** How long to wait for another process's refresh before LEASE_TIMEOUT (default 15 000 ms). */
  leaseWaitMs?: number;
  timeoutMs?: number;
  allowInsecure?: boolean;
  /** OAuth2 tokens refresh with the refresh_token grant of this client. */
  clientId?: string;
  /** Where the refresh_token grant goes (default: the credential's `tokenUrl`, else the provider's token endpoint). */
  tokenUrl?: string;
  clientSecret?: string | Secret;
  /** Refresh by itself before expiry and after a 401 token_expired (default true). */
  autoRefresh?: boolean;
  onRefresh?: (session: SessionCredential) => void | Promise<void>;
}

export declare class SessionClient {
  constructor(options: SessionClientOptions);
  /** The current tokens as Secrets (`{apiKey}` for an API token), or null after revoke. */
  readonly session: SessionCredential | { apiKey: Secret } | null;
  /** fetch() with the bearer token; refreshes before expiry and once after token_expired, then retries once. */
  fetch(url: string | URL, init?: RequestInit): Promise<Response>;
  /** fetch(), then the backend's data, or a thrown KeymintError (e.g. INSUFFICIENT_SCOPE). */
  json<T = unknown>(url: string | URL, init?: RequestInit): Promise<T>;
  /** Refreshes now; concurrent callers share one refresh (and one lease across processes). */
  refresh(): Promise<void>;
  /** The backend's session check (sessions API) or `me` (CODITECT). */
  check(): Promise<Record<string, any>>;
  me(): Promise<Record<string, any>>;
  /** Revokes (sessions API) or logs out (CODITECT); idempotent. */
  revoke(): Promise<{ revoked: true; alreadyRevoked: boolean }>;
  logout(): Promise<{ revoked: true; alreadyRevoked: boolean }>;
}
export declare function createClient(options: SessionClientOptions): SessionClient;

export type LoginResult =
  | { status: 'signed_in'; credential: SessionCredential }
  | { status: 'second_factor'; method: string; email: string; expiresAt: string };

export declare class PasswordFlow {
  toJSON(): Record<string, unknown>;
  readonly phase: 'ready' | 'registering' | 'logging_in' | 'second_factor' | 'verifying' | 'done';
  readonly email: string;
  readonly challengeExpiresAt: string | null;
  readonly attemptsRemaining: number | null;
  register(opts: { password: string | Secret; name?: string }): Promise<SessionCredential>;
  /** With `totpSecret`, a second factor is completed at once (the core computes the code). */
  login(password: string | Secret, opts?: { totpSecret?: string | Secret }): Promise<LoginResult>;
  submitSecondFactor(code: string | { totpSecret: string | Secret }): Promise<SessionCredential>;
}
export declare function passwordLogin(
  config: { provider: 'coditect' | (string & {}) | ProviderSpec; email: string; baseUrl?: string; allowInsecure?: boolean } & RunOptions,
  opts?: RunOptions,
): PasswordFlow;
export declare function resumePasswordLogin(saved: string | Record<string, unknown>, opts?: RunOptions): PasswordFlow;

export declare class OAuthFlow {
  /** The authorize URL to open (null for a resumed flow). */
  readonly url: string | null;
  /** The `state` sent; the callback must return it unchanged. */
  readonly stateParam: string;
  readonly phase: 'authorizing' | 'exchanging' | 'done';
  /** Holds the PKCE verifier: store it like a token. */
  toJSON(): Record<string, unknown>;
  /** The redirect back (URL or its query parameters): state checked first, then the code exchanged. */
  callback(callback: string | URL | URLSearchParams | Record<string, string>): Promise<SessionCredential>;
}
export declare function authorize(
  config: {
    provider: 'coditect' | (string & {}) | ProviderSpec;
    clientId: string;
    redirectUri: string;
    scope?: string | string[];
    authUrl?: string;
    baseUrl?: string;
    clientSecret?: string | Secret;
    /** 48 random bytes (or 96 hex characters); drawn with crypto.getRandomValues when omitted. */
    random?: Uint8Array | string;
    allowInsecure?: boolean;
  } & RunOptions,
  opts?: RunOptions,
): OAuthFlow;
export declare function resumeOAuth(saved: string | Record<string, unknown>, opts?: RunOptions & { clientSecret?: string | Secret }): OAuthFlow;

/** The pending code of a device sign-in (RFC 8628), to show the user. */
export interface DevicePending {
  userCode: string;
  verificationUri: string;
  /** The URL with the code in it, when the server gives one. */
  verificationUriComplete: string | null;
  /** RFC 3339; when the code expires. */
  expiresAt: string;
  /** Seconds between polls (grown by 5 on each slow_down). */
  interval: number;
  /** RFC 3339; the earliest next poll. */
  nextPollAt?: string;
}
/** What `wait()` reports before each sleep. */
export interface DeviceWait extends DevicePending {
  until: string;
  retryAfterSeconds: number;
  reason: 'early' | 'authorization_pending' | 'slow_down';
}
/** A device sign-in's result: a minted API key when the provider declares `device.mint`, else a session. */
export type DeviceCredential = SessionCredential | (Record<string, unknown> & { apiKey: Secret; expiresAt: string | null; provider: string; baseUrl: string });
export declare class DeviceFlow {
  readonly phase: 'ready' | 'discovering' | 'requesting' | 'pending' | 'polling' | 'minting' | 'done' | 'denied' | 'expired';
  /** The code to show, or null before start(). */
  readonly pending: DevicePending | null;
  readonly userCode: string | null;
  /** Holds the device code (a bearer for the poll): store it like a token. */
  toJSON(): Record<string, unknown>;
  readonly state: Record<string, unknown>;
  /** Asks for a code (again, after a denial or expiry). */
  start(): Promise<DevicePending>;
  /** One poll: the credential, or throws AUTHORIZATION_PENDING (open_url), ACCESS_DENIED, DEVICE_CODE_EXPIRED, … */
  poll(): Promise<DeviceCredential>;
  /** Polls until confirmed, denied or expired, sleeping as long as the core says. */
  wait(opts?: { signal?: AbortSignal; onWait?: (w: DeviceWait) => void | Promise<void>; sleep?: (ms: number, signal?: AbortSignal) => Promise<void> }): Promise<DeviceCredential>;
}
export declare function deviceLogin(
  // The core's device config (generated from src/protocol/schema.rs), with the provider as a
  // preset name or a spec object, as every flow here takes it.
  config: Omit<DeviceConfig, 'provider' | 'spec'> & {
    provider: 'better-auth' | (string & {}) | ProviderSpec;
    sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  } & RunOptions,
  opts?: RunOptions,
): DeviceFlow;
export declare function resumeDevice(saved: string | Record<string, unknown>, opts?: RunOptions & { sleep?: (ms: number, signal?: AbortSignal) => Promise<void> }): DeviceFlow;

/** The RFC 6238 code (SHA-1, 30 s, 6 digits) of a base32 secret; `now` in ms. */
export declare function totp(secret: string | Secret, opts?: { now?: number }): string;
/** `cdt_live_…` → 'live', `cdt_test_…` → 'test', else null. */
export declare function apiTokenEnv(token: string | Secret, provider?: string): 'live' | 'test' | null;
/** The profile fields a session credential is saved as (raw tokens; profile files are 0600). */
export declare function sessionProfile(credential: SessionCredential): Record<string, unknown>;

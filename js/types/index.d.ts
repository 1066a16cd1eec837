// Public types of the `keymint` default entry.
import type { KeymintErrorCode } from './codes.js';
import type { SessionCredential } from './sessions.js';
export type { KeymintErrorCode } from './codes.js';

import type { NextActionKind, WireNextAction } from './protocol.js';
export type { NextActionKind } from './protocol.js';
export type { StepInput, StepOutput, Action, FlowEvent } from './protocol.js';

export interface Organization { id: string; name: string }

/** What to do next, for a program (`kind`) and a person (`text`, `command`): the core's wire shape. */
export type NextAction = WireNextAction;

export interface KeymintErrorDetails {
  retryAfterSeconds?: number;
  attemptsRemaining?: number;
  requiredScope?: string;
  organizations?: Organization[];
  local?: boolean;
  keyMayHaveBeenMinted?: boolean;
}

export declare class KeymintError extends Error {
  readonly name: 'KeymintError';
  readonly code: KeymintErrorCode;
  readonly status?: number;
  readonly providerCode?: string;
  readonly nextAction: NextAction;
  readonly details?: KeymintErrorDetails;
  /** The CLI exit code this error maps to (see docs/errors.md). */
  readonly exitCode?: number;
  /** Code attempts left after a wrong code (same as `details.attemptsRemaining`). */
  readonly attemptsRemaining?: number;
  /** Seconds to wait, from `details.retryInSeconds`, `Retry-After` or `X-Retry-After`. */
  readonly retryAfterSeconds?: number;
}
export declare function isKeymintError(e: unknown): e is KeymintError;
/**
 * A KeymintError for a canonical code raised outside the core (a store, a CLI wrapper's own
 * check): its exit code, and `nextAction.kind` unless given, come from the core's codes table.
 * Throws a TypeError for a code the table lacks.
 */
export declare function canonicalError(init: {
  code: KeymintErrorCode;
  message: string;
  status?: number;
  nextAction?: Partial<NextAction>;
  details?: KeymintErrorDetails & Record<string, unknown>;
  cause?: unknown;
  exitCode?: number;
}): KeymintError;

/** A raw key or token: prints masked everywhere; `reveal()` is the one way to read it. */
export declare class Secret {
  constructor(value: string);
  reveal(): string;
  readonly masked: string;
  toString(): string;
  toJSON(): string;
  /** Whether `value` starts with a preset's key or token prefix (`cko_`, `scripto_`, `cdt_live_`, `cdt_test_`). */
  static looksLikeKey(value: unknown): boolean;
}
export declare function maskSecret(value: string): string;

export type Purpose = 'login' | 'signup' | 'auto';
export type FetchLike = (url: string, init?: any) => Promise<any>;

/** A custom backend described in JSON (see docs/custom-provider.md). */
export interface ProviderSpec { name: string; baseUrl: string; [key: string]: unknown }

export interface RunOptions {
  /** A fetch to use instead of `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Per-request timeout, default 30 000 ms (requests started within a tenth of it share one deadline: one may run up to a tenth, at most 1 s, longer). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Milliseconds since the epoch; defaults to Date.now. */
  clock?: () => number;
  /** Called with the saved document after every step (persist pending flows here). */
  onState?: (state: FlowState) => void | Promise<void>;
  headers?: Record<string, string>;
}

export interface CompleteOptions {
  companyName?: string;
  description?: string;
  keyName?: string;
  keyExpiresInDays?: number | string;
  organizationId?: string;
}

/** Options of one step. */
export interface StepOptions {
  /**
   * Replaces the whole URL of the one endpoint this step calls (Codika's `--api-url`),
   * e.g. `https://proxy.example.com/cliRequestLoginOtp`. https://, or http:// to a
   * loopback address (any http:// with `allowInsecure`). It does not follow an automatic
   * purpose switch, which calls another endpoint.
   */
  url?: string;
}

export interface StartConfig extends RunOptions {
  provider: 'scripto' | 'codika' | (string & {}) | ProviderSpec;
  email: string;
  baseUrl?: string;
  purpose?: Purpose;
  /** Program name used in next-action commands, e.g. `codika`. */
  program?: string;
  options?: CompleteOptions;
  /** Allow plain http:// to non-loopback hosts. Off by default. */
  allowInsecure?: boolean;
}

/** The saved flow document: versioned JSON with an integrity check. */
export interface FlowState {
  v: 1;
  provider: string;
  baseUrl: string;
  email: string;
  purpose: 'login' | 'signup';
  phase: 'ready' | 'requesting' | 'code_sent' | 'completing' | 'choose_organization' | 'done';
  expiresAt?: string;
  resendAvailableAt?: string;
  attemptsRemaining?: number;
  /** Set after a lockout: no code is accepted before then (a new code lifts it). */
  lockedUntil?: string;
  organizations?: Organization[];
  /** The purpose the agent recipe switched from. */
  switchedFrom?: 'login' | 'signup';
  /** The per-step URL override, while that step is in flight. */
  stepUrl?: string;
  /** Values carried from the request answer into the complete (spec v2 `carry`), by name. */
  carried?: Record<string, string | number>;
  /** The last code request failed: a submitted code is refused locally (OTP_NOT_FOUND). */
  requestFailed?: true;
  check: string;
  [key: string]: unknown;
}

export interface CodeSent {
  email: string;
  purpose: 'login' | 'signup';
  expiresAt: string;
  resendAvailableAt?: string;
  /** Set when the agent recipe switched purpose (`auto`). */
  switchedFrom?: 'login' | 'signup';
}

export interface Credential {
  apiKey: Secret;
  keyId?: string;
  keyName?: string;
  keyPrefix?: string;
  scopes?: string[];
  /** When the key expires; `null` for a key that never expires. */
  expiresAt: string | null;
  organization?: Organization;
  user?: { id?: string; email: string };
  email: string;
  provider: string;
  baseUrl: string;
  purpose: 'login' | 'signup';
  /** True when this flow created the account, false when it already existed. */
  accountCreated?: boolean;
  switchedFrom?: 'login' | 'signup';
  /** What `apiKey` holds, for a version 2 spec: an API key, a session token or a JWT. */
  kind?: 'apiKey' | 'sessionToken' | 'jwt';
}

/**
 * What a flow's `submitCode` resolves to for a provider: tokens for the `sessions` preset or a
 * spec whose credential names an `accessToken`; an API key otherwise.
 */
export type CredentialFor<P> = P extends 'sessions'
  ? SessionCredential
  : P extends { credential: { accessToken: string } }
    ? SessionCredential
    : Credential;

export declare class Flow<C = Credential> {
  toJSON(): FlowState;
  readonly state: FlowState;
  readonly phase: FlowState['phase'];
  readonly email: string;
  readonly purpose: 'login' | 'signup';
  readonly provider: string;
  readonly baseUrl: string;
  readonly expiresAt: string | null;
  readonly resendAvailableAt: string | null;
  readonly attemptsRemaining: number | null;
  readonly lockedUntil: string | null;
  readonly organizations: Organization[];
  readonly switchedFrom: 'login' | 'signup' | null;
  readonly keyMayHaveBeenMinted: boolean;
  requestCode(step?: StepOptions): Promise<CodeSent>;
  submitCode(code: string, options?: CompleteOptions, step?: StepOptions): Promise<C>;
  /** Re-sends the kept code with an organization from `organizations`. */
  chooseOrganization(organizationId: string, step?: StepOptions): Promise<C>;
}

export declare function start<P extends StartConfig['provider']>(config: StartConfig & { provider: P }, opts?: RunOptions): Flow<CredentialFor<P>>;
/**
 * A saved flow: its credential type is not in the document's type, so name it when it is a
 * session (`resume<SessionCredential>(saved)`); an API key by default.
 */
export declare function resume<C extends Credential | SessionCredential = Credential>(saved: string | FlowState, opts?: RunOptions): Flow<C>;
export declare function whoami(
  config: { provider: StartConfig['provider']; baseUrl?: string; apiKey: string | Secret; allowInsecure?: boolean } & RunOptions,
  opts?: RunOptions,
): Promise<Record<string, unknown>>;
/** Refreshes a token credential through the spec's `refresh` route. */
export declare function refreshToken(
  config: { provider: StartConfig['provider']; baseUrl?: string; apiKey: string | Secret; allowInsecure?: boolean } & RunOptions,
  opts?: RunOptions,
): Promise<Pick<Credential, 'apiKey' | 'expiresAt' | 'kind'> & { user?: { id?: string; email?: string } }>;
export declare function codeTable(): { code: KeymintErrorCode; exitCode: number; kind: NextActionKind }[];
/**
 * A built-in preset's provider spec (the language of docs/custom-provider.md), or null for an
 * unknown name. This entry's core carries the email-code presets with their email-code facts:
 * CODITECT (password and OAuth2 only) and the members only the session family reads (`session`,
 * `oauth`, `device`, `apiTokens`, `authUrl`, `password`) are `keymint/sessions`' presetSpec's.
 */
export declare function presetSpec(name: string): ProviderSpec | null;
// The session family (sessions, password + TOTP, OAuth2, device flow) is the `keymint/sessions`
// entry (sessions.d.ts); a session credential is also what an email-code flow of the `sessions`
// preset resolves to.
export type { SessionCredential } from './sessions.js';

// Generated from src/protocol/schema.rs; `tests/protocol.rs` fails when this file drifts
// (KEYMINT_UPDATE=1 cargo test --test protocol rewrites it).
import type { KeymintErrorCode } from './codes.js';

export type NextActionKind =
  | 'none'
  | 'fix_input'
  | 'wait'
  | 'switch_flow'
  | 'request_new_code'
  | 'retry_code'
  | 'choose_organization'
  | 'revoke_a_key'
  | 'retry'
  | 'refresh'
  | 'sign_in_again'
  | 'fix_config'
  | 'save_key'
  | 'open_url'
;

/** An HTTP request for the caller to perform. */
export interface WireRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** A key (`apiKey`) or a session (`accessToken`), with what is known about it. */
export interface WireCredential {
  apiKey?: string;
  accessToken?: string;
  refreshToken?: string;
  [member: string]: unknown;
}

/** What to do next, for a program (`kind`) and a person (`text`, `command`). */
export interface WireNextAction {
  kind: NextActionKind;
  text: string;
  command?: string;
  field?: string;
  retryAfterSeconds?: number;
  to?: 'login' | 'signup';
  organizations?: { id: string; name: string }[];
  url?: string;
  userCode?: string;
  expiresAt?: string;
}

/** A canonical error. */
export interface WireError {
  code: KeymintErrorCode;
  message: string;
  status?: number;
  providerCode?: string;
  nextAction: WireNextAction;
  exitCode: number;
  details?: { retryAfterSeconds?: number; attemptsRemaining?: number; requiredScope?: string; organizations?: { id: string; name: string }[]; local?: true; keyMayHaveBeenMinted?: true };
}

/** An email-code flow's start config. */
export interface OtpConfig {
  provider?: string;
  spec?: object | null;
  baseUrl?: string;
  email: string;
  purpose?: 'login' | 'signup' | 'auto';
  program?: string;
  flowId: string;
  options?: Record<string, unknown>;
  allowInsecure?: boolean;
}

/** An email-code credential and its backend. */
export interface KeyConfig {
  provider?: string;
  spec?: object | null;
  baseUrl?: string;
  apiKey: string;
  allowInsecure?: boolean;
}

/** A session operation: its backend, tokens and which one. */
export interface SessionConfig {
  provider?: string;
  spec?: object | null;
  baseUrl?: string;
  authUrl?: string;
  allowInsecure?: boolean;
  operation: 'refresh' | 'revoke' | 'check' | 'call';
  accessToken?: string;
  refreshToken?: string;
  apiKey?: string;
  clientId?: string;
  clientSecret?: string;
  tokenUrl?: string;
}

/** A password flow's start config. */
export interface PasswordConfig {
  provider?: string;
  spec?: object | null;
  baseUrl?: string;
  email: string;
  allowInsecure?: boolean;
}

/** An OAuth2 flow's start config; `random` is ≥ 48 caller-drawn bytes as hex. */
export interface OauthConfig {
  provider?: string;
  spec?: object | null;
  baseUrl?: string;
  authUrl?: string;
  clientId: string;
  redirectUri: string;
  scope?: string | string[];
  random: string;
  allowInsecure?: boolean;
}

/** A device flow's start config (client id and scope default to the provider's). */
export interface DeviceConfig {
  provider?: string;
  spec?: object | null;
  baseUrl?: string;
  clientId?: string;
  scope?: string;
  resource?: string;
  keyName?: string;
  keyExpiresInDays?: number;
  description?: string;
  organizationId?: string;
  allowInsecure?: boolean;
}

/** Starts an email-code flow. */
export interface StartInput {
  op: 'start';
  now?: number;
  config: OtpConfig;
}

/** Checks a saved flow of any kind without a step. */
export interface ValidateInput {
  op: 'validate';
  now?: number;
  state: SavedFlow | null;
}

/** One event of a saved flow of any kind. */
export interface EventInput {
  op: 'event';
  now?: number;
  state: SavedFlow;
  event: FlowEvent;
}

/** The whoami request of an email-code credential. */
export interface WhoamiInput {
  op: 'whoami';
  now?: number;
  config: KeyConfig;
}

/** Its answer: `done` with `identity`. */
export interface WhoamiResponseInput {
  op: 'whoami_response';
  now?: number;
  config: KeyConfig;
  event: ResponseEvent | TransportErrorEvent;
}

/** The refresh request of an email-code session credential. */
export interface TokenRefreshInput {
  op: 'token_refresh';
  now?: number;
  config: KeyConfig;
}

/** Its answer: `done` with `credential`. */
export interface TokenRefreshResponseInput {
  op: 'token_refresh_response';
  now?: number;
  config: KeyConfig;
  event: ResponseEvent | TransportErrorEvent;
}

/** The request of a one-shot session operation. */
export interface SessionRequestInput {
  op: 'session_request';
  now?: number;
  config: SessionConfig;
}

/** Its answer: `done` with `session`, `identity`, `data` or `revoked`. */
export interface SessionResponseInput {
  op: 'session_response';
  now?: number;
  config: SessionConfig;
  event: ResponseEvent | TransportErrorEvent;
}

/** The TOTP code of a secret at `now`: `done` with `code`. */
export interface TotpInput {
  op: 'totp';
  now?: number;
  secret: string;
}

/** What an API token's prefix says: `done` with `env`, `masked`. */
export interface ApiTokenInput {
  op: 'api_token';
  config: { provider?: string; spec?: object | null; token: string };
}

/** Starts a password (+ second factor) flow. */
export interface PasswordStartInput {
  op: 'password_start';
  now?: number;
  config: PasswordConfig;
}

/** Starts an OAuth2 authorization-code + PKCE flow: `authorize`. */
export interface OauthStartInput {
  op: 'oauth_start';
  now?: number;
  config: OauthConfig;
}

/** Starts an RFC 8628 device authorization flow. */
export interface DeviceStartInput {
  op: 'device_start';
  now?: number;
  config: DeviceConfig;
}

export type StepInput =
  | StartInput
  | ValidateInput
  | EventInput
  | WhoamiInput
  | WhoamiResponseInput
  | TokenRefreshInput
  | TokenRefreshResponseInput
  | SessionRequestInput
  | SessionResponseInput
  | TotpInput
  | ApiTokenInput
  | PasswordStartInput
  | OauthStartInput
  | DeviceStartInput
;

/** The answer to the last `send` action. */
export interface ResponseEvent {
  type: 'response';
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** The last `send` got no answer. */
export interface TransportErrorEvent {
  type: 'transport_error';
  kind: 'network' | 'timeout' | 'redirect' | string;
}

/** Email code: request (or resend) a code; `url` overrides this step's endpoint. */
export interface RequestCodeEvent {
  type: 'request_code';
  url?: string;
}

/** Email code: submit the code with its options and a fresh random nonce. */
export interface SubmitCodeEvent {
  type: 'submit_code';
  code: string;
  nonce?: string;
  options?: Record<string, unknown>;
  url?: string;
}

/** Email code: complete with this organization. */
export interface ChooseOrganizationEvent {
  type: 'choose_organization';
  organizationId: string;
  nonce?: string;
}

/** Password: create the account. */
export interface RegisterEvent {
  type: 'register';
  password: string;
  name?: string;
}

/** Password: sign in. */
export interface LoginEvent {
  type: 'login';
  password: string;
}

/** Password: the second factor, as a code or the TOTP secret it is computed from. */
export interface Submit2faEvent {
  type: 'submit_2fa';
  code?: string;
  totpSecret?: string;
}

/** OAuth2: the redirect the browser landed on (or its query parameters). */
export interface CallbackEvent {
  type: 'callback';
  url?: string;
  params?: Record<string, string>;
  clientSecret?: string;
}

/** Device: request a device code. */
export interface DeviceRequestEvent {
  type: 'request';
}

/** Device: poll the token endpoint (at or after `nextPollAt`). */
export interface PollEvent {
  type: 'poll';
}

export type FlowEvent =
  | ResponseEvent
  | TransportErrorEvent
  | RequestCodeEvent
  | SubmitCodeEvent
  | ChooseOrganizationEvent
  | RegisterEvent
  | LoginEvent
  | Submit2faEvent
  | CallbackEvent
  | DeviceRequestEvent
  | PollEvent
;

/** Created or resumed; send the flow's first event. */
export interface ReadyAction {
  type: 'ready';
}

/** Perform `request`; answer with a `response` or `transport_error` event. */
export interface SendAction {
  type: 'send';
  request: WireRequest;
}

/** An email code was sent; send `submit_code`. */
export interface CodeSentAction {
  type: 'code_sent';
  email: string;
  purpose: 'login' | 'signup';
  expiresAt?: string;
  resendAvailableAt?: string;
  switchedFrom?: 'login' | 'signup';
}

/** The password was accepted; send `submit_2fa`. */
export interface SecondFactorAction {
  type: 'second_factor';
  method: string;
  email: string;
  expiresAt: string;
}

/** Open `url`; send the redirect back as a `callback` event. */
export interface AuthorizeAction {
  type: 'authorize';
  url: string;
  state: string;
}

/** Show the user code and where to enter it; then send `poll` at `nextPollAt`. */
export interface DeviceCodeAction {
  type: 'device_code';
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  expiresAt: string;
  interval: number;
  nextPollAt: string;
}

/** Too early to poll: poll again at `until`. */
export interface WaitAction {
  type: 'wait';
  until: string;
  retryAfterSeconds: number;
  reason: 'early' | 'pending' | 'slow_down';
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  expiresAt: string;
  interval: number;
  nextPollAt: string;
  error: WireError;
}

/** Finished; which member is present depends on the op. */
export interface DoneAction {
  type: 'done';
  credential?: WireCredential;
  session?: Record<string, unknown>;
  identity?: Record<string, unknown>;
  data?: unknown;
  revoked?: true;
  alreadyRevoked?: true;
  code?: string;
  expiresAt?: string;
  env?: string;
  masked?: string;
}

/** The step failed; `error` says why and what to do next. */
export interface ErrorAction {
  type: 'error';
  error: WireError;
}

export type Action =
  | ReadyAction
  | SendAction
  | CodeSentAction
  | SecondFactorAction
  | AuthorizeAction
  | DeviceCodeAction
  | WaitAction
  | DoneAction
  | ErrorAction
;

/** A saved flow: opaque, sealed by the core (`v`, `kind`, `check`). */
export type SavedFlow = { v: number; check: string } & Record<string, unknown>;

/** What every step answers. */
export interface StepOutput { state?: SavedFlow; action: Action }

export interface EmulatorMessage { email: string; code: string; backend: string; purpose?: string; sentAt: number }
export interface EmulatorFault { path: string; kind: 'delay' | 'html502' | 'truncate' | 'reset' | 'hang' | 'huge' | 'wrong-type' | 'missing-field'; times?: number; ms?: number }
export interface Emulator {
  url: string;
  port: number;
  requests: { method: string; path: string; backend?: string; status: number | null; headers: Record<string, string>; body: string }[];
  outbox(email: string): string | undefined;
  messages(email?: string): EmulatorMessage[];
  advance(seconds: number): number;
  now(): number;
  reset(): void;
  clearRequests(): void;
  fault(spec: EmulatorFault): void;
  close(): Promise<void>;
}
/**
 * `allowOrigins`: browser origins granted CORS besides loopback pages (http://127.x.y.z,
 * http://localhost, http://[::1], any port). A `host` that is not a loopback address
 * prints a warning on stderr. `deviceIntervalSeconds`: the polling interval the device
 * backend hands out (default 5).
 */
export declare function startEmulator(options?: { port?: number; host?: string; trustForwardedFor?: boolean; backends?: string[]; frozenAt?: number; allowOrigins?: string[]; deviceIntervalSeconds?: number }): Promise<Emulator>;
/** The fixed characters inside every key and token the emulator mints (after the first 8 random ones). */
export declare const EMULATOR_MARKER: string;
/** True for a key or token this emulator minted. */
export declare function isEmulatorSecret(value: string): boolean;
/** Whether an address to bind is a loopback address (127.0.0.0/8, ::1, localhost). */
export declare function isLoopbackHost(host: string): boolean;
export declare function registerBackend(name: string, factory: (ctx: object) => object): void;

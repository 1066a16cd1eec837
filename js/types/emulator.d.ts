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
export declare function startEmulator(options?: { port?: number; host?: string; trustForwardedFor?: boolean; backends?: string[]; frozenAt?: number }): Promise<Emulator>;
export declare function registerBackend(name: string, factory: (ctx: object) => object): void;

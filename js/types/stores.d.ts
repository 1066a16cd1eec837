// Public types of `keymint/stores`: the browser-safe profile stores (src/stores/interface.md).
export interface Profile {
  provider: string;
  baseUrl: string;
  apiKey?: string;
  accessToken?: string;
  refreshToken?: string;
  tokenExpiresAt?: string | number;
  keyId?: string;
  keyName?: string;
  keyPrefix?: string;
  scopes?: string[];
  expiresAt?: string | null;
  organization?: { id: string; name: string };
  user?: { id?: string; email: string };
  email?: string;
  createdAt?: string;
  [key: string]: unknown;
}

export interface StoreDocument {
  version: 1;
  active: string | null;
  profiles: Record<string, Profile>;
  pending: Record<string, Record<string, unknown>>;
  leases: Record<string, { owner: string; until: number; [key: string]: unknown }>;
  [key: string]: unknown;
}

/** Every method may reject with a KeymintError (CONFIG_CORRUPT, CONFIG_LOCKED, PROFILE_NOT_FOUND, …). */
export declare class ProfileStoreBase {
  readonly where: string;
  read(): Promise<StoreDocument>;
  update<R>(fn: (doc: StoreDocument) => R | Promise<R>): Promise<Awaited<R>>;
  list(): Promise<Array<Profile & { name: string; active: boolean }>>;
  get(name: string): Promise<Profile | undefined>;
  active(): Promise<{ name: string; profile: Profile } | undefined>;
  put(name: string, profile: Profile, opts?: { activate?: boolean }): Promise<Profile>;
  uniqueName(base: string): Promise<string>;
  add(baseName: string, profile: Profile, opts?: { activate?: boolean }): Promise<string>;
  remove(name: string): Promise<Profile>;
  use(name: string): Promise<{ name: string; profile: Profile }>;
  getPending(key: string): Promise<Record<string, unknown> | undefined>;
  setPending(key: string, state: object | null | undefined): Promise<void>;
  withLease<R>(key: string, ttlMs: number, fn: (lease: { key: string; owner: string; until: number }) => R | Promise<R>,
    opts?: { waitMs?: number }): Promise<Awaited<R>>;
}

export declare class MemoryProfileStore extends ProfileStoreBase {
  constructor(opts?: { initial?: object; lockTimeoutMs?: number });
}

/** The part of a chrome.storage area the extension store uses. */
export interface StorageAreaLike {
  get(keys: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
}

/** Profiles in chrome.storage.local; pending flows and leases in chrome.storage.session. */
export declare class ExtensionProfileStore extends ProfileStoreBase {
  constructor(opts?: { key?: string; local?: StorageAreaLike; session?: StorageAreaLike; lockTimeoutMs?: number });
  readonly key: string;
}

export declare function profileNameFromEmail(email: string): string;
export declare function profileNameFromOrganization(name: string): string;
export declare function isValidProfileName(name: unknown): name is string;
export declare function emptyDocument(): StoreDocument;

// Checks a user name and password against the catalog's users, with a short-lived, bounded cache
// so a client that sends its credentials on every request does not pay the slow hash each time.
// The cache holds an HMAC of the password under a per-process key, never the password itself.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConcurrencyLimiter } from '../concurrency-limiter.js';
import { verifyPassword } from './password.js';
import type { UserDirectory, UserInfo } from './users.js';

export interface UserAuthenticatorOptions {
  /** How long a verified password is trusted without hashing it again. */
  readonly cacheTtlMs: number;
  /** Verified credentials remembered at most (least recently used go first). */
  readonly cacheMaxEntries: number;
  /** Slow hash checks running at once; more wait in a bounded queue, beyond it requests are refused. */
  readonly maxConcurrentHashes: number;
  readonly maxQueuedHashes: number;
}

export const defaultUserAuthenticatorOptions: UserAuthenticatorOptions = {
  cacheTtlMs: 60_000,
  cacheMaxEntries: 1024,
  maxConcurrentHashes: 2,
  maxQueuedHashes: 256,
};

export function validateUserAuthenticatorOptions(options: UserAuthenticatorOptions): void {
  const positive = (value: number, name: string): void => {
    if (!(Number.isSafeInteger(value) && value > 0)) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  };
  positive(options.cacheTtlMs, 'cacheTtlMs');
  positive(options.cacheMaxEntries, 'cacheMaxEntries');
  positive(options.maxConcurrentHashes, 'maxConcurrentHashes');
  positive(options.maxQueuedHashes, 'maxQueuedHashes');
}

interface CachedCredential {
  readonly mac: Buffer;
  readonly expiresAtMs: number;
}

export class UserAuthenticator {
  /**
   * Keyed on the user name and the stored hash: a password change or a drop (and a user created
   * again under the same name) misses at once, whatever the TTL.
   */
  private readonly cache = new Map<string, CachedCredential>();
  private readonly macKey = randomBytes(32);
  private readonly hashes: ConcurrencyLimiter;

  constructor(
    private readonly users: () => UserDirectory,
    private readonly options: UserAuthenticatorOptions,
    private readonly nowMs: () => number,
  ) {
    validateUserAuthenticatorOptions(options);
    this.hashes = new ConcurrencyLimiter(options.maxConcurrentHashes, options.maxQueuedHashes, 'too many password checks at once; try again');
  }

  /** The user, if `password` is theirs; undefined for an unknown user or a wrong password. */
  async authenticate(name: string, password: string): Promise<UserInfo | undefined> {
    const user = this.users().user(name);
    if (user === undefined) return undefined;
    const key = `${name}\u0000${user.hash}`;
    const mac = createHmac('sha256', this.macKey).update(password, 'utf8').digest();
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.cache.delete(key);
      if (cached.expiresAtMs > this.nowMs() && timingSafeEqual(cached.mac, mac)) {
        this.cache.set(key, cached);
        return this.current(name, user.hash);
      }
    }
    if (!(await this.hashes.run(() => verifyPassword(password, user.hash)))) return undefined;
    this.remember(key, { mac, expiresAtMs: this.nowMs() + this.options.cacheTtlMs });
    return this.current(name, user.hash);
  }

  /** Entries held now (tests and metrics). */
  get cachedEntries(): number {
    return this.cache.size;
  }

  /** The user as the catalog holds it now: a drop or password change during the hash wins. */
  private current(name: string, hash: string): UserInfo | undefined {
    const user = this.users().user(name);
    return user !== undefined && user.hash === hash ? user : undefined;
  }

  private remember(key: string, entry: CachedCredential): void {
    this.cache.delete(key);
    this.cache.set(key, entry);
    while (this.cache.size > this.options.cacheMaxEntries) this.cache.delete(this.cache.keys().next().value as string);
  }
}

/**
 * Who recently seen API keys act for, so that a client streaming one request after another does not pay two
 * database reads each time. Revoking a key, or changing its user, through this server forgets it at once; a
 * change made elsewhere (the CLI, another instance) takes effect within the lifetime of an entry.
 */
import type { Principal } from "../../core/principal.js";

/** Short enough that a key revoked from the CLI stops working within seconds. */
export const KEY_PRINCIPAL_LIFETIME_MS = 5_000;
/** A bound on memory against requests with many different keys; the oldest entry goes first. */
const MAX_ENTRIES = 10_000;

/**
 * `refreshAt`: half-way through its lifetime, an entry still in use is looked up again in the background (see
 * `dueForRefresh`), so a client that keeps streaming never waits for the database, and no entry is ever used past
 * its lifetime.
 */
type Entry = { principal: Principal; expiresAt: number; refreshAt: number };

export class KeyPrincipalCache {
  readonly #entries = new Map<string, Entry>();
  readonly #lifetimeMs: number;
  #forgets = 0;

  constructor(lifetimeMs = KEY_PRINCIPAL_LIFETIME_MS) {
    this.#lifetimeMs = lifetimeMs;
  }

  get(keyHash: string, now: number): Principal | undefined {
    const entry = this.#entries.get(keyHash);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > now) return entry.principal;
    this.#entries.delete(keyHash);
    return undefined;
  }

  /**
   * How many times anything was forgotten so far. A lookup notes it before it reads the database and hands it to
   * `set`: a key revoked while the lookup was under way must not be put back from what the lookup read before.
   */
  get forgets(): number {
    return this.#forgets;
  }

  /**
   * Keeps what a lookup found, unless something was forgotten since the lookup began (`forgetsBefore`); never past
   * `keyExpiresAt`, when the key itself stops working.
   */
  set(
    keyHash: string,
    principal: Principal,
    now: number,
    forgetsBefore: number,
    keyExpiresAt = Number.POSITIVE_INFINITY,
  ): void {
    if (forgetsBefore !== this.#forgets) return;
    this.#entries.delete(keyHash);
    this.#entries.set(keyHash, {
      principal,
      expiresAt: Math.min(now + this.#lifetimeMs, keyExpiresAt),
      refreshAt: now + this.#lifetimeMs / 2,
    });
    if (this.#entries.size > MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  /**
   * True once for a live entry past half its lifetime: the caller looks the key up again and `set`s it (or
   * `forget`s it, if it no longer holds) while the entry goes on answering until it expires.
   */
  dueForRefresh(keyHash: string, now: number): boolean {
    const entry = this.#entries.get(keyHash);
    if (entry === undefined || now < entry.refreshAt) return false;
    entry.refreshAt = Number.POSITIVE_INFINITY;
    return true;
  }

  forget(keyHash: string): void {
    this.#forgets++;
    this.#entries.delete(keyHash);
  }

  forgetKey(apiKeyId: string): void {
    this.#forgets++;
    for (const [hash, entry] of this.#entries) {
      if (entry.principal.apiKeyId === apiKeyId) this.#entries.delete(hash);
    }
  }

  forgetUser(userId: string): void {
    this.#forgets++;
    for (const [hash, entry] of this.#entries) {
      if (entry.principal.userId === userId) this.#entries.delete(hash);
    }
  }
}

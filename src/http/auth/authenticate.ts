/**
 * Finds who a request acts for: an API key (`Authorization: Bearer` or `x-api-key`), else the session cookie,
 * else nobody. Requests that change state with a cookie must come from Parley's own pages (no cross-site
 * forgery); requests with a key carry no ambient authority, so they need no such check.
 */
import type { FastifyRequest } from "fastify";
import { isExpired } from "../../core/api-key.js";
import { AppError } from "../../core/app-error.js";
import type { ParleyStore } from "../../core/parley-store.js";
import { type Principal, SINGLE_USER } from "../../core/principal.js";
import { sha256Hex } from "../../core/secret-hash.js";
import type { User } from "../../core/user.js";
import type { KeyPrincipalCache } from "./key-principal-cache.js";
import { sessionHashOf } from "./session-cookie.js";

export type AuthMode = "accounts" | "single-user";

export class UnauthenticatedError extends AppError {
  constructor(message = "Sign in, or send an API key as `Authorization: Bearer <key>` or `x-api-key`.") {
    super("unauthenticated", message, { status: 401 });
  }
}

/** An account an admin disabled: it cannot sign in, and its sessions and keys no longer work. */
export class AccountDisabledError extends UnauthenticatedError {
  constructor() {
    super("This account is disabled; ask an admin of this server.");
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super("forbidden", message, { status: 403 });
  }
}

/** Last use is shown to the minute; writing it on every request would cost a database write per request. */
const TOUCH_INTERVAL_MS = 60_000;
/** Past this many keys and sessions noted, those not used within the interval are dropped, once an interval at most. */
const TOUCHED_PRUNE_SIZE = 10_000;

export function createAuthenticator(config: { store: ParleyStore; mode: AuthMode; keys: KeyPrincipalCache }) {
  const { store, keys } = config;
  const touchedAt = new Map<string, number>();
  let prunedAt = 0;
  /**
   * True at most once an interval per key or session on this server: when its last use should be written. Last use
   * is informative; writing it must never slow down or fail a request.
   */
  function dueForTouch(id: string, now: number): boolean {
    if (now - (touchedAt.get(id) ?? 0) < TOUCH_INTERVAL_MS) return false;
    // Not at every touch: with that many in use within the interval, each would walk them all for nothing.
    if (touchedAt.size >= TOUCHED_PRUNE_SIZE && now - prunedAt >= TOUCH_INTERVAL_MS) {
      prunedAt = now;
      for (const [noted, at] of touchedAt) if (now - at >= TOUCH_INTERVAL_MS) touchedAt.delete(noted);
    }
    touchedAt.set(id, now);
    return true;
  }
  /**
   * Who the key acts for, from the database, kept in the cache; throws UnauthenticatedError for a key that does not
   * hold. What it read is not kept if a key was forgotten while it read (see KeyPrincipalCache.forgets).
   */
  async function lookUpKey(keyHash: string, now: number): Promise<Principal> {
    const forgets = keys.forgets;
    const stored = await store.apiKeys.getByHash(keyHash);
    if (!stored || stored.revokedAt !== null)
      throw new UnauthenticatedError("This API key is not valid (unknown or revoked).");
    if (isExpired(stored, now)) {
      throw new UnauthenticatedError(
        `This API key expired at ${new Date(stored.expiresAt).toISOString()}; its owner can make a new one.`,
      );
    }
    const user = await store.users.get(stored.userId);
    if (!user) throw new UnauthenticatedError("This API key's account no longer exists.");
    if (user.disabledAt !== null) throw new AccountDisabledError();
    if (dueForTouch(stored.id, now)) void store.apiKeys.touch(stored.id, now).catch(() => {});
    const principal: Principal = {
      userId: user.id,
      role: user.role,
      via: "api-key",
      apiKeyId: stored.id,
      limits: limitsOf(user),
      keyLimits: { requestsPerMinute: stored.requestsPerMinute, tokensPerDay: stored.tokensPerDay },
      // A key's models never change (another set is another key), so the cached principal stays right.
      ...(stored.models !== null && { keyModels: stored.models }),
    };
    keys.set(keyHash, principal, now, forgets, stored.expiresAt ?? undefined);
    return principal;
  }

  /** Looks a cached key up again; forgets it if it no longer holds. */
  function refreshKey(keyHash: string): void {
    lookUpKey(keyHash, Date.now()).catch(() => keys.forget(keyHash));
  }

  return async function authenticate(request: FastifyRequest): Promise<Principal> {
    if (config.mode === "single-user") return SINGLE_USER;

    const key = apiKeyOf(request);
    if (key !== undefined) {
      const keyHash = sha256Hex(key);
      const now = Date.now();
      const known = keys.get(keyHash, now);
      if (known) {
        // Looked up again off the request's path: in a later turn of the event loop, once this request has gone
        // on its way (building and running the queries takes longer than the rest of authenticating it). A key
        // revoked meanwhile stops working once this sees it.
        if (keys.dueForRefresh(keyHash, now)) setTimeout(() => refreshKey(keyHash), 0);
        return known;
      }
      return lookUpKey(keyHash, now);
    }

    const sessionHash = sessionHashOf(request);
    if (sessionHash !== undefined) {
      const session = await store.sessions.get(sessionHash);
      const now = Date.now();
      if (!session || session.expiresAt <= now)
        throw new UnauthenticatedError("The session has ended; sign in again.");
      const user = await store.users.get(session.userId);
      if (!user) throw new UnauthenticatedError("This session's account no longer exists.");
      if (user.disabledAt !== null) throw new AccountDisabledError();
      assertSameOrigin(request);
      // A session id and an API key id never collide: one is 64 hex digits, the other starts `key_`.
      if (dueForTouch(sessionHash, now)) void store.sessions.touch(sessionHash, now).catch(() => {});
      return { userId: user.id, role: user.role, via: "session", limits: limitsOf(user) };
    }
    throw new UnauthenticatedError();
  };
}

function apiKeyOf(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization?.toLowerCase().startsWith("bearer ")) return authorization.slice(7).trim();
  const header = request.headers["x-api-key"];
  return typeof header === "string" && header !== "" ? header : undefined;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Cookie-authenticated writes must come from a page of this origin (browsers send Origin and Sec-Fetch-Site). */
export function assertSameOrigin(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return;
  const site = request.headers["sec-fetch-site"];
  if (site === "cross-site" || site === "same-site") {
    throw new ForbiddenError("Cross-site requests may not change anything here.");
  }
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== "null") {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw new ForbiddenError("The Origin header is not a valid origin.");
    }
    if (host !== request.headers.host)
      throw new ForbiddenError("Cross-site requests may not change anything here.");
  } else if (origin === "null") {
    throw new ForbiddenError("Requests from an opaque origin may not change anything here.");
  }
}

function limitsOf(user: User): NonNullable<Principal["limits"]> {
  return { requestsPerMinute: user.requestsPerMinute, tokensPerDay: user.tokensPerDay };
}

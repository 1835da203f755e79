/** Sample API keys and sessions for store tests: usable, with no limits, expiry or details unless overridden. */
import type { ApiKey } from "../../core/api-key.js";
import type { Session } from "../../core/session.js";

/** The key `id` of the user, found by the hash `hash-of-<id>`. */
export function sampleApiKey(userId: string, id: string, overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    id,
    userId,
    name: id,
    prefix: `pk_${id}`.slice(0, 10),
    keyHash: `hash-of-${id}`,
    createdAt: 1,
    lastUsedAt: null,
    revokedAt: null,
    expiresAt: null,
    requestsPerMinute: null,
    tokensPerDay: null,
    models: null,
    ...overrides,
  };
}

/** A session of the user that holds for another minute. */
export function sampleSession(tokenHash: string, userId: string, overrides: Partial<Session> = {}): Session {
  return {
    tokenHash,
    userId,
    createdAt: 1,
    expiresAt: Date.now() + 60_000,
    userAgent: null,
    address: null,
    lastUsedAt: null,
    ...overrides,
  };
}

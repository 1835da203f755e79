/** An API key: shown once when created, stored only as a hash, revocable. */
export type ApiKey = {
  id: string;
  userId: string;
  name: string;
  /** The first characters of the key, so a person can tell keys apart. */
  prefix: string;
  /** SHA-256 of the key, hex. */
  keyHash: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  /** When the key stops working by itself (a key handed to a contractor or a trial); null: never. */
  expiresAt: number | null;
  /**
   * The model ids the key may use (chat models, `auto`, `bot:<slug>`, embedding models); null: every model. Set when
   * the key is made and never changed: a key for other models is a new key.
   */
  models: readonly string[] | null;
} & ApiKeyLimits;

/**
 * Limits of one key, within its user's: a key handed to a script or a tool can be held to less than its user may
 * use. Null: only the user's limits apply.
 */
export type ApiKeyLimits = {
  requestsPerMinute: number | null;
  tokensPerDay: number | null;
};

export type PublicApiKey = Omit<ApiKey, "keyHash">;

/** Past its expiry (a key made to last a while only); one with no expiry never is. */
export function isExpired<Key extends Pick<ApiKey, "expiresAt">>(
  key: Key,
  now: number,
): key is Key & { expiresAt: number } {
  return key.expiresAt !== null && key.expiresAt <= now;
}

export function publicApiKey(key: ApiKey): PublicApiKey {
  const { keyHash: _hidden, ...rest } = key;
  return rest;
}

/**
 * `parley keys create --user <email> [--requests-per-minute N] [--tokens-per-day N] [--expires-in-days N]`: an API
 * key for scripts and tools, printed this once, optionally held to less than its user may use or made to expire.
 */
import { NotFoundError } from "../core/app-error.js";
import { createApiKey } from "../http/auth/accounts.js";
import { openConfiguredStore } from "./open-configured-store.js";

export async function runKeysCreate(options: {
  user: string;
  name: string;
  requestsPerMinute?: number;
  tokensPerDay?: number;
  expiresInDays?: number;
  config?: string;
  dataDir?: string;
}) {
  const store = await openConfiguredStore(options);
  try {
    const user = await store.users.getByEmail(options.user);
    if (!user) throw new NotFoundError("Account", options.user);
    const key = await createApiKey(
      store,
      user.id,
      options.name,
      { requestsPerMinute: options.requestsPerMinute ?? null, tokensPerDay: options.tokensPerDay ?? null },
      options.expiresInDays,
    );
    const expiry = key.expiresAt === null ? "" : ` until ${new Date(key.expiresAt).toISOString()}`;
    console.error(`API key ${key.id} for ${user.email}${expiry}; it is shown only now:`);
    console.log(key.key);
  } finally {
    await store.close();
  }
}

/**
 * `parley keys create --user <email> [--requests-per-minute N] [--tokens-per-day N]`: an API key for scripts and
 * tools, printed this once, optionally held to less than its user may use.
 */
import { NotFoundError } from "../core/app-error.js";
import { createApiKey } from "../http/auth/accounts.js";
import { openConfiguredStore } from "./open-configured-store.js";

export async function runKeysCreate(options: {
  user: string;
  name: string;
  requestsPerMinute?: number;
  tokensPerDay?: number;
  config?: string;
  dataDir?: string;
}) {
  const store = await openConfiguredStore(options);
  try {
    const user = await store.users.getByEmail(options.user);
    if (!user) throw new NotFoundError("Account", options.user);
    const key = await createApiKey(store, user.id, options.name, {
      requestsPerMinute: options.requestsPerMinute ?? null,
      tokensPerDay: options.tokensPerDay ?? null,
    });
    console.error(`API key ${key.id} for ${user.email}; it is shown only now:`);
    console.log(key.key);
  } finally {
    await store.close();
  }
}

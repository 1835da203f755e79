/** `parley keys create --user <email>`: an API key for scripts and tools, printed this once. */
import { NotFoundError } from "../core/app-error.js";
import { createApiKey } from "../http/auth/accounts.js";
import { openConfiguredStore } from "./open-configured-store.js";

export async function runKeysCreate(options: {
  user: string;
  name: string;
  config?: string;
  dataDir?: string;
}) {
  const store = await openConfiguredStore(options);
  try {
    const user = await store.users.getByEmail(options.user);
    if (!user) throw new NotFoundError("Account", options.user);
    const key = await createApiKey(store, user.id, options.name);
    console.error(`API key ${key.id} for ${user.email}; it is shown only now:`);
    console.log(key.key);
  } finally {
    await store.close();
  }
}

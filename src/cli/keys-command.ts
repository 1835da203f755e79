/**
 * `parley keys create --user <email> [--requests-per-minute N] [--tokens-per-day N] [--expires-in-days N]
 * [--models a,b]`: an API key for scripts and tools, printed this once, optionally held to less than its user may
 * use, to some models, or made to expire.
 * `parley keys list --user <email>` and `parley keys revoke <id> --user <email>`: an account's keys, and the end of
 * one that leaked, for an admin at the server's machine.
 */
import { type ApiKey, isExpired } from "../core/api-key.js";
import { NotFoundError } from "../core/app-error.js";
import type { ParleyStore } from "../core/parley-store.js";
import type { User } from "../core/user.js";
import { createApiKey } from "../http/auth/accounts.js";
import { KEY_PRINCIPAL_LIFETIME_MS } from "../http/auth/key-principal-cache.js";
import { openConfiguredStore } from "./open-configured-store.js";

type StoreFlags = { config?: string; dataDir?: string };

export async function runKeysCreate(
  options: {
    user: string;
    name: string;
    requestsPerMinute?: number;
    tokensPerDay?: number;
    expiresInDays?: number;
    /** Model ids, as `--models a,b` gives them. */
    models?: string[];
  } & StoreFlags,
) {
  await withAccount(options, async (store, user) => {
    const key = await createApiKey(
      store,
      user.id,
      options.name,
      { requestsPerMinute: options.requestsPerMinute ?? null, tokensPerDay: options.tokensPerDay ?? null },
      options.expiresInDays,
      // Not checked against the config's models: the CLI writes the database, with no catalog started, and a
      // model a server does not serve is simply one the key is never given (the server's 403 names what it may use).
      options.models ?? null,
    );
    const expiry = key.expiresAt === null ? "" : ` until ${new Date(key.expiresAt).toISOString()}`;
    const models = key.models === null ? "" : ` for ${key.models.join(", ")} only`;
    console.error(`API key ${key.id} for ${user.email}${models}${expiry}; it is shown only now:`);
    console.log(key.key);
  });
}

export async function runKeysList(options: { user: string } & StoreFlags): Promise<void> {
  await withAccount(options, async (store, user) => {
    for (const key of await store.apiKeys.listByUser(user.id)) {
      const models = key.models === null ? "all models" : `models: ${key.models.join(",")}`;
      console.log([key.id, `${key.prefix}…`, statusOf(key, Date.now()), models, key.name].join("  "));
    }
  });
}

export async function runKeysRevoke(id: string, options: { user: string } & StoreFlags): Promise<void> {
  await withAccount(options, async (store, user) => {
    if (!(await store.apiKeys.revoke(user.id, id, Date.now()))) throw new NotFoundError("API key", id);
    // A server that used the key just now refuses it once its cache reads the key again.
    console.error(
      `Revoked API key ${id} of ${user.email}; running servers refuse it within ${KEY_PRINCIPAL_LIFETIME_MS / 1000} s.`,
    );
  });
}

/** Runs `work` on the account named by `--user`, in the store a server with the same flags uses. */
async function withAccount(
  options: { user: string } & StoreFlags,
  work: (store: ParleyStore, user: User) => Promise<void>,
): Promise<void> {
  const store = await openConfiguredStore(options);
  try {
    const user = await store.users.getByEmail(options.user);
    if (!user) throw new NotFoundError("Account", options.user);
    await work(store, user);
  } finally {
    await store.close();
  }
}

function statusOf(key: ApiKey, now: number): string {
  if (key.revokedAt !== null) return `revoked ${new Date(key.revokedAt).toISOString()}`;
  if (isExpired(key, now)) return `expired ${new Date(key.expiresAt).toISOString()}`;
  const lastUsed =
    key.lastUsedAt === null ? "never used" : `last used ${new Date(key.lastUsedAt).toISOString()}`;
  return key.expiresAt === null
    ? `active, ${lastUsed}`
    : `active until ${new Date(key.expiresAt).toISOString()}, ${lastUsed}`;
}

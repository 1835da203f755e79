import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import type { ParleyStore } from "../../core/parley-store.js";
import { useTemporaryStores } from "../../store/test-support/use-temporary-stores.js";
import { createAccount, createApiKey } from "./accounts.js";
import { createAuthenticator } from "./authenticate.js";
import { KeyPrincipalCache } from "./key-principal-cache.js";

const stores = useTemporaryStores();

/** What the authenticator reads of a request: an API request with the key as a bearer token. */
function requestWithKey(key: string): FastifyRequest {
  return {
    method: "POST",
    url: "/v1/chat/completions",
    headers: { authorization: `Bearer ${key}` },
  } as FastifyRequest;
}

/** A user with one API key, made as the CLI makes them. */
async function userWithKey(store: ParleyStore, email: string) {
  const user = await createAccount(store, { email, password: "a long password", role: "user" });
  const { id, key } = await createApiKey(store, user.id, "laptop");
  return { user, id, key };
}

describe("API key authentication", () => {
  it("keeps answering from memory for a key in use, and stops once a revocation made elsewhere is seen, within its lifetime", async () => {
    const store = await stores.open();
    const { user, id, key } = await userWithKey(store, "ada@example.com");
    // Long beside the waits below, so a slow machine cannot let the entry expire before the test means it to.
    const lifetimeMs = 2_000;
    const authenticate = createAuthenticator({
      store,
      mode: "accounts",
      keys: new KeyPrincipalCache(lifetimeMs),
    });

    expect(await authenticate(requestWithKey(key))).toMatchObject({ userId: user.id, apiKeyId: id });
    // Revoked by another process (the CLI): this server's cache does not hear of it.
    await store.apiKeys.revoke(user.id, id, Date.now());
    expect(await authenticate(requestWithKey(key))).toMatchObject({ userId: user.id });

    // Past half its lifetime, a request still answers from memory and has the key looked up again meanwhile...
    await new Promise((resolve) => setTimeout(resolve, lifetimeMs / 2 + 50));
    expect(await authenticate(requestWithKey(key))).toMatchObject({ userId: user.id });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // ...so the next one, still within the entry's lifetime, is refused.
    await expect(authenticate(requestWithKey(key))).rejects.toThrow("not valid");
  });

  it("looks a key in use up again after the request that found it due has gone on, not within that request's turn", async () => {
    const store = await stores.open();
    const { user, key } = await userWithKey(store, "grace@example.com");
    const lookups: string[] = [];
    const apiKeys = store.apiKeys;
    // The real repository, read through: only counted.
    const watched = Object.create(store, {
      apiKeys: {
        value: Object.create(apiKeys, {
          getByHash: {
            value: (keyHash: string) => {
              lookups.push(keyHash);
              return apiKeys.getByHash(keyHash);
            },
          },
        }),
      },
    });
    const lifetimeMs = 2_000;
    const authenticate = createAuthenticator({
      store: watched,
      mode: "accounts",
      keys: new KeyPrincipalCache(lifetimeMs),
    });
    await authenticate(requestWithKey(key));
    expect(lookups).toHaveLength(1);

    await new Promise((resolve) => setTimeout(resolve, lifetimeMs / 2 + 50));
    expect(await authenticate(requestWithKey(key))).toMatchObject({ userId: user.id });
    // The rest of a request's way to its upstream runs in this turn of the event loop: the lookup, a query built and
    // run on this thread, must not be part of it.
    await new Promise((resolve) => setImmediate(resolve));
    expect(lookups).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lookups).toHaveLength(2);
  });
});

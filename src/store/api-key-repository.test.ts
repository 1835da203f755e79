import { describe, expect, it } from "vitest";
import { addTestUser } from "./test-support/add-test-user.js";
import { sampleApiKey } from "./test-support/sample-credentials.js";
import { storeDialects, useTemporaryStores } from "./test-support/use-temporary-stores.js";

describe.each(storeDialects)("API keys on %s", (dialect) => {
  const stores = useTemporaryStores(dialect);

  it("keep the limits they were made with, and a key made without any has none of its own", async () => {
    const store = await stores.open();
    await addTestUser(store, "user_a");
    await store.apiKeys.create(
      sampleApiKey("user_a", "key_limited", { requestsPerMinute: 5, tokensPerDay: 50_000 }),
    );
    await store.apiKeys.create(sampleApiKey("user_a", "key_free"));
    expect(await store.apiKeys.getByHash("hash-of-key_limited")).toMatchObject({
      requestsPerMinute: 5,
      tokensPerDay: 50_000,
    });
    expect(await store.apiKeys.getByHash("hash-of-key_free")).toMatchObject({
      requestsPerMinute: null,
      tokensPerDay: null,
    });
  });

  it("keep when they expire, and a key made without an expiry has none", async () => {
    const store = await stores.open();
    await addTestUser(store, "user_a");
    const expiresAt = Date.UTC(2031, 0, 1);
    await store.apiKeys.create(sampleApiKey("user_a", "key_trial", { expiresAt }));
    await store.apiKeys.create(sampleApiKey("user_a", "key_lasting"));
    expect(await store.apiKeys.getByHash("hash-of-key_trial")).toMatchObject({ expiresAt });
    expect((await store.apiKeys.listByUser("user_a")).map((key) => [key.id, key.expiresAt])).toEqual(
      expect.arrayContaining([
        ["key_trial", expiresAt],
        ["key_lasting", null],
      ]),
    );
  });

  it("keep the models they may use, in order, and a key made without any may use every model", async () => {
    const store = await stores.open();
    await addTestUser(store, "user_a");
    await store.apiKeys.create(
      sampleApiKey("user_a", "key_cheap", { models: ["cheap", "auto", "bot:tutor"] }),
    );
    await store.apiKeys.create(sampleApiKey("user_a", "key_all"));
    expect((await store.apiKeys.getByHash("hash-of-key_cheap"))?.models).toEqual([
      "cheap",
      "auto",
      "bot:tutor",
    ]);
    expect((await store.apiKeys.listByUser("user_a")).map((key) => [key.id, key.models])).toEqual(
      expect.arrayContaining([
        ["key_cheap", ["cheap", "auto", "bot:tutor"]],
        ["key_all", null],
      ]),
    );
  });

  it("change the limits they are given, lift one set to null, and leave the other as it was", async () => {
    const store = await stores.open();
    await addTestUser(store, "user_a");
    await store.apiKeys.create(
      sampleApiKey("user_a", "key_a", { requestsPerMinute: 5, tokensPerDay: 50_000 }),
    );
    expect(await store.apiKeys.setLimits("user_a", "key_a", { tokensPerDay: null })).toMatchObject({
      id: "key_a",
      requestsPerMinute: 5,
      tokensPerDay: null,
    });
    expect(await store.apiKeys.setLimits("user_a", "key_a", { requestsPerMinute: 9 })).toMatchObject({
      requestsPerMinute: 9,
      tokensPerDay: null,
    });
    expect(await store.apiKeys.getByHash("hash-of-key_a")).toMatchObject({
      requestsPerMinute: 9,
      tokensPerDay: null,
    });
  });

  it("refuse to change another user's key or a revoked one, and change nothing then", async () => {
    const store = await stores.open();
    await addTestUser(store, "user_a");
    await addTestUser(store, "user_b");
    await store.apiKeys.create(sampleApiKey("user_a", "key_a"));
    await store.apiKeys.create(sampleApiKey("user_b", "key_revoked"));
    expect(await store.apiKeys.revoke("user_b", "key_revoked", 2)).toBe(true);

    expect(await store.apiKeys.setLimits("user_b", "key_a", { requestsPerMinute: 1 })).toBeUndefined();
    expect(await store.apiKeys.setLimits("user_b", "key_revoked", { requestsPerMinute: 1 })).toBeUndefined();
    expect(await store.apiKeys.setLimits("user_a", "key_unknown", { requestsPerMinute: 1 })).toBeUndefined();
    expect((await store.apiKeys.getByHash("hash-of-key_a"))?.requestsPerMinute).toBeNull();
    expect((await store.apiKeys.getByHash("hash-of-key_revoked"))?.requestsPerMinute).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { addTestUser } from "./test-support/add-test-user.js";
import { sampleSession } from "./test-support/sample-credentials.js";
import { storeDialects, useTemporaryStores } from "./test-support/use-temporary-stores.js";

describe.each(storeDialects)("accounts on %s", (dialect) => {
  const stores = useTemporaryStores(dialect);

  it("are made active, keep when they were disabled, and are active again once enabled", async () => {
    const store = await stores.open();
    await addTestUser(store, "user_a");
    expect((await store.users.get("user_a"))?.disabledAt).toBeNull();
    await store.users.update("user_a", { disabledAt: 1_764_500_000_000 });
    expect((await store.users.getByEmail("user_a@example.com"))?.disabledAt).toBe(1_764_500_000_000);
    await store.users.update("user_a", { disabledAt: null });
    expect((await store.users.list()).map((user) => [user.id, user.disabledAt])).toEqual([["user_a", null]]);
  });

  it("end every session of one user, and only theirs", async () => {
    const store = await stores.open();
    await addTestUser(store, "user_a");
    await addTestUser(store, "user_b");
    const session = (tokenHash: string, userId: string) =>
      store.sessions.create(sampleSession(tokenHash, userId));
    await session("a1", "user_a");
    await session("a2", "user_a");
    await session("b1", "user_b");
    expect(await store.sessions.deleteByUser("user_a")).toBe(2);
    expect(await store.sessions.get("a1")).toBeUndefined();
    expect(await store.sessions.get("a2")).toBeUndefined();
    expect(await store.sessions.get("b1")).toMatchObject({ userId: "user_b" });
  });

  it("end a user's sessions but the one that asked, when a password is changed", async () => {
    const store = await stores.open();
    await addTestUser(store, "user_a");
    for (const tokenHash of ["a1", "a2", "a3"]) {
      await store.sessions.create(sampleSession(tokenHash, "user_a"));
    }
    expect(await store.sessions.deleteByUser("user_a", "a2")).toBe(2);
    expect(await store.sessions.get("a1")).toBeUndefined();
    expect(await store.sessions.get("a2")).toMatchObject({ userId: "user_a" });
    expect(await store.sessions.get("a3")).toBeUndefined();
  });

  it("list a user's sessions not yet expired, newest first, with the browser and address that signed in", async () => {
    const store = await stores.open();
    await addTestUser(store, "user_a");
    await addTestUser(store, "user_b");
    const now = 1_000_000;
    const session = (tokenHash: string, userId: string, createdAt: number, expiresAt: number) =>
      store.sessions.create(
        sampleSession(tokenHash, userId, {
          createdAt,
          expiresAt,
          userAgent: `browser ${tokenHash}`,
          address: tokenHash === "a1" ? null : "203.0.113.5",
        }),
      );
    await session("a1", "user_a", now - 3000, now + 60_000);
    await session("a2", "user_a", now - 1000, now + 60_000);
    await session("a-expired", "user_a", now - 2000, now);
    await session("b1", "user_b", now - 500, now + 60_000);

    expect(await store.sessions.listByUser("user_a", now)).toEqual([
      {
        tokenHash: "a2",
        userId: "user_a",
        createdAt: now - 1000,
        expiresAt: now + 60_000,
        userAgent: "browser a2",
        address: "203.0.113.5",
        lastUsedAt: null,
      },
      {
        tokenHash: "a1",
        userId: "user_a",
        createdAt: now - 3000,
        expiresAt: now + 60_000,
        userAgent: "browser a1",
        address: null,
        lastUsedAt: null,
      },
    ]);
    expect(await store.sessions.listByUser("user_c", now)).toEqual([]);
  });

  it("note when a session was last used, and nothing for one that has ended", async () => {
    const store = await stores.open();
    await addTestUser(store, "user_a");
    await store.sessions.create(sampleSession("a1", "user_a"));
    await store.sessions.create(sampleSession("a2", "user_a"));
    await store.sessions.touch("a1", 5_000);
    await store.sessions.touch("a1", 7_000);
    await store.sessions.touch("gone", 7_000);
    expect(await store.sessions.get("a1")).toMatchObject({ lastUsedAt: 7_000 });
    expect(await store.sessions.get("a2")).toMatchObject({ lastUsedAt: null });
    expect(await store.sessions.get("gone")).toBeUndefined();
  });

  it("end one session only for the user it belongs to", async () => {
    const store = await stores.open();
    await addTestUser(store, "user_a");
    await addTestUser(store, "user_b");
    for (const [tokenHash, userId] of [
      ["a1", "user_a"],
      ["b1", "user_b"],
    ] as const) {
      await store.sessions.create(sampleSession(tokenHash, userId));
    }
    expect(await store.sessions.deleteOfUser("user_a", "b1")).toBe(false);
    expect(await store.sessions.get("b1")).toMatchObject({ userId: "user_b" });
    expect(await store.sessions.deleteOfUser("user_a", "a1")).toBe(true);
    expect(await store.sessions.get("a1")).toBeUndefined();
    expect(await store.sessions.deleteOfUser("user_a", "a1")).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import type { Principal } from "../../core/principal.js";
import { KeyPrincipalCache } from "./key-principal-cache.js";

const alice: Principal = { userId: "user_a", role: "user", via: "api-key", apiKeyId: "key_a" };
const bob: Principal = { userId: "user_b", role: "user", via: "api-key", apiKeyId: "key_b" };

describe("KeyPrincipalCache", () => {
  it("answers for a key only within the entry's lifetime, so a change made elsewhere takes effect", () => {
    const cache = new KeyPrincipalCache(5_000);
    cache.set("hash-a", alice, 1_000, cache.forgets);
    expect(cache.get("hash-a", 5_999)).toBe(alice);
    expect(cache.get("hash-a", 6_000)).toBeUndefined();
    expect(cache.get("hash-a", 1_000)).toBeUndefined();
  });

  it("never answers for a key past the key's own expiry, even within the entry's lifetime", () => {
    const cache = new KeyPrincipalCache(5_000);
    cache.set("hash-a", alice, 1_000, cache.forgets, 2_500);
    expect(cache.get("hash-a", 2_499)).toBe(alice);
    expect(cache.get("hash-a", 2_500)).toBeUndefined();
    cache.set("hash-b", bob, 1_000, cache.forgets, 60_000);
    expect(cache.get("hash-b", 6_000)).toBeUndefined();
  });

  it("asks once, half-way through an entry's lifetime, for a refresh, and answers meanwhile until it expires", () => {
    const cache = new KeyPrincipalCache(5_000);
    cache.set("hash-a", alice, 1_000, cache.forgets);
    expect(cache.dueForRefresh("hash-a", 3_499)).toBe(false);
    expect(cache.dueForRefresh("hash-a", 3_500)).toBe(true);
    expect(cache.dueForRefresh("hash-a", 3_600)).toBe(false);
    expect(cache.get("hash-a", 5_999)).toBe(alice);
    expect(cache.get("hash-a", 6_000)).toBeUndefined();
    expect(cache.dueForRefresh("hash-unknown", 3_500)).toBe(false);

    // A refresh that found the key still good starts a new lifetime; one that did not forgets it.
    cache.set("hash-a", alice, 3_500, cache.forgets);
    expect(cache.get("hash-a", 8_499)).toBe(alice);
    cache.forget("hash-a");
    expect(cache.get("hash-a", 3_600)).toBeUndefined();
  });

  it("forgets a revoked key and every key of a changed user at once", () => {
    const cache = new KeyPrincipalCache(5_000);
    cache.set("hash-a", alice, 0, cache.forgets);
    cache.set("hash-a2", { ...alice, apiKeyId: "key_a2" }, 0, cache.forgets);
    cache.set("hash-b", bob, 0, cache.forgets);
    cache.forgetKey("key_b");
    expect(cache.get("hash-b", 1)).toBeUndefined();
    expect(cache.get("hash-a", 1)).toBe(alice);
    cache.forgetUser("user_a");
    expect(cache.get("hash-a", 1)).toBeUndefined();
    expect(cache.get("hash-a2", 1)).toBeUndefined();
  });

  it("does not put back a key that was forgotten while its lookup was under way", () => {
    const cache = new KeyPrincipalCache(5_000);
    // A lookup begins (as a request's, or a refresh's), reads the key as good, and is slower than a revocation.
    const forgetsBefore = cache.forgets;
    cache.forgetKey("key_a");
    cache.set("hash-a", alice, 0, forgetsBefore);
    expect(cache.get("hash-a", 1)).toBeUndefined();

    // A lookup that began after the revocation is kept.
    cache.set("hash-a", alice, 0, cache.forgets);
    expect(cache.get("hash-a", 1)).toBe(alice);
  });
});

import { describe, expect, it } from "vitest";
import { hashPassword, newSecretToken, sha256Hex, verifyPassword } from "./secret-hash.js";

describe("password hashing", () => {
  it("verifies the right password and refuses a wrong one, with a fresh salt each time", async () => {
    const stored = await hashPassword("correct horse battery staple");
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword("correct horse battery staple", stored)).toBe(true);
    expect(await verifyPassword("correct horse battery stapler", stored)).toBe(false);
    expect(await hashPassword("correct horse battery staple")).not.toBe(stored);
  });

  it("refuses anything that is not a scrypt hash", async () => {
    expect(await verifyPassword("x", "plaintext")).toBe(false);
    expect(await verifyPassword("x", "")).toBe(false);
  });
});

describe("tokens", () => {
  it("are random, prefixed and hashed to hex", () => {
    const token = newSecretToken("pk_");
    expect(token).toMatch(/^pk_[A-Za-z0-9_-]{43}$/);
    expect(newSecretToken("pk_")).not.toBe(token);
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

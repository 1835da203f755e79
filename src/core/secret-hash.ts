/** Hashes for secrets: scrypt for passwords (slow on purpose), SHA-256 for random tokens and keys (already strong). */
import { hash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { ServerBusyError } from "./app-error.js";
import { ConcurrencyGate, type GateLimits } from "./concurrency-gate.js";

const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 32 } as const;

/**
 * Every scrypt hash of this process passes here. Each takes a core for tens of milliseconds, on libuv's pool of four
 * threads: unbounded, a flood of sign-ins (each with a new email, so no per-account limit applies) would take every
 * core from the replies being streamed, and the pool from file reads. One process, one gate.
 */
const hashing = new ConcurrencyGate(
  { concurrency: 1, queue: 32 },
  () => new ServerBusyError("Too many passwords are being checked right now; try again in a moment."),
);

/** How many password hashes run at once, and how many more may wait; read from the config at start. */
export function limitPasswordHashing(limits: GateLimits): void {
  hashing.setLimits(limits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p);
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString("base64"), hash.toString("base64")].join("$");
}

/** Constant-time; false for any stored value that is not a scrypt hash this code wrote. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = await scryptAsync(password, Buffer.from(salt, "base64"), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A random token with a readable prefix, e.g. `pk_3f9a...` for API keys. */
export function newSecretToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString("base64url")}`;
}

/** One call, no Hash object: every API request hashes its key (Node's one-shot `hash`, from 20.12). */
export function sha256Hex(text: string): string {
  return hash("sha256", text, "hex");
}

function scryptAsync(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return hashing.run(
    () =>
      new Promise((resolve, reject) => {
        scrypt(password, salt, SCRYPT.keyLength, { N, r, p, maxmem: 64 * 1024 * 1024 }, (error, key) =>
          error ? reject(error) : resolve(key),
        );
      }),
  );
}

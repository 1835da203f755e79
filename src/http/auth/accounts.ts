/** Creating accounts, signing in and issuing API keys: the rules shared by the HTTP routes and the CLI. */
import { type ApiKey, type ApiKeyLimits, publicApiKey } from "../../core/api-key.js";
import { BadRequestError, NotFoundError } from "../../core/app-error.js";
import { newId } from "../../core/ids.js";
import type { ParleyStore } from "../../core/parley-store.js";
import { hashPassword, newSecretToken, sha256Hex, verifyPassword } from "../../core/secret-hash.js";
import { MIN_PASSWORD_LENGTH, type User, type UserRole } from "../../core/user.js";
import { AccountDisabledError, UnauthenticatedError } from "./authenticate.js";

/** Compared against when no account matches, so a wrong email costs as long as a wrong password. */
const DECOY_HASH = await hashPassword("decoy password that matches nothing");

export async function createAccount(
  store: ParleyStore,
  input: { email: string; password: string; role: UserRole },
): Promise<User> {
  const email = input.email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(email))
    throw new BadRequestError(`${JSON.stringify(input.email)} is not an email address.`);
  const user: User = {
    id: newId("user"),
    email,
    role: input.role,
    passwordHash: await passwordHashOf(input.password),
    requestsPerMinute: null,
    tokensPerDay: null,
    createdAt: Date.now(),
    disabledAt: null,
  };
  await store.users.create(user);
  return user;
}

/** The hash to store for a new password, once it is long enough. */
async function passwordHashOf(password: string): Promise<string> {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new BadRequestError(`The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`);
  }
  return hashPassword(password);
}

/**
 * Sets the user's password and ends their sessions, all but `keepSessionHash` (the one that set it, if any): whoever
 * signed in with the old password is signed out.
 */
export async function setPassword(
  store: ParleyStore,
  userId: string,
  password: string,
  keepSessionHash?: string,
): Promise<void> {
  await store.users.update(userId, { passwordHash: await passwordHashOf(password) });
  await store.sessions.deleteByUser(userId, keepSessionHash);
}

/** The user whose email and password match; one message for every failure, so accounts cannot be probed. */
export async function checkPassword(store: ParleyStore, email: string, password: string): Promise<User> {
  const user = await store.users.getByEmail(email);
  const valid = await verifyPassword(password, user?.passwordHash ?? DECOY_HASH);
  if (!user || !valid) throw new UnauthenticatedError("The email or the password is wrong.");
  if (user.disabledAt !== null) throw new AccountDisabledError();
  return user;
}

/** What deleting an account took with it, and what it passed on. */
export type DeletedAccount = { conversations: number; files: number; bots: number; botsPassedOn: number };

/**
 * Deletes the account and everything it owns, in one transaction: its conversations (with their messages, replies and
 * event logs), uploaded files, private bots, usage ledgers, sessions and API keys. Bots it shared (by link or with
 * everyone) pass to `heirId`, so others' conversations with them keep their bot. NotFoundError for no such account.
 */
export async function deleteAccount(
  store: ParleyStore,
  userId: string,
  heirId: string,
): Promise<DeletedAccount> {
  return store.transaction(async (transaction) => {
    if (!(await transaction.users.get(userId))) throw new NotFoundError("User", userId);
    // The keys' ledger is found through the keys, so it goes before they do.
    await transaction.usage.deleteByUser(userId);
    const conversations = await transaction.conversations.deleteByUser(userId);
    const files = await transaction.files.deleteByUser(userId);
    const botsPassedOn = await transaction.bots.reassign(userId, heirId, ["link", "everyone"]);
    const bots = await transaction.bots.deleteByOwner(userId);
    await transaction.users.delete(userId);
    return { conversations, files, bots, botsPassedOn };
  });
}

/** Enough of a User-Agent to tell browsers apart; the rest is not worth a row's space. */
const USER_AGENT_LENGTH = 300;

/** A new session token for the user; only its hash is stored, with which browser and address signed in. */
export async function startSession(
  store: ParleyStore,
  userId: string,
  days: number,
  client: { userAgent: string | undefined; address: string | undefined },
): Promise<{ token: string; maxAgeSeconds: number }> {
  const token = newSecretToken("ps_");
  const now = Date.now();
  const maxAgeSeconds = days * 86_400;
  await store.sessions.create({
    tokenHash: sha256Hex(token),
    userId,
    createdAt: now,
    expiresAt: now + maxAgeSeconds * 1000,
    userAgent: client.userAgent ? client.userAgent.slice(0, USER_AGENT_LENGTH) : null,
    address: client.address || null,
    lastUsedAt: null,
  });
  return { token, maxAgeSeconds };
}

/**
 * A new API key, held to `limits` within its user's own (none: only the user's apply); the key itself is returned
 * this once and never again.
 */
export async function createApiKey(
  store: ParleyStore,
  userId: string,
  name: string,
  limits: Partial<ApiKeyLimits> = {},
  /** Days until the key stops working by itself; none: it works until revoked. */
  expiresInDays?: number,
  /** The model ids the key may use, already checked against what the server serves; null: every model. */
  models: readonly string[] | null = null,
) {
  const key = newSecretToken("pk_");
  const now = Date.now();
  const record: ApiKey = {
    id: newId("key"),
    userId,
    name: name.trim() || "API key",
    prefix: key.slice(0, 10),
    keyHash: sha256Hex(key),
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
    expiresAt: expiresInDays === undefined ? null : now + expiresInDays * 86_400_000,
    requestsPerMinute: limits.requestsPerMinute ?? null,
    tokensPerDay: limits.tokensPerDay ?? null,
    models: models === null ? null : [...new Set(models)],
  };
  await store.apiKeys.create(record);
  return { ...publicApiKey(record), key };
}

/**
 * The API keys and usage pages' part of the API, apart from parley-api.ts so that the chat page, which loads those
 * pages on demand, does not carry it.
 */
import type { ApiKeyLimits, PublicApiKey } from "../../../src/core/api-key.js";
import type { UsageTotal } from "../../../src/core/parley-store.js";
import type { PublicSession } from "../../../src/core/session.js";
import type { PublicUser, UserRole } from "../../../src/core/user.js";
import { requestJson } from "./parley-api.js";

/** An API key as listed: never the key itself, which is shown once, when created. */
export type ApiKeyListing = PublicApiKey;

export type CreatedApiKey = ApiKeyListing & { key: string };

export function listApiKeys(): Promise<ApiKeyListing[]> {
  return requestJson<{ keys: ApiKeyListing[] }>("/api/keys").then((body) => body.keys);
}

/**
 * A new key; `limits` hold it to less than the account may use (unset: the account's limits only); `expiresInDays`:
 * when the key stops working by itself (none: it works until revoked); `models`: the only models it may use (none
 * or empty: every model).
 */
export function createApiKey(
  name: string,
  limits: Partial<ApiKeyLimits> = {},
  expiresInDays?: number,
  models?: readonly string[],
): Promise<CreatedApiKey> {
  return requestJson("/api/keys", {
    method: "POST",
    body: JSON.stringify({
      name,
      ...limits,
      ...(expiresInDays !== undefined && { expiresInDays }),
      ...(models !== undefined && models.length > 0 && { models }),
    }),
  });
}

export function revokeApiKey(id: string): Promise<void> {
  return requestJson(`/api/keys/${encodeURIComponent(id)}`, { method: "DELETE" });
}

/** An admin's view of another account's keys (never the keys themselves). */
export function listUserApiKeys(userId: string): Promise<ApiKeyListing[]> {
  return requestJson<{ keys: ApiKeyListing[] }>(`/api/users/${encodeURIComponent(userId)}/keys`).then(
    (body) => body.keys,
  );
}

/** An admin revokes another account's key (one that leaked); the account and its other keys go on. */
export function revokeUserApiKey(userId: string, keyId: string): Promise<void> {
  return requestJson(`/api/users/${encodeURIComponent(userId)}/keys/${encodeURIComponent(keyId)}`, {
    method: "DELETE",
  });
}

/** Where the signed-in user is signed in, newest first. */
export function listSessions(): Promise<PublicSession[]> {
  return requestJson<{ sessions: PublicSession[] }>("/api/auth/sessions").then((body) => body.sessions);
}

/** Signs that session out at once. */
export function endSession(id: string): Promise<void> {
  return requestJson(`/api/auth/sessions/${encodeURIComponent(id)}`, { method: "DELETE" });
}

/** Signs out every session of the user but this one; how many ended. */
export function endOtherSessions(): Promise<number> {
  return requestJson<{ ended: number }>("/api/auth/sessions", { method: "DELETE" }).then(
    (body) => body.ended,
  );
}

export type UsageDay = UsageTotal;

export type UsageReport = {
  /** The first and last UTC day of the report, YYYY-MM-DD, both included. */
  from: string;
  to: string;
  days: UsageDay[];
  totals: Omit<UsageDay, "day" | "model">;
};

/** Tokens and cost by UTC day and model, from `from` to `to` (YYYY-MM-DD, both included). */
export function getUsage(from: string, to: string, signal?: AbortSignal): Promise<UsageReport> {
  const query = new URLSearchParams({ from, to });
  return requestJson(`/api/usage?${query}`, { ...(signal && { signal }) });
}

/** Every account on the server (admins only). */
export function listUsers(): Promise<PublicUser[]> {
  return requestJson<{ users: PublicUser[] }>("/api/users").then((body) => body.users);
}

export function createUser(input: { email: string; password: string; role: UserRole }): Promise<PublicUser> {
  return requestJson<{ user: PublicUser }>("/api/users", {
    method: "POST",
    body: JSON.stringify(input),
  }).then((body) => body.user);
}

/**
 * A user's role and limits (admins only), a limit set to null taking the server's default; `disabled` disables the
 * account or enables it again; `password` is a new one for someone who forgot theirs.
 */
export type UserChanges = Partial<Pick<PublicUser, "role" | "requestsPerMinute" | "tokensPerDay">> & {
  disabled?: boolean;
  password?: string;
};

/** What deleting an account took with it, and how many of its bots passed to the admin who deleted it. */
export type DeletedAccount = { conversations: number; files: number; bots: number; botsPassedOn: number };

/** Deletes the account and everything it owns; its shared bots pass to the admin asking. */
export function deleteUser(id: string): Promise<DeletedAccount> {
  return requestJson<{ deleted: DeletedAccount }>(`/api/users/${encodeURIComponent(id)}`, {
    method: "DELETE",
  }).then((body) => body.deleted);
}

export function updateUser(id: string, changes: UserChanges): Promise<PublicUser> {
  return requestJson<{ user: PublicUser }>(`/api/users/${encodeURIComponent(id)}`, {
    method: "PATCH",
    body: JSON.stringify(changes),
  }).then((body) => body.user);
}

/** A new password for the signed-in user, given the current one; the user's other sessions end. */
export function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  return requestJson("/api/auth/password", {
    method: "POST",
    body: JSON.stringify({ currentPassword, newPassword }),
  });
}

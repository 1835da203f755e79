/**
 * /api/keys: a user's API keys: create (the key is shown once), list, limit, revoke. /api/users/:id/keys: an admin
 * lists anyone's keys and revokes one (a key that leaked), without disabling its account.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { publicApiKey } from "../../core/api-key.js";
import { BadRequestError, NotFoundError } from "../../core/app-error.js";
import type { ParleyStore } from "../../core/parley-store.js";
import { createApiKey } from "../auth/accounts.js";
import type { KeyPrincipalCache } from "../auth/key-principal-cache.js";
import { adminOf, principalOf } from "../auth/request-principal.js";
import { parseInput } from "../parse-body.js";

/** A key's own limits, within its user's; null lifts one (the user's limits still apply). */
const keyLimits = {
  requestsPerMinute: z.number().int().min(1).nullable().optional(),
  tokensPerDay: z.number().int().min(1).nullable().optional(),
};
/** Up to ten years: longer is "never", which is leaving it out. */
const MAX_EXPIRY_DAYS = 3650;
const createBody = z.object({
  name: z.string().max(200).default(""),
  ...keyLimits,
  expiresInDays: z.number().positive().max(MAX_EXPIRY_DAYS).optional(),
});
const patchBody = z.object(keyLimits);
const keyParams = z.object({ id: z.string().min(1).max(200) });
const userKeyParams = z.object({ id: z.string().min(1).max(200), keyId: z.string().min(1).max(200) });

export function registerKeyRoutes(
  app: FastifyInstance,
  deps: { store: ParleyStore; keys: KeyPrincipalCache },
): void {
  const { store, keys } = deps;

  app.post("/api/keys", async (request, reply) => {
    const { userId, via } = principalOf(request);
    if (via === "single-user") {
      throw new BadRequestError(
        "This server runs in single-user mode (--no-auth), which needs no API keys and has no accounts to give them to.",
        { code: "single_user_mode" },
      );
    }
    const { name, expiresInDays, ...limits } = parseInput(createBody, request.body);
    reply.status(201);
    return createApiKey(store, userId, name, limits, expiresInDays);
  });

  app.patch("/api/keys/:id", async (request) => {
    const { userId } = principalOf(request);
    const { id } = parseInput(keyParams, request.params, "path");
    const limits = parseInput(patchBody, request.body);
    const key = await store.apiKeys.setLimits(userId, id, limits);
    if (!key) throw new NotFoundError("API key", id);
    // The next request with the key is held to its new limits, not to what the cache read before.
    keys.forgetKey(id);
    return publicApiKey(key);
  });

  app.get("/api/keys", async (request) => {
    const { userId } = principalOf(request);
    return { keys: (await store.apiKeys.listByUser(userId)).map(publicApiKey) };
  });

  app.delete("/api/keys/:id", async (request, reply) => {
    const { userId } = principalOf(request);
    const { id } = parseInput(keyParams, request.params, "path");
    await revoke(userId, id);
    reply.status(204).send();
  });

  app.get("/api/users/:id/keys", async (request) => {
    adminOf(request);
    const { id } = parseInput(keyParams, request.params, "path");
    if (!(await store.users.get(id))) throw new NotFoundError("User", id);
    return { keys: (await store.apiKeys.listByUser(id)).map(publicApiKey) };
  });

  app.delete("/api/users/:id/keys/:keyId", async (request, reply) => {
    adminOf(request);
    const { id, keyId } = parseInput(userKeyParams, request.params, "path");
    await revoke(id, keyId);
    reply.status(204).send();
  });

  /** Revokes the user's key; the next request with it is refused, whatever the cache held. */
  async function revoke(userId: string, keyId: string): Promise<void> {
    if (!(await store.apiKeys.revoke(userId, keyId, Date.now()))) throw new NotFoundError("API key", keyId);
    keys.forgetKey(keyId);
  }
}

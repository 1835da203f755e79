/**
 * /api/keys: a user's API keys: create (the key is shown once, its models set for good), list, limit, revoke. /api/users/:id/keys: an admin
 * lists anyone's keys and revokes one (a key that leaked), without disabling its account.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { publicApiKey } from "../../core/api-key.js";
import { BadRequestError, NotFoundError } from "../../core/app-error.js";
import type { ParleyStore } from "../../core/parley-store.js";
import { createApiKey } from "../auth/accounts.js";
import { checkedKeyModels } from "../auth/key-model-choice.js";
import type { KeyPrincipalCache } from "../auth/key-principal-cache.js";
import { adminOf, principalOf } from "../auth/request-principal.js";
import type { ServedModelsConfig } from "../compatible/served-models.js";
import { parseInput } from "../parse-body.js";

/** A key's own limits, within its user's; null lifts one (the user's limits still apply). */
const keyLimits = {
  requestsPerMinute: z.number().int().min(1).nullable().optional(),
  tokensPerDay: z.number().int().min(1).nullable().optional(),
};
/** Up to ten years: longer is "never", which is leaving it out. */
const MAX_EXPIRY_DAYS = 3650;
/** More than any server serves; a bound on what one request may make the server check. */
const MAX_KEY_MODELS = 200;
const createBody = z.object({
  name: z.string().max(200).default(""),
  ...keyLimits,
  expiresInDays: z.number().positive().max(MAX_EXPIRY_DAYS).optional(),
  /** The model ids the key may use; absent or null: every model. */
  models: z
    .array(z.string().min(1).max(200))
    .min(1, "must name at least one model (leave it out for a key that may use every model)")
    .max(MAX_KEY_MODELS)
    .nullable()
    .optional(),
});
const patchBody = z.object({
  ...keyLimits,
  // Scripts hold a key for what it may do: one that could suddenly do more (or less) would surprise them.
  models: z
    .never("cannot be changed once the key is made; make a new key with the models it should use")
    .optional(),
});
const keyParams = z.object({ id: z.string().min(1).max(200) });
const userKeyParams = z.object({ id: z.string().min(1).max(200), keyId: z.string().min(1).max(200) });

export function registerKeyRoutes(
  app: FastifyInstance,
  deps: ServedModelsConfig & { store: ParleyStore; keys: KeyPrincipalCache },
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
    const { name, expiresInDays, models, ...limits } = parseInput(createBody, request.body);
    const checked = models ? await checkedKeyModels(models, deps, principalOf(request)) : null;
    reply.status(201);
    return createApiKey(store, userId, name, limits, expiresInDays, checked);
  });

  app.patch("/api/keys/:id", async (request) => {
    const { userId } = principalOf(request);
    const { id } = parseInput(keyParams, request.params, "path");
    const { models: _unchangeable, ...limits } = parseInput(patchBody, request.body);
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

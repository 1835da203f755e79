/** /api/models: the catalog with each model's live status and measured speed; a key held to some models sees those. */
import type { FastifyInstance } from "fastify";
import { keyMayUse } from "../../core/key-models.js";
import { type ModelCatalog, NO_MODEL_HINT } from "../../runs/model-catalog.js";
import { principalOf } from "../auth/request-principal.js";

export function registerModelRoutes(app: FastifyInstance, deps: { catalog: ModelCatalog }): void {
  app.get("/api/models", async (request) => {
    // With a key held to some models, only those.
    const { keyModels } = principalOf(request);
    const models = deps.catalog.list().filter((model) => keyMayUse(keyModels, model.id));
    return { models, ...(deps.catalog.size === 0 && { hint: NO_MODEL_HINT }) };
  });
}

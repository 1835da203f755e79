/** /api/models: the catalog with each model's live status and measured speed. */
import type { FastifyInstance } from "fastify";
import { type ModelCatalog, NO_MODEL_HINT } from "../../runs/model-catalog.js";

export function registerModelRoutes(app: FastifyInstance, deps: { catalog: ModelCatalog }): void {
  app.get("/api/models", async () => {
    const models = deps.catalog.list();
    return { models, ...(models.length === 0 && { hint: NO_MODEL_HINT }) };
  });
}

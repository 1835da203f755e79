/** GET /v1/models: the catalog as the OpenAI API lists models, or as Anthropic's when its client asks. */
import type { FastifyInstance } from "fastify";
import type { ModelCatalog } from "../../runs/model-catalog.js";

export function registerCompatibleModelsRoutes(app: FastifyInstance, deps: { catalog: ModelCatalog }) {
  app.get("/v1/models", async (request) => {
    // `auto` lets Parley pick the cheapest model that fits each request.
    const models = [
      { id: "auto", label: "Auto (Parley chooses)", provider: "parley" },
      ...deps.catalog.list(),
    ];
    // Anthropic's SDK always sends its API version; OpenAI's never does.
    if (request.headers["anthropic-version"] !== undefined) {
      const data = models.map((model) => ({
        type: "model",
        id: model.id,
        display_name: model.label,
        created_at: new Date(0).toISOString(),
      }));
      return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
    }
    return {
      object: "list",
      data: models.map((model) => ({ id: model.id, object: "model", created: 0, owned_by: model.provider })),
    };
  });
}

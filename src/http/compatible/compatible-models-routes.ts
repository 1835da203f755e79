/** GET /v1/models: the catalog (and the caller's bots) as the OpenAI API lists models, or as Anthropic's when its client asks. */
import type { FastifyInstance } from "fastify";
import type { BotService } from "../../bots/bot-service.js";
import { botModelName } from "../../core/bot.js";
import { canUseBot } from "../../core/bot-access.js";
import type { ModelCatalog } from "../../runs/model-catalog.js";
import { principalOf } from "../auth/request-principal.js";

export function registerCompatibleModelsRoutes(
  app: FastifyInstance,
  deps: { catalog: ModelCatalog; bots: BotService },
) {
  app.get("/v1/models", async (request) => {
    const principal = principalOf(request);
    // Bots answer as `bot:<slug>`: the caller's own and those shared with everyone (not `link` ones: unlisted).
    const bots = (await deps.bots.list(principal))
      .filter((bot) => canUseBot(bot, principal.userId))
      .map((bot) => ({ id: botModelName(bot.slug), label: bot.name, provider: "parley-bot" }));
    // `auto` lets Parley pick the cheapest model that fits each request.
    const models = [
      { id: "auto", label: "Auto (Parley chooses)", provider: "parley" },
      ...deps.catalog.list(),
      ...bots,
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

/**
 * GET /v1/models and GET /v1/models/:model: the catalog (and the caller's bots, and the embedding models) as the
 * OpenAI API lists and retrieves models, or as Anthropic's does when its client asks.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { BotService } from "../../bots/bot-service.js";
import { NotFoundError } from "../../core/app-error.js";
import { botModelName } from "../../core/bot.js";
import { canUseBot } from "../../core/bot-access.js";
import type { EmbeddingCatalog } from "../../runs/embedding-catalog.js";
import type { ModelCatalog } from "../../runs/model-catalog.js";
import { principalOf } from "../auth/request-principal.js";
import { parseInput } from "../parse-body.js";
import { handleAnthropicError, handleOpenAIError } from "./compatible-error.js";

type ListedModel = { id: string; label: string; provider: string };

const modelParams = z.object({ model: z.string().min(1).max(200) });

export function registerCompatibleModelsRoutes(
  app: FastifyInstance,
  deps: { catalog: ModelCatalog; embeddings: EmbeddingCatalog; bots: BotService },
) {
  const modelsOf = async (request: FastifyRequest): Promise<ListedModel[]> => {
    const principal = principalOf(request);
    // Bots answer as `bot:<slug>`: the caller's own and those shared with everyone (not `link` ones: unlisted).
    const bots = (await deps.bots.list(principal))
      .filter((bot) => canUseBot(bot, principal.userId))
      .map((bot) => ({ id: botModelName(bot.slug), label: bot.name, provider: "parley-bot" }));
    // `auto` lets Parley pick the cheapest model that fits each request.
    return [
      { id: "auto", label: "Auto (Parley chooses)", provider: "parley" },
      ...deps.catalog.list(),
      ...bots,
      // For /v1/embeddings only.
      ...deps.embeddings.list().map((model) => ({ ...model, provider: "parley-embedding" })),
    ];
  };

  app.register(async (scope) => {
    scope.setErrorHandler((error, request, reply) =>
      fromAnthropicClient(request)
        ? handleAnthropicError(error, request, reply)
        : handleOpenAIError(error, request, reply),
    );

    scope.get("/v1/models", async (request) => {
      const models = await modelsOf(request);
      if (fromAnthropicClient(request)) {
        const data = models.map(anthropicModel);
        return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
      }
      return { object: "list", data: models.map(openAIModel) };
    });

    // Bot models hold a colon, which clients send as it is or percent-encoded; the router decodes either.
    scope.get("/v1/models/:model", async (request) => {
      const { model: id } = parseInput(modelParams, request.params, "path");
      const model = (await modelsOf(request)).find((listed) => listed.id === id);
      if (!model) throw new NotFoundError("Model", id);
      return fromAnthropicClient(request) ? anthropicModel(model) : openAIModel(model);
    });
  });
}

/** Anthropic's SDK always sends its API version; OpenAI's never does. */
function fromAnthropicClient(request: FastifyRequest): boolean {
  return request.headers["anthropic-version"] !== undefined;
}

function openAIModel(model: ListedModel) {
  return { id: model.id, object: "model", created: 0, owned_by: model.provider };
}

function anthropicModel(model: ListedModel) {
  return { type: "model", id: model.id, display_name: model.label, created_at: new Date(0).toISOString() };
}

/**
 * GET /v1/models and GET /v1/models/:model: the catalog (and the caller's bots, and the embedding models) as the
 * OpenAI API lists and retrieves models, or as Anthropic's does when its client asks.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { NotFoundError } from "../../core/app-error.js";
import { keyMayUse } from "../../core/key-models.js";
import { principalOf } from "../auth/request-principal.js";
import { parseInput } from "../parse-body.js";
import { handleAnthropicError, handleOpenAIError } from "./compatible-error.js";
import { type ServedModel, type ServedModelsConfig, servedModels } from "./served-models.js";

const modelParams = z.object({ model: z.string().min(1).max(200) });

export function registerCompatibleModelsRoutes(app: FastifyInstance, deps: ServedModelsConfig) {
  /** What the caller may use: with a key held to some models, only those. */
  const modelsOf = async (request: FastifyRequest): Promise<ServedModel[]> => {
    const principal = principalOf(request);
    return (await servedModels(deps, principal)).filter((model) => keyMayUse(principal.keyModels, model.id));
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

function openAIModel(model: ServedModel) {
  return { id: model.id, object: "model", created: 0, owned_by: model.provider };
}

function anthropicModel(model: ServedModel) {
  return { type: "model", id: model.id, display_name: model.label, created_at: new Date(0).toISOString() };
}

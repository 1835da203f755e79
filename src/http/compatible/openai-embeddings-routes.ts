/**
 * POST /v1/embeddings: Parley's embedding models in the OpenAI Embeddings format, for the tools that index documents
 * (retrieval pipelines, editors indexing a codebase) with the same keys, limits and quotas as chat.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { BadRequestError } from "../../core/app-error.js";
import type { ParleyStore } from "../../core/parley-store.js";
import type { EmbeddingCatalog } from "../../runs/embedding-catalog.js";
import { assertKeyMayAsk } from "../auth/assert-key-may-ask.js";
import { principalOf } from "../auth/request-principal.js";
import { parseInput } from "../parse-body.js";
import type { RunAdmission } from "../run-admission.js";
import { handleOpenAIError } from "./compatible-error.js";
import type { ServedModelsConfig } from "./served-models.js";

/** OpenAI's limit of inputs per request. */
const MAX_INPUTS = 2048;

const body = z.object({
  model: z.string().min(1),
  // Checked text by text in textsOf, so that each refusal names the one input that is wrong.
  input: z.union(
    [
      z.string(),
      z
        .array(z.unknown())
        .min(1, "must hold at least one text")
        .max(MAX_INPUTS, `must hold at most ${MAX_INPUTS} texts`),
    ],
    "must be a string or an array of strings",
  ),
  encoding_format: z.enum(["float", "base64"]).nullish(),
  dimensions: z.number().int().positive().nullish(),
  user: z.string().nullish(),
});

export function registerOpenAIEmbeddingsRoutes(
  app: FastifyInstance,
  deps: ServedModelsConfig & { store: ParleyStore; embeddings: EmbeddingCatalog; admission: RunAdmission },
) {
  app.register(async (scope) => {
    scope.setErrorHandler(handleOpenAIError);
    scope.post("/v1/embeddings", async (request, reply) => {
      const { model, input, encoding_format: encoding, dimensions } = parseInput(body, request.body);
      const principal = principalOf(request);
      // Refused before it takes any of the key's limits.
      await assertKeyMayAsk(deps, principal, model);
      await deps.admission.admit(principal);
      // A client that leaves cancels the engine's work for it.
      const leave = new AbortController();
      reply.raw.once("close", () => {
        if (!reply.raw.writableFinished) leave.abort();
      });
      const texts = textsOf(input);
      const { vectors, inputTokens } = await deps.embeddings.embed({
        model,
        texts,
        ...(dimensions != null && { dimensions }),
        userId: principal.userId,
        ...(principal.apiKeyId !== undefined && { apiKeyId: principal.apiKeyId }),
        signal: leave.signal,
      });
      return {
        object: "list",
        data: vectors.map((vector, index) => ({
          object: "embedding",
          index,
          // base64: the float32 values' little-endian bytes, as OpenAI sends them (and its SDK asks by default).
          embedding: encoding === "base64" ? base64Of(vector) : Array.from(vector),
        })),
        model,
        usage: { prompt_tokens: inputTokens ?? 0, total_tokens: inputTokens ?? 0 },
      };
    });
  });
}

function textsOf(input: string | unknown[]): string[] {
  if (typeof input === "string") {
    if (input === "") throw invalidInput("`input`: must not be an empty string");
    return [input];
  }
  return input.map((item, index) => {
    // Token ids are another model's tokens: Parley embeds text, so it says so rather than guess.
    if (typeof item === "number" || Array.isArray(item)) {
      throw invalidInput(
        "`input`: token ids are not supported: send the text itself (a string or an array of strings)",
      );
    }
    if (typeof item !== "string") throw invalidInput(`\`input.${index}\`: must be a string`);
    if (item === "") throw invalidInput(`\`input.${index}\`: must not be an empty string`);
    return item;
  });
}

function invalidInput(message: string): BadRequestError {
  return new BadRequestError(`Invalid request body: ${message}.`, { code: "invalid_request" });
}

function base64Of(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString("base64");
}

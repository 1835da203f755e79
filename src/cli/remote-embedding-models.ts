/**
 * The embedding models of OpenAI-compatible providers (models marked `embedding: true`): served at `/v1/embeddings`
 * through the provider's base URL or endpoints, key, headers and timeout. Anthropic's API has none (the config
 * schema refuses them there).
 */
import type { ProviderConfig } from "../config/config-schema.js";
import { OpenAICompatibleEmbedder } from "../providers/openai-compatible/openai-compatible-embedder.js";
import { RoundRobinEmbedder } from "../providers/round-robin-embedder.js";
import type { EmbeddingModelEntry } from "../runs/embedding-catalog.js";
import type { ModelStatus } from "../runs/model-catalog.js";

/** A remote model is called when asked; whether it answers is known only then. */
const READY: ModelStatus = { state: "ready" };

export function remoteEmbeddingModels(providers: readonly ProviderConfig[]): EmbeddingModelEntry[] {
  return providers.flatMap((provider) => {
    if (provider.type !== "openai-compatible") return [];
    const urls = provider.endpoints ?? [provider.baseURL as string];
    return provider.models
      .filter((model) => model.embedding)
      .map((model): EmbeddingModelEntry => {
        const endpoints = urls.map(
          (baseURL) =>
            new OpenAICompatibleEmbedder({
              model: model.id,
              upstreamModel: model.upstreamModel ?? model.id,
              baseURL,
              ...(provider.apiKey !== undefined && { apiKey: provider.apiKey }),
              headers: provider.headers,
              timeoutMs: provider.timeoutMs,
              // OpenAI's API refuses fields it does not know; a remote model refuses a text too long instead.
              supportsTruncate: false,
            }),
        );
        return {
          id: model.id,
          label: model.label ?? model.id,
          embedder: new RoundRobinEmbedder(endpoints),
          status: () => READY,
          supportsDimensions: true,
          pricing: { inputPerMillion: model.pricing.input, outputPerMillion: model.pricing.output },
        };
      });
  });
}

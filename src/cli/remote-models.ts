/** Describes the models of remote providers (OpenAI-compatible servers) as catalog entries. */
import type { ProviderConfig, RemoteModelConfig } from "../config/config-schema.js";
import { OpenAICompatibleChatModel } from "../providers/openai-compatible/openai-compatible-chat-model.js";
import type { CatalogEntry, ModelInfo } from "../runs/model-catalog.js";

export function remoteModelEntries(providers: readonly ProviderConfig[]): CatalogEntry[] {
  return providers.flatMap((provider) => {
    if (provider.type !== "openai-compatible") return [];
    const endpoints = provider.endpoints ?? [provider.baseURL as string];
    let next = 0;
    // Requests take the provider's endpoints in turn, so a fleet of servers shares the load.
    const baseURL = () => endpoints[next++ % endpoints.length] as string;
    return provider.models.map((model) => ({
      info: infoOf(model, "openai-compatible"),
      chatModel: new OpenAICompatibleChatModel({
        modelId: model.upstreamModel ?? model.id,
        baseURL,
        ...(provider.apiKey !== undefined && { apiKey: provider.apiKey }),
        headers: provider.headers,
        timeoutMs: provider.timeoutMs,
      }),
      status: () => ({ state: "ready" as const }),
    }));
  });
}

function infoOf(model: RemoteModelConfig, provider: ModelInfo["provider"]): ModelInfo {
  return {
    id: model.id,
    label: model.label ?? model.id,
    provider,
    tier: model.tier,
    contextWindow: model.contextWindow,
    pricing: { inputPerMillion: model.pricing.input, outputPerMillion: model.pricing.output },
    modalities: model.modalities,
  };
}

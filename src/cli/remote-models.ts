/**
 * The chat models of remote providers (OpenAI-compatible servers and Anthropic), one endpoint per base URL; their
 * embedding models are served apart (remote-embedding-models.ts).
 */
import type { ProviderConfig, RemoteModelConfig } from "../config/config-schema.js";
import type { ChatModel } from "../providers/chat-model.js";
import { OpenAICompatibleChatModel } from "../providers/openai-compatible/openai-compatible-chat-model.js";
import type { ModelInfo, ModelStatus } from "../runs/model-catalog.js";
import { modelPricing } from "./model-pricing.js";
import type { ServedModel } from "./served-model.js";

export async function remoteModels(providers: readonly ProviderConfig[]): Promise<ServedModel[]> {
  // Anthropic's SDK is the largest module Parley has: loaded only for a configuration that names the provider.
  const anthropic = providers.some((provider) => provider.type === "anthropic")
    ? await import("../providers/anthropic/anthropic-chat-model.js")
    : undefined;
  return providers.flatMap((provider) =>
    provider.models.flatMap((model): ServedModel[] => {
      if (model.embedding) return [];
      const upstreamModel = model.upstreamModel ?? model.id;
      const urls =
        provider.type === "openai-compatible"
          ? (provider.endpoints ?? [provider.baseURL as string])
          : [provider.baseURL];
      const chatModelAt = (baseURL: string): ChatModel =>
        provider.type === "anthropic"
          ? new (anthropic as NonNullable<typeof anthropic>).AnthropicChatModel({
              modelId: upstreamModel,
              baseURL,
              ...(provider.apiKey !== undefined && { apiKey: provider.apiKey }),
              headers: provider.headers,
              ...(model.maxOutputTokens !== undefined && { defaultMaxOutputTokens: model.maxOutputTokens }),
              timeoutMs: provider.timeoutMs,
              promptCaching: provider.promptCaching,
            })
          : new OpenAICompatibleChatModel({
              modelId: upstreamModel,
              baseURL,
              ...(provider.apiKey !== undefined && { apiKey: provider.apiKey }),
              headers: provider.headers,
              timeoutMs: provider.timeoutMs,
              ...(provider.prefillRequestFields && { prefillRequestFields: provider.prefillRequestFields }),
              readsTopK: provider.readsTopK,
            });
      // Anthropic cannot answer without a key; say so in the catalog rather than fail every request.
      const status: ModelStatus =
        provider.type === "anthropic" && provider.apiKey === undefined
          ? {
              state: "failed",
              message: `no API key: set apiKey for provider ${provider.id} (e.g. \${ANTHROPIC_API_KEY})`,
            }
          : { state: "ready" };
      const served: ServedModel = {
        info: infoOf(model, provider.type),
        endpoints: urls.map((url) => ({
          endpointId: `${provider.id}:${url}`,
          chatModel: chatModelAt(url),
          supportsPrefill: provider.supportsPrefill,
        })),
        status: () => status,
        fallbacks: model.fallbacks,
      };
      return [served];
    }),
  );
}

function infoOf(model: RemoteModelConfig, provider: ModelInfo["provider"]): ModelInfo {
  return {
    id: model.id,
    label: model.label ?? model.id,
    provider,
    tier: model.tier,
    // The config schema requires it of every chat model; only embedding models go without.
    contextWindow: model.contextWindow as number,
    pricing: modelPricing(model.pricing, provider),
    modalities: model.modalities,
    // OpenAI and the servers that copy its API (vLLM, llama.cpp, Ollama, SGLang) take response_format; Anthropic's
    // API gives JSON as a forced tool call (see json-reply-tool.ts).
    structuredOutputs: model.structuredOutputs ?? true,
    toolCalls: model.toolCalls,
  };
}

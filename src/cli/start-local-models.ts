/**
 * Starts a supervised engine process for each local model and describes each chat model as a served model; an
 * embedding model's engine serves embeddings only and stays out of the chat catalog.
 */
import type { Logger } from "pino";
import type { LocalModelConfig } from "../config/config-schema.js";
import type { LoadedConfig } from "../config/load-config.js";
import { EngineSupervisor } from "../engine/engine-supervisor.js";
import { OpenAICompatibleChatModel } from "../providers/openai-compatible/openai-compatible-chat-model.js";
import { OpenAICompatibleEmbedder } from "../providers/openai-compatible/openai-compatible-embedder.js";
import { toOpenAIMessages } from "../providers/openai-compatible/to-openai-messages.js";
import type { EmbeddingModelEntry } from "../runs/embedding-catalog.js";
import type { ModelState } from "../runs/model-catalog.js";
import { modelPricing } from "./model-pricing.js";
import type { ServedModel } from "./served-model.js";

export type LocalModels = {
  /** The chat models. */
  models: ServedModel[];
  /** The embedding models. */
  embeddingModels: EmbeddingModelEntry[];
  /** The engine of a local model (chat or embedding), by id. */
  engine(modelId: string): EngineSupervisor | undefined;
  stop(): Promise<void>;
};

export function startLocalModels(
  models: readonly (Pick<LocalModelConfig, "id" | "file" | "tier"> &
    Partial<
      Pick<
        LocalModelConfig,
        "label" | "contextSize" | "sequences" | "threads" | "pricing" | "fallbacks" | "embedding"
      >
    >)[],
  engine: LoadedConfig["engine"],
  logger: Logger,
): LocalModels {
  const supervisors = models.map((model) => {
    const log = logger.child({ component: "engine", model: model.id });
    const contextSize = model.contextSize ?? engine.contextSize;
    const supervisor = new EngineSupervisor({
      modelPath: model.file,
      modelId: model.id,
      threads: model.threads ?? engine.threads,
      sequences: model.sequences ?? engine.sequences,
      contextSize,
      gpu: engine.gpu,
      embedding: model.embedding ?? false,
      log: (level, message) => log[level](message),
    });
    supervisor.onStatusChange((status) =>
      log.info({ status, error: supervisor.lastError }, `engine ${status}`),
    );
    const served: ServedModel = {
      info: {
        id: model.id,
        label: model.label ?? model.id,
        provider: "local",
        tier: model.tier ?? "fast",
        contextWindow: contextSize,
        // Local models cost nothing per token unless the owner prices their hardware in.
        pricing: modelPricing(model.pricing, "local"),
        modalities: ["text"],
        // The engine holds a reply to JSON with a grammar.
        structuredOutputs: true,
        // The engine calls tools in each model's own syntax through node-llama-cpp's function calling (its chat
        // wrapper renders the tools, earlier calls and results; grammars hold the name and arguments to the tools
        // offered) and answers with OpenAI's tool_calls, which the compatible client below parses like any upstream's.
        // How well a model chooses to call is its own: a tool_choice of "required" or a named tool is enforced.
        toolCalls: true,
      },
      endpoints: [
        {
          endpointId: `engine:${model.id}`,
          chatModel: new OpenAICompatibleChatModel({
            modelId: model.id,
            // The catalog hands out ready models only; an engine that died since then refuses the connection.
            baseURL: () => supervisor.baseURL ?? "http://127.0.0.1:1/v1",
            readsTopK: true,
          }),
          // The engine continues a final assistant message, so a cut reply can be finished on it.
          supportsPrefill: true,
        },
      ],
      fallbacks: model.fallbacks ?? [],
      countTokens: async (prompt) => {
        const response = await fetch(`${supervisor.baseURL}/tokenize`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          // In the shape a completion is sent in, so tool calls and results count as the engine renders them
          // (images are left out: local models read text only, and the engine refuses image parts).
          body: JSON.stringify({
            messages: toOpenAIMessages(prompt.map(({ images: _, ...message }) => message)),
          }),
          signal: AbortSignal.timeout(5000),
        });
        if (!response.ok) throw new Error(`the engine could not count tokens (HTTP ${response.status})`);
        return ((await response.json()) as { prompt_tokens: number }).prompt_tokens;
      },
      status: () => ({
        state: supervisor.status as ModelState,
        ...(supervisor.lastError !== undefined &&
          supervisor.status !== "ready" && { message: supervisor.lastError }),
      }),
    };
    const embedding: EmbeddingModelEntry | undefined = model.embedding
      ? {
          id: model.id,
          label: served.info.label,
          embedder: new OpenAICompatibleEmbedder({ model: model.id, baseURL: () => supervisor.baseURL }),
          status: served.status,
          supportsDimensions: false,
          pricing: served.info.pricing,
        }
      : undefined;
    return { supervisor, served, embedding };
  });
  for (const { supervisor } of supervisors) supervisor.start();
  return {
    models: supervisors.filter(({ embedding }) => !embedding).map(({ served }) => served),
    embeddingModels: supervisors.flatMap(({ embedding }) => (embedding ? [embedding] : [])),
    engine: (modelId) => supervisors.find(({ supervisor }) => supervisor.modelId === modelId)?.supervisor,
    stop: async () => {
      await Promise.all(supervisors.map(({ supervisor }) => supervisor.stop()));
    },
  };
}

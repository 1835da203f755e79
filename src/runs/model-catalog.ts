/** The models Parley serves: what each is, whether it can answer now, how fast it has been, and how to call it. */
import { BadRequestError, ModelUnavailableError } from "../core/app-error.js";
import type { Availability } from "../core/routing-policy.js";
import type { Timings } from "../core/run-event.js";
import type { Pricing } from "../core/usage-cost.js";
import type { ChatModel, ChatPrompt } from "../providers/chat-model.js";
import type { CircuitState } from "../providers/resilient/circuit-breaker.js";
import { ModelSpeed, type SpeedSummary } from "./model-speed.js";

export type ModelTier = "fast" | "balanced" | "smart";

export type ModelState = "ready" | "starting" | "restarting" | "failed" | "stopped";

export type ModelStatus = { state: ModelState; message?: string };

export type ModelInfo = {
  id: string;
  label: string;
  provider: "local" | "openai-compatible" | "anthropic";
  tier: ModelTier;
  contextWindow: number;
  pricing: Pricing;
  modalities: readonly ("text" | "image")[];
  /** Whether the model can be held to JSON replies (`response_format` json_object and json_schema). */
  structuredOutputs: boolean;
  /** Whether the model can call tools the request offers (`tools`). */
  toolCalls: boolean;
};

/** Whether the model thinks before it answers when asked (extended thinking): Anthropic's models do. */
export function thinks(info: Pick<ModelInfo, "provider">): boolean {
  return info.provider === "anthropic";
}

export type CatalogEntry = {
  info: ModelInfo;
  chatModel: ChatModel;
  status: () => ModelStatus;
  /** Exact prompt tokens, for models that can say (Parley's engine); others are estimated. */
  countTokens?: (prompt: ChatPrompt) => Promise<number>;
  /** The circuit breaker state of each of the model's own endpoints (not its fallbacks'), read live. */
  circuits?: () => readonly CircuitState[];
  /** Milliseconds until one of the model's own endpoints takes a call again (its breaker lets a trial through). */
  msUntilTrial?: () => number;
  /** True when the model is shut out only by breakers awaiting their trial call (its next call is that trial). */
  awaitingTrial?: () => boolean;
  /**
   * The model's chain with another served model's endpoints after its own (and its fallbacks'): for a trial call,
   * so that a model still failing does not cost its request the reply. Undefined for a model it does not serve.
   */
  withFallback?: (fallbackId: string) => ChatModel | undefined;
};

/**
 * Whether the model can answer now: `unavailable` when it is not ready or every endpoint's breaker is open (a
 * request then goes straight to its fallbacks, or fails), `degraded` when some endpoints are open or on trial.
 * `auto` routing reads it (core/routing-policy.ts), so it is defined there.
 */
export type { Availability };

export type CatalogListing = ModelInfo & {
  ready: boolean;
  status: ModelStatus;
  availability: Availability;
  /** The model's endpoints counted by breaker state. */
  circuits: { closed: number; halfOpen: number; open: number };
  /** Degraded only by breakers awaiting their trial call: `auto` sends it one, backed by another model. */
  awaitingTrial: boolean;
  speed: SpeedSummary;
};

/** Shown wherever Parley has no model to answer with. */
export const NO_MODEL_HINT =
  "No model is installed. Download one with `npm run parley -- pull qwen3-0.6b`, or serve a GGUF file you have with `npm start -- --model path/to/model.gguf` (or PARLEY_MODEL=path/to/model.gguf).";

export class ModelCatalog {
  readonly #entries: Map<string, CatalogEntry>;
  /** The ids of the embedding models served beside the catalog: named for a chat, they get an error of their own. */
  readonly #embeddingModels: ReadonlySet<string>;
  readonly #speed = new ModelSpeed();

  constructor(entries: readonly CatalogEntry[], options: { embeddingModels?: readonly string[] } = {}) {
    this.#entries = new Map(entries.map((entry) => [entry.info.id, entry]));
    this.#embeddingModels = new Set(options.embeddingModels);
  }

  get size(): number {
    return this.#entries.size;
  }

  has(modelId: string): boolean {
    return this.#entries.has(modelId);
  }

  info(modelId: string): ModelInfo | undefined {
    return this.#entries.get(modelId)?.info;
  }

  /** The entry whatever its status, for looking at a model rather than calling it. */
  entry(modelId: string): CatalogEntry | undefined {
    return this.#entries.get(modelId);
  }

  list(): CatalogListing[] {
    return [...this.#entries.values()].map((entry) => {
      const status = entry.status();
      const states = entry.circuits?.() ?? [];
      const circuits = {
        closed: states.filter((state) => state === "closed").length,
        halfOpen: states.filter((state) => state === "half-open").length,
        open: states.filter((state) => state === "open").length,
      };
      return {
        ...entry.info,
        ready: status.state === "ready",
        status,
        availability: availabilityOf(status, circuits),
        circuits,
        awaitingTrial: entry.awaitingTrial?.() ?? false,
        speed: this.#speed.summary(entry.info.id),
      };
    });
  }

  /**
   * The entry for `modelId`, or the default (the first ready model) when none is asked for. A model it cannot answer
   * with is refused naming those to ask for instead: the chat models among `offered` (an API key's models) when
   * given, else every chat model.
   */
  resolve(modelId?: string, offered?: readonly string[]): CatalogEntry {
    const instead = () =>
      (offered?.filter((id) => !this.#embeddingModels.has(id)) ?? [...this.#entries.keys()])
        .map((id) => JSON.stringify(id))
        .join(", ") || "none";
    if (modelId !== undefined && this.#embeddingModels.has(modelId)) {
      throw new BadRequestError(
        `${JSON.stringify(modelId)} is an embedding model: it answers POST /v1/embeddings, not chats. Chat models: ${instead()}.`,
        { code: "not_a_chat_model" },
      );
    }
    if (this.#entries.size === 0) throw new ModelUnavailableError(NO_MODEL_HINT);
    const entry = modelId === undefined ? this.#defaultEntry() : this.#entries.get(modelId);
    if (!entry) {
      throw new BadRequestError(`Unknown model ${JSON.stringify(modelId)}. Known models: ${instead()}.`, {
        code: "unknown_model",
      });
    }
    const status = entry.status();
    if (status.state !== "ready") {
      throw new ModelUnavailableError(
        `Model ${JSON.stringify(entry.info.id)} cannot answer now (${status.state}${status.message ? `: ${status.message}` : ""}).`,
      );
    }
    return entry;
  }

  /** Told of each reply that finished (not stopped), under the model that answered it. */
  recordSpeed(modelId: string, timings: Timings): void {
    this.#speed.record(modelId, timings);
  }

  #defaultEntry(): CatalogEntry {
    const entries = [...this.#entries.values()];
    return entries.find((entry) => entry.status().state === "ready") ?? (entries[0] as CatalogEntry);
  }
}

function availabilityOf(status: ModelStatus, circuits: CatalogListing["circuits"]): Availability {
  const endpoints = circuits.closed + circuits.halfOpen + circuits.open;
  if (status.state !== "ready" || (endpoints > 0 && circuits.open === endpoints)) return "unavailable";
  return circuits.open + circuits.halfOpen > 0 ? "degraded" : "available";
}

/** The models Parley serves: what each is, whether it can answer now, how fast it has been, and how to call it. */
import { BadRequestError, ModelUnavailableError } from "../core/app-error.js";
import type { Timings } from "../core/run-event.js";
import type { Pricing } from "../core/usage-cost.js";
import type { ChatModel, ChatPrompt } from "../providers/chat-model.js";

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
};

export type CatalogEntry = {
  info: ModelInfo;
  chatModel: ChatModel;
  status: () => ModelStatus;
  /** Exact prompt tokens, for models that can say (Parley's engine); others are estimated. */
  countTokens?: (prompt: ChatPrompt) => Promise<number>;
};

export type CatalogListing = ModelInfo & {
  ready: boolean;
  status: ModelStatus;
  speed: { ttftMsP50: number | null; tokensPerSecondP50: number | null; samples: number };
};

/** Shown wherever Parley has no model to answer with. */
export const NO_MODEL_HINT =
  "No model is installed. Download one with `npm run parley -- pull qwen3-0.6b`, or serve a GGUF file you have with `npm start -- --model path/to/model.gguf` (or PARLEY_MODEL=path/to/model.gguf).";

const SPEED_SAMPLES = 100;

export class ModelCatalog {
  readonly #entries: Map<string, CatalogEntry>;
  readonly #speed = new Map<string, { ttftMs: number[]; tokensPerSecond: number[] }>();

  constructor(entries: readonly CatalogEntry[]) {
    this.#entries = new Map(entries.map((entry) => [entry.info.id, entry]));
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
      return { ...entry.info, ready: status.state === "ready", status, speed: this.#speedOf(entry.info.id) };
    });
  }

  /** The entry for `modelId`, or the default (the first ready model) when none is asked for. */
  resolve(modelId?: string): CatalogEntry {
    if (this.#entries.size === 0) throw new ModelUnavailableError(NO_MODEL_HINT);
    const entry = modelId === undefined ? this.#defaultEntry() : this.#entries.get(modelId);
    if (!entry) {
      const known = [...this.#entries.keys()].map((id) => JSON.stringify(id)).join(", ");
      throw new BadRequestError(`Unknown model ${JSON.stringify(modelId)}. Known models: ${known}.`, {
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

  recordSpeed(modelId: string, timings: Timings): void {
    const samples = this.#speed.get(modelId) ?? { ttftMs: [], tokensPerSecond: [] };
    this.#speed.set(modelId, samples);
    if (timings.ttftMs !== null) pushBounded(samples.ttftMs, timings.ttftMs);
    if (timings.tokensPerSecond !== null) pushBounded(samples.tokensPerSecond, timings.tokensPerSecond);
  }

  #defaultEntry(): CatalogEntry {
    const entries = [...this.#entries.values()];
    return entries.find((entry) => entry.status().state === "ready") ?? (entries[0] as CatalogEntry);
  }

  #speedOf(modelId: string): CatalogListing["speed"] {
    const samples = this.#speed.get(modelId);
    return {
      ttftMsP50: median(samples?.ttftMs ?? []),
      tokensPerSecondP50: median(samples?.tokensPerSecond ?? []),
      samples: samples?.tokensPerSecond.length ?? 0,
    };
  }
}

function pushBounded(values: number[], value: number): void {
  values.push(value);
  if (values.length > SPEED_SAMPLES) values.shift();
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

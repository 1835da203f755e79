/** What a local engine process is started with, and the defaults that make it fast on a small machine. */
import { availableParallelism } from "node:os";
import path from "node:path";
import { ConfigError } from "../core/app-error.js";

export type EngineConfig = {
  /** Path of the GGUF file to serve. */
  modelPath: string;
  /** The id clients send as `model`; defaults to the file name without `.gguf`. */
  modelId?: string;
  /** Defaults to loopback: the engine has no authentication of its own. */
  host?: string;
  /** 0 picks a free port; the chosen one is in the result and the ready line. */
  port?: number;
  /** CPU threads for evaluation; see {@link defaultEngineThreads}. */
  threads?: number;
  /** Parallel chats batched on one context; each gets its own `contextSize`. */
  sequences?: number;
  /** Tokens per sequence (prompt + reply); defaults to the model's training context, at most 4096. */
  contextSize?: number;
  /** false runs on the CPU only; "auto" uses a GPU when llama.cpp finds one. */
  gpu?: false | "auto";
  /**
   * Serve `/v1/embeddings` only: no chat context (and none of its memory) is made, and the embedding context is
   * made at start. Any engine serves embeddings; this is for a dedicated embedding model.
   */
  embeddingOnly?: boolean;
  /**
   * Sampling temperature of requests that send none. 0.8 is llama.cpp server's default: OpenAI's 1.0
   * makes small local models wander. 0 is greedy.
   */
  defaultTemperature?: number;
  /** Requests that may wait for a free sequence; beyond that the engine answers 503 at once. */
  maxQueue?: number;
  /** Receives the engine's own log lines (llama.cpp warnings included). Defaults to stderr. */
  log?: (line: string) => void;
};

export type ResolvedEngineConfig = Required<Omit<EngineConfig, "log" | "contextSize">> & {
  contextSize: number | undefined;
  log: (line: string) => void;
};

export const defaultEngineSequences = 4;
export const defaultEngineMaxQueue = 64;
export const defaultEngineTemperature = 0.8;

/**
 * One thread per core minus one. node-llama-cpp's own default (4 on a 2-vCPU machine) oversubscribes
 * the CPU and was 300-500x slower on the tiny model; the spare core keeps the Parley server, and this
 * process's JavaScript (tokenizing, HTTP, SSE), from fighting llama.cpp's worker threads.
 */
export function defaultEngineThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

export function modelIdFromPath(modelPath: string): string {
  return path.basename(modelPath).replace(/\.gguf$/i, "");
}

export function resolveEngineConfig(config: EngineConfig): ResolvedEngineConfig {
  return {
    modelPath: config.modelPath,
    modelId: config.modelId ?? modelIdFromPath(config.modelPath),
    host: config.host ?? "127.0.0.1",
    port: config.port ?? 0,
    threads: positiveInteger(config.threads, "threads") ?? defaultEngineThreads(),
    sequences: positiveInteger(config.sequences, "sequences") ?? defaultEngineSequences,
    contextSize: positiveInteger(config.contextSize, "contextSize"),
    gpu: config.gpu ?? false,
    embeddingOnly: config.embeddingOnly ?? false,
    defaultTemperature: temperature(config.defaultTemperature) ?? defaultEngineTemperature,
    maxQueue: nonNegativeInteger(config.maxQueue, "maxQueue") ?? defaultEngineMaxQueue,
    log: config.log ?? ((line) => process.stderr.write(`${line}\n`)),
  };
}

function positiveInteger(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigError(`Engine option ${name} must be a positive integer, got ${value}.`);
  return value;
}

function nonNegativeInteger(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0)
    throw new ConfigError(`Engine option ${name} must be 0 or more, got ${value}.`);
  return value;
}

function temperature(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!(value >= 0 && value <= 2))
    throw new ConfigError(`Engine option defaultTemperature must be 0 to 2, got ${value}.`);
  return value;
}

/** A TextEmbedder over `POST /embeddings` in the OpenAI format: Parley's local engine, or any server that speaks it. */
import { ModelUnavailableError, ProviderError } from "../../core/app-error.js";
import { upstreamTimeout, upstreamUnreachable } from "../connection-failure.js";
import type { Embeddings, EmbedOptions, TextEmbedder } from "../text-embedder.js";
import { openAIHttpError } from "./openai-http-error.js";

export type OpenAICompatibleEmbedderConfig = {
  /** Parley's id of the model. */
  model: string;
  /** The server's own name for the model, sent as `model`; `model` unless given. */
  upstreamModel?: string;
  /** The API's base (`.../v1`), or a function that gives it: a local engine's port is known only while it runs. */
  baseURL: string | (() => string | undefined);
  apiKey?: string;
  /** Extra request headers (a provider's `headers`). */
  headers?: Record<string, string>;
  /** Longest wait for one request's answer (default 120 s: a batch on a CPU takes seconds). */
  timeoutMs?: number;
  /**
   * Whether the server reads `truncate` (Parley's engine, TEI and Ollama do); default true. OpenAI's API refuses a
   * field it does not know, so other servers are not sent it, and refuse a text too long for the model whatever
   * `EmbedOptions.truncate` says.
   */
  supportsTruncate?: boolean;
};

type EmbeddingsBody = {
  data?: { index?: unknown; embedding?: unknown }[];
  usage?: { prompt_tokens?: unknown };
};

export class OpenAICompatibleEmbedder implements TextEmbedder {
  readonly model: string;
  readonly vectorSpace: string;
  readonly #config: OpenAICompatibleEmbedderConfig;

  constructor(config: OpenAICompatibleEmbedderConfig) {
    this.model = config.model;
    this.vectorSpace = vectorSpaceOf(config);
    this.#config = config;
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Embeddings> {
    if (texts.length === 0) return { vectors: [], inputTokens: 0 };
    const baseURL = typeof this.#config.baseURL === "string" ? this.#config.baseURL : this.#config.baseURL();
    if (baseURL === undefined) {
      throw new ModelUnavailableError(`The embedding model "${this.model}" is not ready yet.`);
    }
    const timeout = AbortSignal.timeout(this.#config.timeoutMs ?? 120_000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${baseURL.replace(/\/+$/, "")}/embeddings`, {
        method: "POST",
        headers: {
          ...this.#config.headers,
          "content-type": "application/json",
          ...(this.#config.apiKey !== undefined && { authorization: `Bearer ${this.#config.apiKey}` }),
        },
        body: JSON.stringify({
          model: this.#config.upstreamModel ?? this.model,
          input: texts,
          encoding_format: "float",
          ...(options.dimensions !== undefined && { dimensions: options.dimensions }),
          ...((this.#config.supportsTruncate ?? true) && { truncate: options.truncate ?? true }),
        }),
        signal,
      });
      text = await response.text();
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) throw upstreamTimeout(error);
      throw upstreamUnreachable(error instanceof Error ? error : new Error(String(error)));
    }
    if (!response.ok) {
      throw openAIHttpError(
        response.status,
        { "retry-after": response.headers.get("retry-after") ?? undefined },
        text,
      );
    }
    return embeddingsOf(text, texts.length);
  }
}

/**
 * The model's id, and the upstream model's name when it is another (`id@upstreamModel`): another upstream model under
 * the same id is another space. A model id has no `@`, so no such name is ever an id. A model asked by its own id
 * keeps the id alone, the name its vectors were stored under before upstream names were part of it.
 */
function vectorSpaceOf(config: OpenAICompatibleEmbedderConfig): string {
  const upstream = config.upstreamModel ?? config.model;
  return upstream === config.model ? config.model : `${config.model}@${upstream}`;
}

/** The vectors of a response body in input order, after checking it has one numeric vector per input. */
function embeddingsOf(text: string, count: number): Embeddings {
  let body: EmbeddingsBody;
  try {
    body = JSON.parse(text) as EmbeddingsBody;
  } catch {
    throw malformed("its body is not JSON");
  }
  const promptTokens = body?.usage?.prompt_tokens;
  return {
    vectors: vectorsOf(body, count),
    inputTokens: typeof promptTokens === "number" ? promptTokens : undefined,
  };
}

function vectorsOf(body: EmbeddingsBody, count: number): Float32Array[] {
  const data = Array.isArray(body?.data) ? body.data : [];
  if (data.length !== count) throw malformed(`it has ${data.length} embeddings for ${count} inputs`);
  const vectors: (Float32Array | undefined)[] = new Array(count);
  data.forEach((item, order) => {
    const index = typeof item?.index === "number" ? item.index : order;
    const embedding = item?.embedding;
    if (!Array.isArray(embedding) || embedding.length === 0 || !embedding.every(Number.isFinite)) {
      throw malformed(`embedding ${index} is not a list of numbers`);
    }
    if (index < 0 || index >= count || vectors[index] !== undefined)
      throw malformed(`index ${index} is wrong`);
    vectors[index] = Float32Array.from(embedding as number[]);
  });
  return vectors as Float32Array[];
}

function malformed(why: string): ProviderError {
  return new ProviderError(`The embedding model answered with a malformed response: ${why}.`, {
    code: "upstream_malformed_response",
  });
}

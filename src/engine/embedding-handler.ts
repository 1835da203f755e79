/** Serves `POST /v1/embeddings`: one embedding context, made on first use (or at start), and the OpenAI response. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { LlamaEmbeddingContext, LlamaModel, Token } from "node-llama-cpp";
import { AppError, BadRequestError } from "../core/app-error.js";
import { type EmbeddingRequest, parseEmbeddingRequest } from "./embedding-request.js";
import { readJsonBody, sendError, sendJson } from "./engine-http.js";
import { automaticContextSizeLimit } from "./engine-model.js";

export type EmbeddingHandlerConfig = {
  model: LlamaModel;
  modelId: string;
  threads: number;
  /** The longest input in tokens, plus one; undefined takes the model's training context, at most 4096. */
  contextSize: number | undefined;
  log: (line: string) => void;
};

/** OpenAI's response body; an embedding is a base64 string when the client asked for that encoding. */
type EmbeddingResponse = {
  object: "list";
  data: { object: "embedding"; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
};

const shutdownError = () => new AppError("engine_stopping", "The engine is shutting down.", { status: 503 });

export class EmbeddingHandler {
  readonly #config: EmbeddingHandlerConfig;
  readonly #inFlight = new Set<Promise<void>>();
  #context: Promise<LlamaEmbeddingContext> | undefined;
  #contextSize: number | undefined;
  #stopping = false;

  constructor(config: EmbeddingHandlerConfig) {
    this.#config = config;
  }

  /** Tokens an input may take plus one, once the context exists. */
  get contextSize(): number | undefined {
    return this.#contextSize;
  }

  /**
   * The embedding context, made on the first call. A chat engine pays for it only when something asks for an
   * embedding; an embedding engine makes it at start, so a model that cannot embed fails there and not later.
   */
  context(): Promise<LlamaEmbeddingContext> {
    this.#context ??= this.#createContext().catch((error: unknown) => {
      // Perhaps memory was short for a moment: the next request tries again rather than failing forever.
      this.#context = undefined;
      throw error;
    });
    return this.#context;
  }

  handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const done: Promise<void> = this.#serve(request, response).finally(() => this.#inFlight.delete(done));
    this.#inFlight.add(done);
    return done;
  }

  /** Refuses new requests, lets those in flight stop after their current input, and waits for them. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.allSettled(this.#inFlight);
  }

  async #createContext(): Promise<LlamaEmbeddingContext> {
    const { model, threads } = this.#config;
    const contextSize = Math.min(
      this.#config.contextSize ?? automaticContextSizeLimit,
      model.trainContextSize,
    );
    const context = await model.createEmbeddingContext({
      contextSize,
      // An encoder (BERT-like) model must see a whole input in one batch; llama.cpp aborts the process otherwise.
      batchSize: contextSize,
      // node-llama-cpp's default of 6 oversubscribes a small machine as badly as it does for chat.
      threads,
    });
    this.#contextSize = contextSize;
    return context;
  }

  async #serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let clientGone = false;
    const onClose = () => {
      if (!response.writableFinished) clientGone = true;
    };
    response.on("close", onClose);
    try {
      if (this.#stopping) throw shutdownError();
      const body = parseEmbeddingRequest(await readJsonBody(request));
      const context = await this.context();
      this.#checkDimensions(body);
      const inputs = body.inputs.map((input, index) => this.#fitted(context, body, index, input));
      const data: EmbeddingResponse["data"] = [];
      for (const [index, input] of inputs.entries()) {
        // A client that left needs no more vectors; a stopping engine frees the model soon.
        if (clientGone) return;
        if (this.#stopping) throw shutdownError();
        const { vector } = await context.getEmbeddingFor(input.tokens);
        data.push({
          object: "embedding",
          index,
          embedding: encoded(normalized(vector), body.encodingFormat),
        });
      }
      const total = inputs.reduce((sum, input) => sum + input.length, 0);
      const reply: EmbeddingResponse = {
        object: "list",
        data,
        model: this.#config.modelId,
        usage: { prompt_tokens: total, total_tokens: total },
      };
      sendJson(response, 200, reply);
    } catch (error) {
      // AppErrors are answers the engine chose; anything else is a defect worth its stack.
      if (!(error instanceof AppError)) {
        this.#config.log(
          `embedding failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      }
      if (!clientGone && !response.headersSent) sendError(response, error);
    } finally {
      response.off("close", onClose);
    }
  }

  #checkDimensions(body: EmbeddingRequest): void {
    const size = this.#config.model.embeddingVectorSize;
    if (body.dimensions !== undefined && body.dimensions !== size) {
      throw new BadRequestError(
        `Invalid 'dimensions': this model's embeddings have ${size} dimensions, and the local engine cannot change that.`,
        { code: "invalid_value", details: { param: "dimensions" } },
      );
    }
  }

  /**
   * An input's tokens and the length it takes with the model's start and end tokens, cut to fit when the request
   * asks for that and refused otherwise: all inputs are checked before any work is done.
   */
  #fitted(
    context: LlamaEmbeddingContext,
    body: EmbeddingRequest,
    index: number,
    input: string,
  ): { tokens: Token[]; length: number } {
    const limit = (this.#contextSize ?? 1) - 1;
    const tokens = this.#config.model.tokenize(input);
    const length = context.calculateInputLength(tokens);
    if (length <= limit) return { tokens, length };
    if (body.truncate) {
      const kept = tokens.slice(0, limit - (length - tokens.length));
      return { tokens: kept, length: context.calculateInputLength(kept) };
    }
    const param = body.inputs.length > 1 ? `input[${index}]` : "input";
    throw new BadRequestError(
      `Invalid '${param}': it takes ${length} tokens, and this model embeds at most ${limit} tokens per input. Split the text into shorter passages, or send "truncate": true to embed the beginning.`,
      { code: "context_length_exceeded", details: { param } },
    );
  }
}

/**
 * Scaled to length 1, as OpenAI's and llama.cpp server's embeddings are: cosine similarity is then a dot product,
 * and clients that compare by dot product get the same order as by cosine.
 */
function normalized(vector: readonly number[]): Float32Array {
  const result = Float32Array.from(vector);
  let squares = 0;
  for (const value of result) squares += value * value;
  const norm = Math.sqrt(squares);
  if (norm > 0)
    for (let index = 0; index < result.length; index++) result[index] = (result[index] ?? 0) / norm;
  return result;
}

function encoded(vector: Float32Array, format: EmbeddingRequest["encodingFormat"]): number[] | string {
  if (format === "float") return Array.from(vector);
  // OpenAI's base64 is the float32 array's bytes, little-endian, which is how every platform Node runs on stores it.
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString("base64");
}

/** Serves `POST /v1/chat/completions`: prompt, sequence, token loop, and the OpenAI response or SSE stream. */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionMessageFunctionToolCall,
} from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";
import { AppError, BadRequestError } from "../core/app-error.js";
import { WriteCoalescer } from "../core/write-coalescer.js";
import { parseChatCompletionRequest } from "./chat-completion-request.js";
import {
  readJsonBody,
  sendError,
  sendJson,
  untilDrained,
  writeRespectingBackpressure,
} from "./engine-http.js";
import type { EngineModel } from "./engine-model.js";
import { type CompletionEnd, generateCompletion, type ReplyPart } from "./generate-completion.js";
import { generateToolReply } from "./generate-tool-reply.js";
import { ResponseGrammarCache } from "./response-grammar-cache.js";
import type { SequenceLease, SequencePool } from "./sequence-pool.js";
import { chatPrompt } from "./tool-plan.js";

/** Running totals since the engine started, shown by `GET /health`. */
export type EngineCounters = {
  requests: number;
  completedRequests: number;
  abortedRequests: number;
  promptTokens: number;
  cachedPromptTokens: number;
  generatedTokens: number;
};

export type ChatCompletionHandlerConfig = {
  engineModel: EngineModel;
  pool: SequencePool;
  modelId: string;
  /** Used when a request sends no temperature. */
  defaultTemperature: number;
  /** Receives unexpected failures (defects, llama.cpp errors) with their stack. */
  log: (line: string) => void;
};

const shutdownError = () => new AppError("engine_stopping", "The engine is shutting down.", { status: 503 });

export class ChatCompletionHandler {
  readonly counters: EngineCounters = {
    requests: 0,
    completedRequests: 0,
    abortedRequests: 0,
    promptTokens: 0,
    cachedPromptTokens: 0,
    generatedTokens: 0,
  };
  readonly #config: ChatCompletionHandlerConfig;
  readonly #grammars: ResponseGrammarCache;
  readonly #inFlight = new Map<AbortController, Promise<void>>();
  #stopping: AppError | undefined;

  constructor(config: ChatCompletionHandlerConfig) {
    this.#config = config;
    this.#grammars = new ResponseGrammarCache(config.engineModel.model.llama);
  }

  handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const abort = new AbortController();
    if (this.#stopping) abort.abort(this.#stopping);
    const done = this.#serve(request, response, abort).finally(() => this.#inFlight.delete(abort));
    this.#inFlight.set(abort, done);
    return done;
  }

  /** Ends every request in flight (streams get an in-band error, no `[DONE]`) and waits for them. */
  async stop(): Promise<void> {
    this.#stopping ??= shutdownError();
    this.#config.pool.close(this.#stopping);
    for (const abort of this.#inFlight.keys()) abort.abort(this.#stopping);
    await Promise.allSettled(this.#inFlight.values());
  }

  async #serve(request: IncomingMessage, response: ServerResponse, abort: AbortController): Promise<void> {
    const { engineModel, pool } = this.#config;
    const onClose = () => {
      if (!response.writableFinished)
        abort.abort(new DOMException("The client closed the connection.", "AbortError"));
    };
    response.on("close", onClose);
    this.counters.requests++;
    let lease: SequenceLease | undefined;
    try {
      const chat = parseChatCompletionRequest(await readJsonBody(request));
      const { prompt, calling } = chatPrompt(engineModel.model, engineModel.chatWrapper, chat);
      if (calling && chat.responseFormat.type !== "text") {
        // node-llama-cpp cannot hold a reply to a grammar and let it call functions at once.
        throw new BadRequestError(
          "Invalid 'response_format': the local engine cannot combine a JSON format with tools the model may call; send one or the other, or tool_choice \"none\".",
          { code: "invalid_value", details: { param: "response_format" } },
        );
      }
      const reservedTokens = calling?.reservedTokens ?? 0;
      if (prompt.tokens.length + reservedTokens >= engineModel.contextSize) {
        throw new BadRequestError(
          `This model's context holds ${engineModel.contextSize} tokens per sequence, but the messages take ${prompt.tokens.length}. Shorten the conversation or start the engine with a larger --context-size.`,
          { code: "context_length_exceeded", details: { param: "messages" } },
        );
      }
      // Before a sequence is taken: a schema that cannot become a grammar is refused without waiting in the queue.
      const grammar = await this.#grammars.forFormat(chat.responseFormat);
      // LlamaChat builds the arguments' grammars as it goes; one llama.cpp refuses should be a 400 now, not a failure then.
      if (calling) {
        for (const tool of chat.tools) {
          if (tool.requestParameters)
            await this.#grammars.forSchema(tool.requestParameters, tool.parametersParam);
        }
      }
      lease = await pool.acquire(prompt.tokens, abort.signal);
      abort.signal.throwIfAborted();
      this.counters.promptTokens += prompt.tokens.length;
      this.counters.cachedPromptTokens += lease.reusedTokens;
      const maxTokens = Math.min(
        chat.maxTokens ?? Number.POSITIVE_INFINITY,
        engineModel.contextSize - prompt.tokens.length - reservedTokens,
      );
      const temperature = chat.temperature ?? this.#config.defaultTemperature;
      const topP = chat.topP ?? 1;
      const penalties = { presencePenalty: chat.presencePenalty, frequencyPenalty: chat.frequencyPenalty };
      const generation = calling
        ? generateToolReply(lease, {
            chatWrapper: calling.chatWrapper,
            functions: calling.functions,
            maxParallelCalls: calling.maxParallelCalls,
            history: prompt.history,
            maxTokens,
            temperature,
            topP,
            topK: chat.topK,
            seed: chat.seed,
            penalties,
            stop: chat.stop,
            signal: abort.signal,
          })
        : generateCompletion(engineModel.model, lease, prompt.tokens, {
            maxTokens,
            temperature,
            topP,
            topK: chat.topK,
            seed: chat.seed,
            penalties,
            stopTexts: [...chat.stop, ...prompt.stopTexts],
            stopTokenSequences: prompt.stopTokenSequences,
            grammar,
            signal: abort.signal,
            onToken: () => {
              this.counters.generatedTokens++;
            },
          });
      const reply = new ReplyWriter(response, this.#config.modelId, chat.includeUsage);
      const usage = (end: CompletionEnd): CompletionUsage => ({
        prompt_tokens: prompt.tokens.length,
        completion_tokens: end.completionTokens,
        total_tokens: prompt.tokens.length + end.completionTokens,
        prompt_tokens_details: { cached_tokens: lease?.reusedTokens ?? 0 },
      });
      const end = chat.stream ? await reply.stream(generation, usage) : await reply.send(generation, usage);
      // LlamaChat samples out of sight of the engine: its tokens are counted once the reply ends.
      if (calling) this.counters.generatedTokens += end.completionTokens;
      if (end.aborted) abort.signal.throwIfAborted();
      this.counters.completedRequests++;
    } catch (error) {
      this.#fail(response, abort.signal, error);
    } finally {
      lease?.release();
      response.off("close", onClose);
    }
  }

  #fail(response: ServerResponse, signal: AbortSignal, error: unknown): void {
    if (signal.aborted) {
      this.counters.abortedRequests++;
      // A client that left needs no answer; one that is still there is told the engine stops.
      if (!(signal.reason instanceof AppError) || response.destroyed) return;
      error = signal.reason;
    }
    // AppErrors are answers the engine chose; anything else is a defect worth its stack.
    if (!(error instanceof AppError)) {
      this.#config.log(
        `chat completion failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
    if (response.destroyed) return;
    if (!response.headersSent) {
      sendError(response, error);
      return;
    }
    // The stream already began: an in-band error, and no `[DONE]`, so the client cannot take it as complete.
    response.end(`data: ${JSON.stringify(openAIErrorEvent(error))}\n\n`);
  }
}

function openAIErrorEvent(error: unknown) {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof AppError ? error.code : null;
  return { error: { message, type: "server_error", param: null, code } };
}

const STREAM_COALESCE_MS = 10;

type ReplyGeneration = AsyncGenerator<ReplyPart, CompletionEnd, void>;

/** Ends a generation the writer stopped reading, so that nothing evaluates on the sequence once it is released. */
async function closeGeneration(generation: ReplyGeneration): Promise<void> {
  await generation.return({ finishReason: "stop", completionTokens: 0, aborted: true });
}

/** Writes one reply in the OpenAI format, streamed or whole. */
class ReplyWriter {
  readonly #response: ServerResponse;
  readonly #model: string;
  readonly #includeUsage: boolean;
  readonly #id = `chatcmpl-${randomBytes(12).toString("hex")}`;
  readonly #created = Math.floor(Date.now() / 1000);
  /**
   * Tokens that come faster than a few ms apart share one chunk: a chunk (and a parse, an event and a write
   * downstream) per token cost more than generating the token on a fast model; slow streams are not delayed.
   */
  readonly #content: WriteCoalescer;
  /** The same for the arguments of the tool call being written, the one at `#argumentsIndex`. */
  readonly #arguments: WriteCoalescer;
  #argumentsIndex = 0;

  constructor(response: ServerResponse, model: string, includeUsage: boolean) {
    this.#response = response;
    this.#content = new WriteCoalescer(
      (text) => response.write(this.#chunk({ content: text }, null)),
      STREAM_COALESCE_MS,
    );
    this.#arguments = new WriteCoalescer(
      (text) =>
        response.write(
          this.#chunk({ tool_calls: [{ index: this.#argumentsIndex, function: { arguments: text } }] }, null),
        ),
      STREAM_COALESCE_MS,
    );
    this.#model = model;
    this.#includeUsage = includeUsage;
  }

  async stream(
    generation: ReplyGeneration,
    usage: (end: CompletionEnd) => CompletionUsage,
  ): Promise<CompletionEnd> {
    const response = this.#response;
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      // Proxies such as nginx would otherwise buffer the whole stream.
      "x-accel-buffering": "no",
    });
    response.write(this.#chunk({ role: "assistant", content: "" }, null));
    let step: IteratorResult<ReplyPart, CompletionEnd>;
    try {
      step = await generation.next();
      while (!step.done) {
        this.#streamPart(step.value);
        await untilDrained(response);
        step = await generation.next();
      }
    } catch (error) {
      // What was generated before the failure goes out ahead of the in-band error.
      this.#flush();
      throw error;
    } finally {
      await closeGeneration(generation);
    }
    const end = step.value;
    if (end.aborted) {
      this.#content.discard();
      this.#arguments.discard();
      return end;
    }
    this.#flush();
    response.write(this.#chunk({}, end.finishReason));
    if (this.#includeUsage) {
      const chunk: ChatCompletionChunk = {
        id: this.#id,
        object: "chat.completion.chunk",
        created: this.#created,
        model: this.#model,
        choices: [],
        usage: usage(end),
      };
      await writeRespectingBackpressure(response, `data: ${JSON.stringify(chunk)}\n\n`);
    }
    response.end("data: [DONE]\n\n");
    return end;
  }

  /** Text goes out as content; a tool call as OpenAI streams one: its id and name, then its arguments in pieces. */
  #streamPart(part: ReplyPart): void {
    if (typeof part === "string") {
      this.#content.write(part);
      return;
    }
    if (part.type === "tool_call.arguments") {
      if (part.index !== this.#argumentsIndex) {
        this.#arguments.flush();
        this.#argumentsIndex = part.index;
      }
      this.#arguments.write(part.text);
      return;
    }
    this.#flush();
    this.#argumentsIndex = part.index;
    const start = {
      index: part.index,
      id: part.id,
      type: "function" as const,
      function: { name: part.name, arguments: "" },
    };
    this.#response.write(this.#chunk({ tool_calls: [start] }, null));
  }

  #flush(): void {
    this.#content.flush();
    this.#arguments.flush();
  }

  async send(
    generation: ReplyGeneration,
    usage: (end: CompletionEnd) => CompletionUsage,
  ): Promise<CompletionEnd> {
    let text = "";
    const toolCalls: ChatCompletionMessageFunctionToolCall[] = [];
    let step: IteratorResult<ReplyPart, CompletionEnd>;
    try {
      step = await generation.next();
      while (!step.done) {
        const part = step.value;
        if (typeof part === "string") text += part;
        else if (part.type === "tool_call") {
          toolCalls[part.index] = {
            id: part.id,
            type: "function",
            function: { name: part.name, arguments: "" },
          };
        } else {
          const call = toolCalls[part.index];
          if (call) call.function.arguments += part.text;
        }
        step = await generation.next();
      }
    } finally {
      await closeGeneration(generation);
    }
    const end = step.value;
    if (end.aborted) return end;
    const calls = toolCalls.filter((call) => call !== undefined);
    const completion: ChatCompletion = {
      id: this.#id,
      object: "chat.completion",
      created: this.#created,
      model: this.#model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            // OpenAI's shape for a reply that only called tools.
            content: text === "" && calls.length > 0 ? null : text,
            refusal: null,
            ...(calls.length > 0 && { tool_calls: calls }),
          },
          logprobs: null,
          finish_reason: end.finishReason,
        },
      ],
      usage: usage(end),
    };
    sendJson(this.#response, 200, completion);
    return end;
  }

  #chunk(
    delta: ChatCompletionChunk.Choice.Delta,
    finishReason: CompletionEnd["finishReason"] | null,
  ): string {
    const chunk: ChatCompletionChunk = {
      id: this.#id,
      object: "chat.completion.chunk",
      created: this.#created,
      model: this.#model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }
}

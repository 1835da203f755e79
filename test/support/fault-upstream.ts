/**
 * A fake upstream model server for fault-injection tests: real HTTP on 127.0.0.1 speaking both the OpenAI Chat
 * Completions wire format (`POST /v1/chat/completions`) and the Anthropic Messages wire format (`POST /v1/messages`),
 * with its behaviour chosen by the requested model name.
 *
 * A model name is `<fault>` or `<fault>@<label>` (for example `503@primary`, `ok@fallback`), so several candidates
 * with the same fault can be told apart. Every `ok` reply is `Hello from <model>.`, streamed one word at a time
 * ("Hello", " from", " <model>."). A request that ends with an assistant message (a prefill) gets the rest of that
 * text when the prefill is a prefix of it, and an empty reply otherwise, as a model would when there is nothing
 * left to say. Counters that make a fault pass ("first N calls") are kept per model and conversation, where the
 * conversation is named by its first user message; `outage` is timed from the first request of that pair. A
 * `scripted` model's reply is what the test's `script` writes from the request, the way a model follows its prompt.
 * A `tools` model calls the tools a request offers and then reads their results (see `FAULTS`).
 *
 * Both wire formats' tool calls read the same here: an assistant turn lists its `toolCalls` (which add nothing to its
 * text), and each tool result is a turn of role `tool` (an Anthropic user message's `tool_result` blocks become one
 * such turn each, ahead of a `user` turn with the rest of the message, if any).
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** The behaviours a model name can ask for; `status-<code>` (for example `status-401`) answers with that status. */
export const FAULTS = [
  /** A normal reply. */
  "ok",
  /** 429 with `Retry-After` on the first `rateLimitedCalls` calls, then ok. */
  "429-retry-after",
  /** 429 without `Retry-After`, every time. */
  "429",
  /** 500 on the first call, then ok. */
  "500-once",
  /** 503 every time. */
  "503",
  /** The TCP connection is reset before any response header. */
  "reset",
  /** The request is accepted and never answered. */
  "hang",
  /** Headers at once, the first text after `firstTokenDelayMs` (Anthropic sends pings meanwhile). */
  "slow-first-token",
  /** The connection is closed after `deltasBeforeFault` deltas: no finish, no `[DONE]`, no `message_stop`. */
  "cut",
  /** Nothing more after `deltasBeforeFault` deltas, and the socket stays open. */
  "stall",
  /** A data line that is not JSON after `deltasBeforeFault` deltas, then the rest of the reply. */
  "malformed",
  /** A whole reply with its finish, but no `[DONE]` (no `message_stop`), then the connection closes. */
  "no-done",
  /** 400: the prompt is longer than the model's context window. */
  "context",
  /** One delta, then the content filter ends the reply (`content_filter` / `refusal`). */
  "content-filter",
  /** 400 when the last message is an assistant message; ok otherwise. */
  "prefill-rejected",
  /** 503 for `outageMs` after the first request, then ok. */
  "outage",
  /** An in-band error after `deltasBeforeFault` deltas: Anthropic's `error` event, OpenAI's `{"error": ...}` chunk. */
  "error-event",
  /** Anthropic: unknown event types and a non-text content block around the text. */
  "unknown-events",
  /** 200 one-character deltas, `slowDeltaMs` apart: something to stop mid-way. */
  "slow",
  /**
   * The reply is the last user message, word by word: a stand-in for a translation that shows which text each
   * request carried. `echoFailures` can make one of its requests strike as `error-event` does.
   */
  "echo",
  /**
   * A reply that cites a bot's knowledge: `CITING_REPLY`, each `[S` mark split across two deltas. `[S1]` names
   * the first sentence the model was shown; `[S99]` names none.
   */
  "cite",
  /** The reply the upstream's `script` writes from what the request says, as a model follows its prompt. */
  "scripted",
  /**
   * A model that calls tools. When the last message carries tool results (OpenAI `tool` messages, Anthropic
   * `tool_result` blocks), the reply is `The tool said: <result>` (several results joined by "; "). Otherwise, when
   * the request offers tools and `tool_choice` allows them, the reply calls the tool `tool_choice` names, else the
   * first offered tool and, when two or more are offered and parallel calls are allowed, the second too; each with
   * the arguments `TOOL_CALL_ARGUMENTS` in three pieces, after the text `Let me check.` when `tool_choice` is auto or
   * absent. Ids are `call_<n>` (OpenAI) and `toolu_<n>` (Anthropic), n counting the upstream's calls. Without tools
   * the reply is the usual `ok` one.
   */
  "tools",
  /** As `tools`, but the connection is closed after the first piece of the first call's arguments. */
  "tools-cut",
  /**
   * An OpenAI reasoning model: a request with `max_tokens` is refused as OpenAI refuses it (400, `param`
   * `max_tokens`, `code` `unsupported_parameter`); one with `max_completion_tokens`, or neither, is ok.
   */
  "reasoning",
  /**
   * The usual `ok` reply from a prompt with a cached prefix: besides the request's own words, `CACHE_READ_TOKENS`
   * read from the prompt cache and `CACHE_WRITE_TOKENS` written to it, reported as each API does. OpenAI's
   * `prompt_tokens` counts the whole prompt and `prompt_tokens_details.cached_tokens` the reads (its format has no
   * writes: they are plain prompt tokens); Anthropic's `input_tokens` counts only the uncached words, with
   * `cache_read_input_tokens` and `cache_creation_input_tokens` beside it (in `message_start` when streamed).
   */
  "cached",
  /** Anthropic, asked to think: a `redacted_thinking` block (REDACTED_THINKING_DATA) before the usual thinking block. */
  "thinking-redacted",
] as const;

/** Tokens a `cached` reply's prompt read from the prompt cache. */
export const CACHE_READ_TOKENS = 3000;

/** Tokens a `cached` reply's prompt wrote to the prompt cache. */
export const CACHE_WRITE_TOKENS = 1000;

/** The whole text a `cite` reply has. */
export const CITING_REPLY = "Timers fire after their delay [S1]. Also see [S99].";

/** The arguments of every tool call of a `tools` reply, streamed in three pieces. */
export const TOOL_CALL_ARGUMENTS = '{"city":"Paris"}';

/** The pieces `TOOL_CALL_ARGUMENTS` is streamed in. */
const TOOL_CALL_PIECES = ['{"ci', 'ty":"Pa', 'ris"}'];

/**
 * Every reply in Anthropic's format to a request that asks for extended thinking begins with a thinking block: this
 * text, in the two pieces of THINKING_PIECES, signed THINKING_SIGNATURE.
 */
export const THINKING_PIECES = ["Let me think", " it through."];
export const THINKING_SIGNATURE = "sig-fault-thinking";
/** The opaque data of a `thinking-redacted` reply's redacted block. */
export const REDACTED_THINKING_DATA = "EncryptedThinkingOfFault";

/** The text a `tools` reply has before its calls when `tool_choice` is auto or absent. */
export const TOOL_PREAMBLE = "Let me check.";

export type Fault = (typeof FAULTS)[number] | `status-${number}`;

export type FaultUpstreamConfig = {
  /** Seconds sent in `Retry-After` by `429-retry-after`. */
  retryAfterSeconds?: number;
  /** How many calls per conversation `429-retry-after` refuses before it answers. */
  rateLimitedCalls?: number;
  /** Milliseconds before the first text of `slow-first-token`. */
  firstTokenDelayMs?: number;
  /** Milliseconds between Anthropic `ping` events while the first text is awaited. */
  pingIntervalMs?: number;
  /** Milliseconds that `outage` answers 503, from its first request. */
  outageMs?: number;
  /** Milliseconds between deltas of every reply. */
  deltaDelayMs?: number;
  /** Milliseconds between the deltas of `slow`. */
  slowDeltaMs?: number;
  /** Deltas sent before `cut`, `stall`, `malformed` and `error-event` strike. */
  deltasBeforeFault?: number;
  /** For `echo` models named here: which of their requests (1 for the first) ends with an in-band error. */
  echoFailures?: Record<string, number>;
  /** Writes the reply of `scripted` models. */
  script?: (request: RequestText) => string;
};

export type UpstreamApi = "openai" | "anthropic";

export type RecordedRequest = RequestText &
  ToolRequest & {
    api: UpstreamApi;
    fault: string;
    body: Record<string, unknown>;
    headers: IncomingHttpHeaders;
    /** `performance.now()` when the request arrived. */
    at: number;
    /** True once the client closed the connection before the response was complete (an abort or a timeout). */
    closedByClient: boolean;
    /** The tool calls the reply made, in order (empty when it made none, or the request was refused). */
    replyToolCalls: ToolCall[];
  };

export type FaultUpstream = {
  /** For the openai SDK and OpenAICompatibleChatModel. */
  openAIBaseURL: string;
  /** For the @anthropic-ai/sdk and AnthropicChatModel (the SDK adds `/v1/messages`). */
  anthropicBaseURL: string;
  requests: RecordedRequest[];
  requestsFor(model: string): RecordedRequest[];
  /** The whole text an `ok` reply of `model` has. */
  replyText(model: string): string;
  close(): Promise<void>;
};

/** A tool call in the same shape for both wire formats; `arguments` is the JSON text of its input. */
export type ToolCall = { id: string; name: string; arguments: string };

/**
 * `images` counts the turn's image parts (OpenAI `image_url`, Anthropic `image`), which its text leaves out. An
 * assistant turn's tool calls are in `toolCalls` (absent when it made none) and add nothing to its text; a tool
 * result is a turn of role `tool` whose `toolCallId` names the call it answers.
 */
export type Turn = {
  role: string;
  content: string;
  images: number;
  toolCalls?: ToolCall[];
  toolCallId?: string;
};

/**
 * `tool_choice` in the same words for both wire formats: `required` is OpenAI's `required` and Anthropic's `any`;
 * `{ name }` forces that tool.
 */
export type ToolChoice = "auto" | "none" | "required" | { name: string };

/** What a request offered the model to call, in the same shape for both wire formats. */
export type ToolRequest = {
  /** The names of the offered tools (OpenAI function tools, Anthropic custom tools), in order; empty when none. */
  tools: string[];
  /** Undefined when the request has no `tool_choice`. */
  toolChoice: ToolChoice | undefined;
  /** False when the request disables parallel calls (OpenAI `parallel_tool_calls`, Anthropic `disable_parallel_tool_use`). */
  parallelToolCalls: boolean;
};

/**
 * What a request said, in the same shape for both wire formats: the model asked for, the system prompt (a bot's
 * instructions and knowledge), and every other message in order, the last being the user's latest.
 */
export type RequestText = { model: string; system: string; turns: Turn[] };

/** What a request asks for, in the same shape for both wire formats. */
type ParsedRequest = RequestText &
  ToolRequest & {
    api: UpstreamApi;
    fault: string;
    stream: boolean;
    includeUsage: boolean;
    maxTokens: number | undefined;
    stopSequences: string[];
    /** The texts of the tool results the last message carries, in order; empty when it carries none. */
    toolResults: string[];
    /** The request marks a prompt-cache breakpoint to be kept an hour (`cache_control` with `ttl: "1h"`). */
    marksHourCache: boolean;
    /** The request asks Anthropic's API for extended thinking (`thinking` enabled or adaptive). */
    asksThinking: boolean;
  };

/** A tool call of a reply, with the pieces its arguments are streamed in. */
type ReplyToolCall = ToolCall & { pieces: string[] };

type Reply = {
  deltas: string[];
  toolCalls: ReplyToolCall[];
  /** Why the model stopped, in the neutral words `stop`, `length`, `stop_sequence`, `content_filter`, `tool_calls`. */
  stop: "stop" | "length" | "stop_sequence" | "content_filter" | "tool_calls";
  stopSequence: string | null;
  /** The prompt's tokens that were neither read from the prompt cache nor written to it. */
  inputTokens: number;
  /** The prompt's tokens read from and written to the prompt cache; absent when the reply used no cache. */
  cache?: { readTokens: number; writtenTokens: number; forAnHour: boolean };
};

export function faultOf(model: string): string {
  const at = model.indexOf("@");
  return at === -1 ? model : model.slice(0, at);
}

export function replyTextOf(model: string): string {
  return `Hello from ${model}.`;
}

export async function startFaultUpstream(config: FaultUpstreamConfig = {}): Promise<FaultUpstream> {
  const settings = {
    retryAfterSeconds: config.retryAfterSeconds ?? 1,
    rateLimitedCalls: config.rateLimitedCalls ?? 1,
    firstTokenDelayMs: config.firstTokenDelayMs ?? 1000,
    pingIntervalMs: config.pingIntervalMs ?? 250,
    outageMs: config.outageMs ?? 1000,
    deltaDelayMs: config.deltaDelayMs ?? 0,
    slowDeltaMs: config.slowDeltaMs ?? 10,
    deltasBeforeFault: config.deltasBeforeFault ?? 2,
  };
  const requests: RecordedRequest[] = [];
  const calls = new Map<string, number>();
  const firstSeen = new Map<string, number>();
  const requestsPerModel = new Map<string, number>();
  let toolCallsMade = 0;
  let closing = false;

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        response.writeHead(500, { "content-type": "application/json" });
        response.end(JSON.stringify({ error: { message: String(error) } }));
      } else {
        response.destroy();
      }
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? "").split("?")[0];
    const api: UpstreamApi | undefined =
      request.method !== "POST"
        ? undefined
        : path === "/v1/chat/completions"
          ? "openai"
          : path === "/v1/messages"
            ? "anthropic"
            : undefined;
    if (api === undefined) {
      response.writeHead(404, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: `No route for ${request.method} ${request.url}` } }));
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(request)) as Record<string, unknown>;
    } catch {
      sendError(response, api, 400, "The request body is not JSON.");
      return;
    }
    const parsed = parseRequest(api, body);
    const record: RecordedRequest = {
      api,
      model: parsed.model,
      system: parsed.system,
      turns: parsed.turns,
      tools: parsed.tools,
      toolChoice: parsed.toolChoice,
      parallelToolCalls: parsed.parallelToolCalls,
      fault: parsed.fault,
      body,
      headers: request.headers,
      at: performance.now(),
      closedByClient: false,
      replyToolCalls: [],
    };
    requests.push(record);
    let cutByServer = false;
    response.on("close", () => {
      if (!response.writableFinished && !cutByServer) record.closedByClient = true;
    });

    const key = `${parsed.model}\u0000${parsed.turns.find((turn) => turn.role === "user")?.content ?? ""}`;
    const call = (calls.get(key) ?? 0) + 1;
    calls.set(key, call);
    if (!firstSeen.has(key)) firstSeen.set(key, performance.now());
    const modelRequest = (requestsPerModel.get(parsed.model) ?? 0) + 1;
    requestsPerModel.set(parsed.model, modelRequest);
    const fault =
      parsed.fault === "echo" && modelRequest === config.echoFailures?.[parsed.model]
        ? "error-event"
        : parsed.fault;

    const statusFault = /^status-(\d{3})$/.exec(fault);
    if (statusFault) {
      const status = Number(statusFault[1]);
      sendError(response, api, status, `The upstream answered ${status} as asked.`);
      return;
    }
    const invalid = api === "anthropic" ? anthropicRequestProblem(body) : openAIRequestProblem(body);
    if (invalid) {
      sendError(response, api, 400, invalid);
      return;
    }
    const invalidImage = imageProblem(api, body);
    if (invalidImage) {
      sendError(response, api, 400, invalidImage);
      return;
    }
    switch (fault) {
      case "reset":
        request.socket.resetAndDestroy();
        return;
      case "hang":
        return;
      case "429-retry-after":
        if (call <= settings.rateLimitedCalls) {
          sendError(response, api, 429, "Rate limit reached; retry later.", {
            "retry-after": String(settings.retryAfterSeconds),
          });
          return;
        }
        break;
      case "429":
        sendError(response, api, 429, "Rate limit reached.");
        return;
      case "500-once":
        if (call === 1) {
          sendError(response, api, 500, "upstream exploded");
          return;
        }
        break;
      case "503":
        sendError(response, api, 503, "The service is unavailable.");
        return;
      case "outage":
        if (performance.now() - (firstSeen.get(key) ?? 0) < settings.outageMs) {
          sendError(response, api, 503, "The service is down for maintenance.");
          return;
        }
        break;
      case "context":
        sendError(
          response,
          api,
          400,
          api === "openai"
            ? "This model's maximum context length is 8 tokens. However, your messages resulted in 9000 tokens."
            : "prompt is too long: 9000 tokens > 8 maximum",
          {},
          "context_length_exceeded",
        );
        return;
      case "reasoning":
        if (api === "openai" && body.max_tokens !== undefined) {
          sendError(
            response,
            api,
            400,
            "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
            {},
            "unsupported_parameter",
            "max_tokens",
          );
          return;
        }
        break;
      case "prefill-rejected":
        if (parsed.turns.at(-1)?.role === "assistant") {
          sendError(
            response,
            api,
            400,
            "This model does not support assistant message prefill. The conversation must end with a user message.",
          );
          return;
        }
        break;
    }

    const reply = composeReply(parsed);
    record.replyToolCalls = reply.toolCalls.map(({ id, name, arguments: args }) => ({
      id,
      name,
      arguments: args,
    }));
    if (!parsed.stream) {
      await respondWhole(parsed, reply, response, () => {
        cutByServer = true;
      });
      return;
    }
    response.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    response.flushHeaders();
    const writer =
      api === "openai" ? openAIStreamWriter(parsed, response) : anthropicStreamWriter(parsed, response);
    const gone = () => closing || response.destroyed || response.writableEnded;

    writer.start(reply);
    if (fault === "unknown-events") writer.unknownEvents?.();
    if (fault === "slow-first-token") {
      const until = performance.now() + settings.firstTokenDelayMs;
      while (performance.now() < until) {
        await sleep(Math.min(settings.pingIntervalMs, Math.max(0, until - performance.now())));
        if (gone()) return;
        if (performance.now() < until) writer.ping?.();
      }
    }
    const strikesAt = ["cut", "stall", "malformed", "error-event"].includes(fault)
      ? Math.min(settings.deltasBeforeFault, reply.deltas.length)
      : -1;
    for (const [index, text] of reply.deltas.entries()) {
      if (index === strikesAt) {
        if (fault === "cut") {
          cutByServer = true;
          // Let the last delta reach the client before the connection dies.
          await sleep(10);
          response.socket?.destroy();
          return;
        }
        if (fault === "stall") return;
        if (fault === "error-event") {
          writer.errorEvent();
          response.end();
          return;
        }
        if (fault === "malformed") writer.malformed();
      }
      const delay = fault === "slow" ? settings.slowDeltaMs : settings.deltaDelayMs;
      if (delay > 0 && index > 0) await sleep(delay);
      if (gone()) return;
      writer.delta(text);
    }
    for (const [index, call] of reply.toolCalls.entries()) {
      if (gone()) return;
      writer.toolCallStart(call, index);
      for (const [at, piece] of call.pieces.entries()) {
        if (fault === "tools-cut" && at === 1) {
          cutByServer = true;
          await sleep(10);
          response.socket?.destroy();
          return;
        }
        if (settings.deltaDelayMs > 0) await sleep(settings.deltaDelayMs);
        if (gone()) return;
        writer.toolCallDelta(index, piece);
      }
      writer.toolCallStop(index);
    }
    if (gone()) return;
    writer.finish(reply, { done: fault !== "no-done" });
    if (fault === "no-done") cutByServer = true;
    response.end();
  }

  function composeReply(parsed: ParsedRequest): Reply {
    const inputTokens = countWords([parsed.system, ...parsed.turns.map((turn) => turn.content)].join(" "));
    const toolPlan =
      parsed.fault === "tools" || parsed.fault === "tools-cut" ? toolPlanOf(parsed) : undefined;
    let full =
      parsed.fault === "slow"
        ? "x".repeat(200)
        : parsed.fault === "content-filter"
          ? "Hello"
          : parsed.fault === "echo"
            ? ([...parsed.turns].reverse().find((turn) => turn.role === "user")?.content ?? "")
            : parsed.fault === "cite"
              ? CITING_REPLY
              : parsed.fault === "scripted"
                ? scriptedReply(parsed)
                : toolPlan
                  ? toolPlan.text
                  : replyTextOf(parsed.model);
    let calls = toolPlan?.calls ?? [];
    const last = parsed.turns.at(-1);
    if (last?.role === "assistant")
      full = full.startsWith(last.content) ? full.slice(last.content.length) : "";
    let stop: Reply["stop"] = parsed.fault === "content-filter" ? "content_filter" : "stop";
    let stopSequence: string | null = null;
    for (const sequence of parsed.stopSequences) {
      const at = full.indexOf(sequence);
      if (sequence && at !== -1) {
        full = full.slice(0, at);
        stop = "stop_sequence";
        stopSequence = sequence;
        // The model stopped generating there: no calls follow.
        calls = [];
        break;
      }
    }
    let deltas =
      parsed.fault === "slow"
        ? full.split("")
        : parsed.fault === "cite"
          ? full.split(/(?=\[S)|(?<=\[S)/)
          : splitWords(full);
    if (parsed.maxTokens !== undefined && deltas.length > parsed.maxTokens) {
      deltas = deltas.slice(0, parsed.maxTokens);
      stop = "length";
      calls = [];
    }
    const toolCalls = calls.map((name): ReplyToolCall => {
      toolCallsMade += 1;
      return {
        id: `${parsed.api === "openai" ? "call" : "toolu"}_${toolCallsMade}`,
        name,
        arguments: TOOL_CALL_ARGUMENTS,
        pieces: TOOL_CALL_PIECES,
      };
    });
    if (toolCalls.length > 0) stop = "tool_calls";
    // A request that marks a breakpoint to be kept an hour has its writes kept an hour.
    const cache =
      parsed.fault === "cached"
        ? {
            readTokens: CACHE_READ_TOKENS,
            writtenTokens: CACHE_WRITE_TOKENS,
            forAnHour: parsed.marksHourCache,
          }
        : undefined;
    return { deltas, toolCalls, stop, stopSequence, inputTokens, ...(cache && { cache }) };
  }

  function scriptedReply({ model, system, turns }: ParsedRequest): string {
    if (!config.script)
      throw new Error(`${model} is scripted, but the upstream was started without a script`);
    return config.script({ model, system, turns });
  }

  /** What a `tools` model answers: the text, then the tools it calls (by name). */
  function toolPlanOf(parsed: ParsedRequest): { text: string; calls: string[] } | undefined {
    if (parsed.toolResults.length > 0)
      return { text: `The tool said: ${parsed.toolResults.join("; ")}`, calls: [] };
    const { tools, toolChoice, parallelToolCalls } = parsed;
    if (tools.length === 0 || toolChoice === "none") return undefined;
    const calls =
      typeof toolChoice === "object"
        ? [toolChoice.name]
        : tools.slice(0, parallelToolCalls && tools.length >= 2 ? 2 : 1);
    return { text: toolChoice === undefined || toolChoice === "auto" ? TOOL_PREAMBLE : "", calls };
  }

  async function respondWhole(
    parsed: ParsedRequest,
    reply: Reply,
    response: ServerResponse,
    markCut: () => void,
  ): Promise<void> {
    if (parsed.fault === "slow-first-token") await sleep(settings.firstTokenDelayMs);
    const text = reply.deltas.join("");
    const body =
      parsed.api === "openai"
        ? {
            id: "chatcmpl-fault",
            object: "chat.completion",
            created: 1,
            model: parsed.model,
            choices: [
              {
                index: 0,
                message:
                  reply.toolCalls.length > 0
                    ? {
                        role: "assistant",
                        content: text === "" ? null : text,
                        refusal: null,
                        tool_calls: reply.toolCalls.map((call) => ({
                          id: call.id,
                          type: "function",
                          function: { name: call.name, arguments: call.arguments },
                        })),
                      }
                    : { role: "assistant", content: text, refusal: null },
                finish_reason: openAIFinishReason(reply.stop),
                logprobs: null,
              },
            ],
            usage: usageOf(reply, "openai"),
          }
        : {
            id: "msg_fault",
            type: "message",
            role: "assistant",
            model: parsed.model,
            content: [
              ...(text ? [{ type: "text", text }] : []),
              ...reply.toolCalls.map((call) => ({
                ...anthropicToolUseBlock(call),
                input: JSON.parse(call.arguments) as unknown,
              })),
            ],
            stop_reason: anthropicStopReason(reply.stop),
            stop_sequence: reply.stopSequence,
            usage: usageOf(reply, "anthropic"),
          };
    const json = JSON.stringify(body);
    if (parsed.fault === "malformed") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end("{not json");
      return;
    }
    response.writeHead(200, { "content-type": "application/json" });
    if (parsed.fault === "cut" || parsed.fault === "stall") {
      response.write(json.slice(0, json.length >> 1));
      if (parsed.fault === "cut") {
        markCut();
        await sleep(10);
        response.socket?.destroy();
      }
      return;
    }
    response.end(json);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    openAIBaseURL: `http://127.0.0.1:${port}/v1`,
    anthropicBaseURL: `http://127.0.0.1:${port}`,
    requests,
    requestsFor: (model) => requests.filter((request) => request.model === model),
    replyText: replyTextOf,
    close: () =>
      new Promise((resolve) => {
        closing = true;
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type StreamWriter = {
  start(reply: Reply): void;
  delta(text: string): void;
  /** Opens the reply's tool call number `index` (from 0), after its text. */
  toolCallStart(call: ReplyToolCall, index: number): void;
  toolCallDelta(index: number, piece: string): void;
  toolCallStop(index: number): void;
  finish(reply: Reply, options: { done: boolean }): void;
  malformed(): void;
  ping?(): void;
  errorEvent(): void;
  unknownEvents?(): void;
};

function openAIStreamWriter(parsed: ParsedRequest, response: ServerResponse): StreamWriter {
  const send = (data: unknown) => response.write(`data: ${JSON.stringify(data)}\n\n`);
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    id: "chatcmpl-fault",
    object: "chat.completion.chunk",
    created: 1,
    model: parsed.model,
    choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
  });
  let started = false;
  return {
    start: (reply) => {
      // A reply that only calls tools starts with its first call, as OpenAI's do.
      if (reply.deltas.length === 0 && reply.toolCalls.length > 0) return;
      send(chunk({ role: "assistant", content: "" }));
      started = true;
    },
    delta: (text) => send(chunk({ content: text })),
    toolCallStart: (call, index) => {
      const toolCalls = [
        { index, id: call.id, type: "function", function: { name: call.name, arguments: "" } },
      ];
      send(
        chunk(
          started
            ? { tool_calls: toolCalls }
            : { role: "assistant", content: null, tool_calls: toolCalls, refusal: null },
        ),
      );
      started = true;
    },
    toolCallDelta: (index, piece) => send(chunk({ tool_calls: [{ index, function: { arguments: piece } }] })),
    toolCallStop: () => {},
    malformed: () => response.write('data: {"id":"chatcmpl-fault","choices":[{"delta":\n\n'),
    errorEvent: () =>
      send({ error: { message: "Overloaded", type: "server_error", param: null, code: null } }),
    finish: (reply, { done }) => {
      send(chunk({}, openAIFinishReason(reply.stop)));
      if (parsed.includeUsage) {
        send({
          id: "chatcmpl-fault",
          object: "chat.completion.chunk",
          created: 1,
          model: parsed.model,
          choices: [],
          usage: usageOf(reply, "openai"),
        });
      }
      if (done) response.write("data: [DONE]\n\n");
    },
  };
}

/**
 * The documented event sequence: message_start, content_block_start, ping, deltas, content_block_stop, then the
 * next block (a tool call's `tool_use`, its input as `input_json_delta`s, the first one empty), message_delta,
 * message_stop.
 */
function anthropicStreamWriter(parsed: ParsedRequest, response: ServerResponse): StreamWriter {
  const send = (event: string, data: unknown) =>
    response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  let textIndex = 0;
  /** The index of the content block that is open, if any, and of the next one. */
  let openIndex: number | undefined;
  let nextIndex = 0;
  let pinged = false;
  const openBlock = (block: Record<string, unknown>): number => {
    const index = nextIndex++;
    send("content_block_start", { type: "content_block_start", index, content_block: block });
    if (!pinged) send("ping", { type: "ping" });
    pinged = true;
    openIndex = index;
    return index;
  };
  const closeBlock = () => {
    if (openIndex === undefined) return;
    send("content_block_stop", { type: "content_block_stop", index: openIndex });
    openIndex = undefined;
  };
  return {
    start: (reply) => {
      send("message_start", {
        type: "message_start",
        message: {
          id: "msg_fault",
          type: "message",
          role: "assistant",
          content: [],
          model: parsed.model,
          stop_reason: null,
          stop_sequence: null,
          usage: { ...anthropicInputUsageOf(reply), output_tokens: 1 },
        },
      });
      if (parsed.asksThinking && parsed.fault === "thinking-redacted") {
        openBlock({ type: "redacted_thinking", data: REDACTED_THINKING_DATA });
        closeBlock();
      }
      if (parsed.asksThinking) {
        const index = openBlock({ type: "thinking", thinking: "", signature: "" });
        for (const thinking of THINKING_PIECES) {
          send("content_block_delta", {
            type: "content_block_delta",
            index,
            delta: { type: "thinking_delta", thinking },
          });
        }
        send("content_block_delta", {
          type: "content_block_delta",
          index,
          delta: { type: "signature_delta", signature: THINKING_SIGNATURE },
        });
        closeBlock();
      }
      if (parsed.fault === "unknown-events") {
        send("ping", { type: "ping" });
        pinged = true;
      } else if (reply.deltas.length > 0 || reply.toolCalls.length === 0) {
        // A reply that only calls tools starts with its first `tool_use` block.
        textIndex = openBlock({ type: "text", text: "" });
      }
    },
    unknownEvents: () => {
      send("future_event", { type: "future_event", detail: { anything: true } });
      send("content_block_start", {
        type: "content_block_start",
        index: 0,
        content_block: { type: "thinking", thinking: "", signature: "" },
      });
      send("content_block_delta", {
        type: "content_block_delta",
        index: 0,
        delta: { type: "thinking_delta", thinking: "Let me think." },
      });
      send("content_block_delta", {
        type: "content_block_delta",
        index: 0,
        delta: { type: "some_future_delta", value: 1 },
      });
      send("content_block_stop", { type: "content_block_stop", index: 0 });
      nextIndex = 1;
      textIndex = openBlock({ type: "text", text: "" });
    },
    ping: () => send("ping", { type: "ping" }),
    delta: (text) =>
      send("content_block_delta", {
        type: "content_block_delta",
        index: textIndex,
        delta: { type: "text_delta", text },
      }),
    toolCallStart: (call) => {
      closeBlock();
      const index = openBlock({ ...anthropicToolUseBlock(call), input: {} });
      send("content_block_delta", {
        type: "content_block_delta",
        index,
        delta: { type: "input_json_delta", partial_json: "" },
      });
    },
    toolCallDelta: (_index, piece) =>
      send("content_block_delta", {
        type: "content_block_delta",
        index: openIndex,
        delta: { type: "input_json_delta", partial_json: piece },
      }),
    toolCallStop: closeBlock,
    malformed: () => response.write("event: content_block_delta\ndata: {not json\n\n"),
    errorEvent: () =>
      send("error", { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }),
    finish: (reply, { done }) => {
      closeBlock();
      send("message_delta", {
        type: "message_delta",
        delta: { stop_reason: anthropicStopReason(reply.stop), stop_sequence: reply.stopSequence },
        usage: { output_tokens: outputTokensOf(reply) },
      });
      if (parsed.fault === "unknown-events") send("another_future_event", { type: "another_future_event" });
      if (done) send("message_stop", { type: "message_stop" });
    },
  };
}

function parseRequest(api: UpstreamApi, body: Record<string, unknown>): ParsedRequest {
  const model = String(body.model);
  const messages = messagesOf(body);
  const turns = messages.flatMap((message) =>
    api === "openai" ? [openAITurnOf(message)] : anthropicTurnsOf(message),
  );
  const stop = api === "openai" ? body.stop : body.stop_sequences;
  const maxTokens = api === "openai" ? (body.max_completion_tokens ?? body.max_tokens) : body.max_tokens;
  return {
    api,
    model,
    fault: faultOf(model),
    stream: body.stream === true,
    includeUsage: (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true,
    maxTokens: typeof maxTokens === "number" ? maxTokens : undefined,
    stopSequences: Array.isArray(stop) ? stop.map(String) : typeof stop === "string" ? [stop] : [],
    system:
      api === "anthropic"
        ? textOf(body.system)
        : turns
            .filter((turn) => turn.role === "system")
            .map((turn) => turn.content)
            .join("\n"),
    turns: api === "openai" ? turns.filter((turn) => turn.role !== "system") : turns,
    ...(api === "openai" ? openAIToolRequestOf(body) : anthropicToolRequestOf(body)),
    toolResults: api === "openai" ? openAIToolResultsOf(messages) : anthropicToolResultsOf(messages),
    marksHourCache: JSON.stringify(body).includes('"ttl":"1h"'),
    asksThinking:
      api === "anthropic" &&
      ["enabled", "adaptive"].includes(String((body.thinking as { type?: unknown })?.type)),
  };
}

function messagesOf(body: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [];
}

/** The parts of a message's content (none for text content). */
function partsOf(content: unknown): Record<string, unknown>[] {
  if (!Array.isArray(content)) return [];
  return content.filter((part): part is Record<string, unknown> => typeof part === "object" && part !== null);
}

function openAITurnOf(message: Record<string, unknown>): Turn {
  const turn: Turn = {
    role: String(message.role),
    content: textOf(message.content),
    images: imagePartsOf(message.content).length,
  };
  const toolCalls = partsOf(message.tool_calls);
  if (toolCalls.length > 0) {
    turn.toolCalls = toolCalls.map((call) => {
      const fn = (call.function ?? {}) as { name?: unknown; arguments?: unknown };
      return { id: String(call.id), name: String(fn.name), arguments: String(fn.arguments) };
    });
  }
  if (message.role === "tool") turn.toolCallId = String(message.tool_call_id);
  return turn;
}

/** One turn for a message, but one `tool` turn for each `tool_result` block, then a `user` turn with the rest. */
function anthropicTurnsOf(message: Record<string, unknown>): Turn[] {
  const parts = partsOf(message.content);
  const results = parts.filter((part) => part.type === "tool_result");
  const rest = results.length > 0 ? parts.filter((part) => part.type !== "tool_result") : message.content;
  const turns: Turn[] = results.map((result) => ({
    role: "tool",
    content: textOf(result.content),
    images: imagePartsOf(result.content).length,
    toolCallId: String(result.tool_use_id),
  }));
  if (results.length === 0 || partsOf(rest).length > 0) {
    const turn: Turn = {
      role: String(message.role),
      content: textOf(rest),
      images: imagePartsOf(rest).length,
    };
    const uses = parts.filter((part) => part.type === "tool_use");
    if (uses.length > 0) {
      turn.toolCalls = uses.map((use) => ({
        id: String(use.id),
        name: String(use.name),
        arguments: JSON.stringify(use.input),
      }));
    }
    turns.push(turn);
  }
  return turns;
}

function openAIToolRequestOf(body: Record<string, unknown>): ToolRequest {
  const choice = body.tool_choice as unknown;
  const forced =
    typeof choice === "object" && choice !== null && (choice as { type?: unknown }).type === "function"
      ? (choice as { function?: { name?: unknown } }).function?.name
      : undefined;
  return {
    tools: partsOf(body.tools)
      .filter((tool) => tool.type === "function")
      .map((tool) => String((tool.function as { name?: unknown } | undefined)?.name)),
    toolChoice:
      choice === "auto" || choice === "none" || choice === "required"
        ? choice
        : forced !== undefined
          ? { name: String(forced) }
          : undefined,
    parallelToolCalls: body.parallel_tool_calls !== false,
  };
}

function anthropicToolRequestOf(body: Record<string, unknown>): ToolRequest {
  const choice = body.tool_choice as
    | { type?: unknown; name?: unknown; disable_parallel_tool_use?: unknown }
    | undefined;
  return {
    tools: partsOf(body.tools)
      .filter((tool) => tool.type === undefined || tool.type === null || tool.type === "custom")
      .map((tool) => String(tool.name)),
    toolChoice:
      choice?.type === "auto" || choice?.type === "none"
        ? choice.type
        : choice?.type === "any"
          ? "required"
          : choice?.type === "tool"
            ? { name: String(choice.name) }
            : undefined,
    parallelToolCalls: choice?.disable_parallel_tool_use !== true,
  };
}

/** The texts of the `tool` messages that end the conversation. */
function openAIToolResultsOf(messages: Record<string, unknown>[]): string[] {
  const results: string[] = [];
  for (let index = messages.length - 1; index >= 0 && messages[index]?.role === "tool"; index--) {
    results.unshift(textOf(messages[index]?.content));
  }
  return results;
}

/** The texts of the `tool_result` blocks of the last message. */
function anthropicToolResultsOf(messages: Record<string, unknown>[]): string[] {
  const last = messages.at(-1);
  if (last?.role !== "user") return [];
  return partsOf(last.content)
    .filter((part) => part.type === "tool_result")
    .map((part) => textOf(part.content));
}

/**
 * The checks of the real Chat Completions API on tool calls: each `tool` message answers a call of the assistant
 * message before it (and its run of `tool` messages), every call of an assistant message is answered, `tools` is
 * not empty, and `tool_choice` and `parallel_tool_calls` come with tools (a named tool among them).
 */
function openAIRequestProblem(body: Record<string, unknown>): string | undefined {
  const messages = messagesOf(body);
  for (const [index, message] of messages.entries()) {
    if (message.role === "tool") {
      if (typeof message.tool_call_id !== "string")
        return `Missing required parameter: 'messages.[${index}].tool_call_id'.`;
      let before = index - 1;
      while (before >= 0 && messages[before]?.role === "tool") before--;
      const previous = messages[before];
      const ids = previous?.role === "assistant" ? partsOf(previous.tool_calls).map((call) => call.id) : [];
      if (ids.length === 0) {
        return "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.";
      }
      if (!ids.includes(message.tool_call_id)) {
        return `Invalid parameter: 'tool_call_id' of '${message.tool_call_id}' not found in 'tool_calls' of previous message.`;
      }
    }
    const calls = message.role === "assistant" ? partsOf(message.tool_calls) : [];
    if (calls.length > 0) {
      const answered = new Set<unknown>();
      for (let after = index + 1; messages[after]?.role === "tool"; after++)
        answered.add(messages[after]?.tool_call_id);
      const missing = calls.map((call) => String(call.id)).filter((id) => !answered.has(id));
      if (missing.length > 0) {
        return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${missing.join(", ")}`;
      }
    }
  }
  if (Array.isArray(body.tools) && body.tools.length === 0) {
    return "Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.";
  }
  const { tools, toolChoice } = openAIToolRequestOf(body);
  const hasTools = Array.isArray(body.tools);
  if (body.tool_choice !== undefined && body.tool_choice !== null && !hasTools) {
    return "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.";
  }
  if (body.parallel_tool_calls !== undefined && body.parallel_tool_calls !== null && !hasTools) {
    return "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.";
  }
  if (typeof toolChoice === "object" && !tools.includes(toolChoice.name)) {
    return `Invalid value for 'tool_choice': function '${toolChoice.name}' is not one of the 'tools'.`;
  }
  return undefined;
}

/** The checks of the real Messages API that a careless request would fail. */
function anthropicRequestProblem(body: Record<string, unknown>): string | undefined {
  if (typeof body.max_tokens !== "number") return "max_tokens: Field required";
  const messages = messagesOf(body);
  if (messages.length === 0) return "messages: at least one message is required";
  const toolProblem = anthropicToolProblem(body, messages);
  if (toolProblem) return toolProblem;
  for (const [index, message] of messages.entries()) {
    if (message.role !== "user" && message.role !== "assistant") {
      return `messages.${index}.role: Input should be 'user' or 'assistant'`;
    }
    if (index > 0 && messages[index - 1]?.role === message.role) {
      return 'messages: roles must alternate between "user" and "assistant", but found multiple consecutive turns of the same role';
    }
    const hasBlocks = partsOf(message.content).some((part) =>
      ["image", "tool_use", "tool_result"].includes(String(part.type)),
    );
    if (textOf(message.content) === "" && !hasBlocks && index !== messages.length - 1) {
      return `messages.${index}: all messages must have non-empty content except for the optional final assistant message`;
    }
  }
  const last = messages.at(-1);
  if (last?.role === "assistant" && /\s$/.test(textOf(last.content))) {
    return "messages: final assistant content cannot end with trailing whitespace";
  }
  return undefined;
}

/**
 * The Messages API's checks on tools: each custom tool has a name and an object `input_schema`; `tool_choice` comes
 * with tools (a named tool among them); `tool_use` and `tool_result` blocks need tools defined; each `tool_result`
 * answers a `tool_use` of the message just before, and each `tool_use` is answered by the next message.
 */
function anthropicToolProblem(
  body: Record<string, unknown>,
  messages: Record<string, unknown>[],
): string | undefined {
  const tools = partsOf(body.tools);
  for (const [index, tool] of tools.entries()) {
    if (tool.type !== undefined && tool.type !== null && tool.type !== "custom") continue;
    if (typeof tool.name !== "string" || tool.name === "")
      return `tools.${index}.custom.name: Field required`;
    const schema = tool.input_schema;
    if (schema === undefined) return `tools.${index}.custom.input_schema: Field required`;
    if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
      return `tools.${index}.custom.input_schema: Input should be a valid dictionary`;
    }
    if ((schema as { type?: unknown }).type !== "object") {
      return `tools.${index}.custom.input_schema.type: Input should be 'object'`;
    }
  }
  const { tools: names, toolChoice } = anthropicToolRequestOf(body);
  if (body.tool_choice !== undefined && body.tool_choice !== null && tools.length === 0) {
    return "tool_choice may only be specified while providing tools.";
  }
  if (typeof toolChoice === "object" && !names.includes(toolChoice.name)) {
    return `tool_choice.name: Tool '${toolChoice.name}' not found in the provided tools`;
  }
  const blocksOf = (message: Record<string, unknown> | undefined, type: string) =>
    partsOf(message?.content).filter((part) => part.type === type);
  const usesTools = messages.some(
    (message) => blocksOf(message, "tool_use").length > 0 || blocksOf(message, "tool_result").length > 0,
  );
  if (usesTools && tools.length === 0) {
    return "Requests which include `tool_use` or `tool_result` blocks must define tools.";
  }
  for (const [index, message] of messages.entries()) {
    const previous = messages[index - 1];
    const asked = previous?.role === "assistant" ? blocksOf(previous, "tool_use").map((use) => use.id) : [];
    const unexpected = blocksOf(message, "tool_result")
      .map((result) => result.tool_use_id)
      .filter((id) => !asked.includes(id));
    if (unexpected.length > 0) {
      return `messages.${index}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${unexpected.join(", ")}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    }
  }
  for (const [index, message] of messages.entries()) {
    const next = messages[index + 1];
    if (message.role !== "assistant" || next === undefined) continue;
    const answered = blocksOf(next, "tool_result").map((result) => result.tool_use_id);
    const unanswered = blocksOf(message, "tool_use")
      .map((use) => use.id)
      .filter((id) => !answered.includes(id));
    if (unanswered.length > 0) {
      return `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${unanswered.join(", ")}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
  }
  return undefined;
}

/** The image types both APIs read. */
const IMAGE_MEDIA_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/**
 * The checks of the real APIs on images: in user messages only, and each one well-formed (an OpenAI `image_url`
 * with a base64 data URL or a web address; an Anthropic base64 source of one of the four types).
 */
function imageProblem(api: UpstreamApi, body: Record<string, unknown>): string | undefined {
  const messages = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [];
  for (const [index, message] of messages.entries()) {
    for (const part of imagePartsOf(message.content)) {
      if (message.role !== "user") return `messages.${index}: images are only allowed in user messages`;
      if (api === "openai") {
        const url = (part.image_url as { url?: unknown } | undefined)?.url;
        if (
          typeof url !== "string" ||
          !/^(data:image\/[a-z]+;base64,[A-Za-z0-9+/]+=*|https?:\/\/.+)$/.test(url)
        ) {
          return `messages.${index}: Invalid image URL: expected a base64 data URL or a web address`;
        }
      } else {
        const source = part.source as { type?: unknown; media_type?: unknown; data?: unknown } | undefined;
        if (source?.type !== "base64")
          return `messages.${index}: image source.type must be "base64" or "url"`;
        if (!IMAGE_MEDIA_TYPES.includes(String(source.media_type))) {
          return `messages.${index}: image source.media_type: Input should be ${IMAGE_MEDIA_TYPES.map((type) => `'${type}'`).join(", ")}`;
        }
        if (typeof source.data !== "string" || !/^[A-Za-z0-9+/]+=*$/.test(source.data)) {
          return `messages.${index}: image source.data: Input should be base64`;
        }
      }
    }
  }
  return undefined;
}

/** The image parts of a message's content, in either wire format. */
export function imagePartsOf(content: unknown): Record<string, unknown>[] {
  if (!Array.isArray(content)) return [];
  return content.filter(
    (part): part is Record<string, unknown> =>
      typeof part === "object" && part !== null && (part.type === "image_url" || part.type === "image"),
  );
}

function sendError(
  response: ServerResponse,
  api: UpstreamApi,
  status: number,
  message: string,
  headers: Record<string, string> = {},
  openAICode: string | null = null,
  openAIParam: string | null = null,
): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  const body =
    api === "openai"
      ? { error: { message, type: openAIErrorType(status), param: openAIParam, code: openAICode } }
      : { type: "error", error: { type: anthropicErrorType(status), message }, request_id: "req_fault" };
  response.end(JSON.stringify(body));
}

function openAIErrorType(status: number): string {
  if (status === 429) return "rate_limit_exceeded";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

function anthropicErrorType(status: number): string {
  const types: Record<number, string> = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
  };
  return types[status] ?? "api_error";
}

function openAIFinishReason(stop: Reply["stop"]): string {
  return stop === "stop_sequence" ? "stop" : stop;
}

function anthropicStopReason(stop: Reply["stop"]): string {
  if (stop === "tool_calls") return "tool_use";
  if (stop === "length") return "max_tokens";
  if (stop === "content_filter") return "refusal";
  if (stop === "stop_sequence") return "stop_sequence";
  return "end_turn";
}

/** An Anthropic `tool_use` block for a call, without its `input`. */
function anthropicToolUseBlock(call: ReplyToolCall): Record<string, unknown> {
  return { type: "tool_use", id: call.id, name: call.name, caller: { type: "direct" } };
}

/** One token a delta: a word of the text, a piece of a call's arguments. */
function outputTokensOf(reply: Reply): number {
  return reply.deltas.length + reply.toolCalls.reduce((sum, call) => sum + call.pieces.length, 0);
}

function usageOf(reply: Reply, api: UpstreamApi): Record<string, unknown> {
  const output = outputTokensOf(reply);
  if (api === "anthropic") return { ...anthropicInputUsageOf(reply), output_tokens: output };
  const prompt = reply.inputTokens + (reply.cache ? reply.cache.readTokens + reply.cache.writtenTokens : 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: output,
    total_tokens: prompt + output,
    ...(reply.cache && { prompt_tokens_details: { cached_tokens: reply.cache.readTokens, audio_tokens: 0 } }),
  };
}

/** Anthropic's input counts: `input_tokens` leaves out what the prompt cache served and stored. */
function anthropicInputUsageOf(reply: Reply): Record<string, unknown> {
  const { cache } = reply;
  return {
    input_tokens: reply.inputTokens,
    ...(cache && {
      cache_creation_input_tokens: cache.writtenTokens,
      cache_read_input_tokens: cache.readTokens,
      cache_creation: {
        ephemeral_5m_input_tokens: cache.forAnHour ? 0 : cache.writtenTokens,
        ephemeral_1h_input_tokens: cache.forAnHour ? cache.writtenTokens : 0,
      },
    }),
  };
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (typeof part === "object" && part !== null && "text" in part ? String(part.text) : ""))
      .join("");
  }
  return "";
}

function splitWords(text: string): string[] {
  return text === "" ? [] : text.split(/(?=\s)/);
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => resolve(body));
    request.on("error", reject);
  });
}

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
] as const;

/** The whole text a `cite` reply has. */
export const CITING_REPLY = "Timers fire after their delay [S1]. Also see [S99].";

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

export type RecordedRequest = RequestText & {
  api: UpstreamApi;
  fault: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** `performance.now()` when the request arrived. */
  at: number;
  /** True once the client closed the connection before the response was complete (an abort or a timeout). */
  closedByClient: boolean;
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

/** `images` counts the turn's image parts (OpenAI `image_url`, Anthropic `image`), which its text leaves out. */
export type Turn = { role: string; content: string; images: number };

/**
 * What a request said, in the same shape for both wire formats: the model asked for, the system prompt (a bot's
 * instructions and knowledge), and every other message in order, the last being the user's latest.
 */
export type RequestText = { model: string; system: string; turns: Turn[] };

/** What a request asks for, in the same shape for both wire formats. */
type ParsedRequest = RequestText & {
  api: UpstreamApi;
  fault: string;
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number | undefined;
  stopSequences: string[];
};

type Reply = {
  deltas: string[];
  /** Why the model stopped, in the neutral words `stop`, `length`, `stop_sequence`, `content_filter`. */
  stop: "stop" | "length" | "stop_sequence" | "content_filter";
  stopSequence: string | null;
  inputTokens: number;
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
      fault: parsed.fault,
      body,
      headers: request.headers,
      at: performance.now(),
      closedByClient: false,
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
    if (api === "anthropic") {
      const invalid = anthropicRequestProblem(body, parsed);
      if (invalid) {
        sendError(response, api, 400, invalid);
        return;
      }
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
    if (gone()) return;
    writer.finish(reply, { done: fault !== "no-done" });
    if (fault === "no-done") cutByServer = true;
    response.end();
  }

  function composeReply(parsed: ParsedRequest): Reply {
    const inputTokens = countWords([parsed.system, ...parsed.turns.map((turn) => turn.content)].join(" "));
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
                : replyTextOf(parsed.model);
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
    }
    return { deltas, stop, stopSequence, inputTokens };
  }

  function scriptedReply({ model, system, turns }: ParsedRequest): string {
    if (!config.script)
      throw new Error(`${model} is scripted, but the upstream was started without a script`);
    return config.script({ model, system, turns });
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
                message: { role: "assistant", content: text, refusal: null },
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
            content: text ? [{ type: "text", text }] : [],
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
  return {
    start: () => send(chunk({ role: "assistant", content: "" })),
    delta: (text) => send(chunk({ content: text })),
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

/** The documented event sequence: message_start, content_block_start, ping, deltas, stops, message_delta. */
function anthropicStreamWriter(parsed: ParsedRequest, response: ServerResponse): StreamWriter {
  const send = (event: string, data: unknown) =>
    response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  let textIndex = 0;
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
          usage: { input_tokens: reply.inputTokens, output_tokens: 1 },
        },
      });
      if (parsed.fault !== "unknown-events") {
        send("content_block_start", {
          type: "content_block_start",
          index: 0,
          content_block: { type: "text", text: "" },
        });
      }
      send("ping", { type: "ping" });
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
      textIndex = 1;
      send("content_block_start", {
        type: "content_block_start",
        index: 1,
        content_block: { type: "text", text: "" },
      });
    },
    ping: () => send("ping", { type: "ping" }),
    delta: (text) =>
      send("content_block_delta", {
        type: "content_block_delta",
        index: textIndex,
        delta: { type: "text_delta", text },
      }),
    malformed: () => response.write("event: content_block_delta\ndata: {not json\n\n"),
    errorEvent: () =>
      send("error", { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }),
    finish: (reply, { done }) => {
      send("content_block_stop", { type: "content_block_stop", index: textIndex });
      send("message_delta", {
        type: "message_delta",
        delta: { stop_reason: anthropicStopReason(reply.stop), stop_sequence: reply.stopSequence },
        usage: { output_tokens: reply.deltas.length },
      });
      if (parsed.fault === "unknown-events") send("another_future_event", { type: "another_future_event" });
      if (done) send("message_stop", { type: "message_stop" });
    },
  };
}

function parseRequest(api: UpstreamApi, body: Record<string, unknown>): ParsedRequest {
  const model = String(body.model);
  const messages = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [];
  const turns = messages.map((message) => ({
    role: String(message.role),
    content: textOf(message.content),
    images: imagePartsOf(message.content).length,
  }));
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
  };
}

/** The checks of the real Messages API that a careless request would fail. */
function anthropicRequestProblem(body: Record<string, unknown>, parsed: ParsedRequest): string | undefined {
  if (typeof body.max_tokens !== "number") return "max_tokens: Field required";
  if (parsed.turns.length === 0) return "messages: at least one message is required";
  for (const [index, turn] of parsed.turns.entries()) {
    if (turn.role !== "user" && turn.role !== "assistant") {
      return `messages.${index}.role: Input should be 'user' or 'assistant'`;
    }
    if (index > 0 && parsed.turns[index - 1]?.role === turn.role) {
      return 'messages: roles must alternate between "user" and "assistant", but found multiple consecutive turns of the same role';
    }
    if (turn.content === "" && turn.images === 0 && index !== parsed.turns.length - 1) {
      return `messages.${index}: all messages must have non-empty content except for the optional final assistant message`;
    }
  }
  const last = parsed.turns.at(-1);
  if (last?.role === "assistant" && /\s$/.test(last.content)) {
    return "messages: final assistant content cannot end with trailing whitespace";
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
): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  const body =
    api === "openai"
      ? { error: { message, type: openAIErrorType(status), param: null, code: openAICode } }
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
  if (stop === "length") return "max_tokens";
  if (stop === "content_filter") return "refusal";
  if (stop === "stop_sequence") return "stop_sequence";
  return "end_turn";
}

function usageOf(reply: Reply, api: UpstreamApi): Record<string, number> {
  return api === "openai"
    ? {
        prompt_tokens: reply.inputTokens,
        completion_tokens: reply.deltas.length,
        total_tokens: reply.inputTokens + reply.deltas.length,
      }
    : { input_tokens: reply.inputTokens, output_tokens: reply.deltas.length };
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

/** POST /v1/messages (and its count_tokens): Parley's models and runs in the Anthropic Messages format. */
import type { FastifyInstance } from "fastify";
import type { FinishReason, Usage } from "../../core/run-event.js";
import { toToolUseInput } from "../../providers/anthropic/to-tool-use-input.js";
import type { LiveRun } from "../../runs/live-run.js";
import { assertKeyMayAsk } from "../auth/assert-key-may-ask.js";
import { principalOf } from "../auth/request-principal.js";
import { SseWriter } from "../sse-writer.js";
import {
  parseAnthropicCountTokensRequest,
  parseAnthropicMessagesRequest,
} from "./anthropic-messages-request.js";
import {
  anthropicErrorBody,
  handleAnthropicError,
  sendRunError,
  statusOfRunError,
} from "./compatible-error.js";
import {
  FIRST_ANSWER_WAIT_MS,
  type FinishedRun,
  failureBeforeAnswer,
  finishedRun,
  stopRunWhenClientLeaves,
} from "./finished-run.js";
import { type CompatibleRouteDeps, startCompatibleExchange } from "./start-compatible-exchange.js";

export function registerAnthropicMessagesRoutes(app: FastifyInstance, deps: CompatibleRouteDeps) {
  app.register(async (scope) => {
    scope.setErrorHandler(handleAnthropicError);
    // Counted as the model that would answer counts it (a bot's with its instructions); no reply, so no limit taken.
    scope.post("/v1/messages/count_tokens", async (request) => {
      const counted = parseAnthropicCountTokensRequest(request.body);
      const principal = principalOf(request);
      await assertKeyMayAsk(deps, principal, counted.model);
      return {
        input_tokens: await deps.runs.countPromptTokens({
          ...counted,
          userId: principal.userId,
          keyModels: principal.keyModels,
        }),
      };
    });

    scope.post("/v1/messages", async (request, reply) => {
      const exchange = parseAnthropicMessagesRequest(request.body);
      const principal = principalOf(request);
      const live = await startCompatibleExchange(deps, principal, exchange);
      const leave = stopRunWhenClientLeaves(live, reply.raw);
      if (exchange.stream) {
        const failure = await failureBeforeAnswer(live, leave, FIRST_ANSWER_WAIT_MS);
        if (failure) return sendRunError(reply, failure, anthropicErrorBody);
        reply.hijack();
        await streamEvents(live, new SseWriter(reply.raw, { pingIntervalMs: deps.pingIntervalMs }), leave);
        return reply;
      }
      const outcome = await finishedRun(live, leave);
      if (!outcome.ok) return sendRunError(reply, outcome.error, anthropicErrorBody);
      return {
        ...messageShell(live),
        content: [...live.thinking, ...contentOf(outcome)],
        stop_reason: stopReasonOf(outcome.finishReason),
        usage: usageOf(outcome.usage),
      };
    });
  });
}

async function streamEvents(live: LiveRun, sse: SseWriter, leave: AbortSignal) {
  // Every Anthropic stream event names its type twice: in the `event:` line and in the data.
  const send = (
    type: string,
    data: Record<string, unknown> = {},
    options?: { immediate?: boolean; withNext?: boolean },
  ) => sse.write({ event: type, data: JSON.stringify({ type, ...data }) }, options);
  /**
   * The content blocks one after another: thinking (when asked for), text, then a `tool_use` block per call (text
   * after a call opens a text block again). Only one is open at a time, as the format requires.
   */
  let blocks = 0;
  let open: "thinking" | "text" | "tool_use" | undefined;
  /** The tool call whose block is open. */
  let openCall = -1;
  const close = () => {
    const stopped = open !== undefined ? send("content_block_stop", { index: blocks - 1 }) : undefined;
    open = undefined;
    return stopped;
  };
  // A block's start goes out with what follows it (its first text or piece, or its stop): sent alone, it would open
  // the writer's coalescing window, and the block's first text would wait for that window to close.
  const openBlock = (kind: "thinking" | "text" | "tool_use", block: Record<string, unknown>) => {
    close();
    open = kind;
    return send("content_block_start", { index: blocks++, content_block: block }, { withNext: true });
  };
  try {
    await live.follow(
      0,
      (event) => {
        if (event.event === "run.start") {
          send("message_start", {
            message: {
              ...messageShell(live),
              content: [],
              stop_reason: null,
              // The prompt as Parley counted it to fit the model's window, before the model has said (a client may
              // show it as the context used); message_delta brings the model's own count, cache reads apart.
              usage: { input_tokens: event.data.context?.promptTokens ?? 0, output_tokens: 0 },
            },
          });
          // The opening events go out at once, so the first token after them is not held back. The first block
          // opens with the first text or call: a reply that calls a tool straight away has no text block (an
          // empty one would be refused when the client sends the turn back).
          return send("ping", {}, { immediate: true });
        }
        if (event.event === "thinking.delta") {
          if (open !== "thinking") openBlock("thinking", { type: "thinking", thinking: "", signature: "" });
          return send("content_block_delta", {
            index: blocks - 1,
            delta: { type: "thinking_delta", thinking: event.data.thinking },
          });
        }
        if (event.event === "thinking.signature") {
          // A block whose thinking came whole at its start (or empty) has sent no delta yet: it opens here.
          if (open !== "thinking") openBlock("thinking", { type: "thinking", thinking: "", signature: "" });
          send("content_block_delta", {
            index: blocks - 1,
            delta: { type: "signature_delta", signature: event.data.signature },
          });
          return close();
        }
        if (event.event === "thinking.redacted") {
          openBlock("thinking", { type: "redacted_thinking", data: event.data.data });
          return close();
        }
        if (event.event === "text.delta") {
          if (open !== "text") openBlock("text", { type: "text", text: "" });
          return send("content_block_delta", {
            index: blocks - 1,
            delta: { type: "text_delta", text: event.data.text },
          });
        }
        if (event.event === "tool_call.start") {
          openCall = event.data.index;
          return openBlock("tool_use", {
            type: "tool_use",
            id: event.data.id,
            name: event.data.name,
            input: {},
          });
        }
        if (event.event === "tool_call.delta") {
          // Calls come one after another (ChatStreamPart): a piece is always the open call's.
          if (open !== "tool_use" || event.data.index !== openCall) return undefined;
          return send("content_block_delta", {
            index: blocks - 1,
            delta: { type: "input_json_delta", partial_json: event.data.arguments },
          });
        }
        if (event.event === "run.end") {
          // A reply with nothing in it still has its (empty) text block, as Anthropic's API answers one.
          if (blocks === 0) openBlock("text", { type: "text", text: "" });
          close();
          send("message_delta", {
            delta: { stop_reason: stopReasonOf(event.data.finishReason), stop_sequence: null },
            // The whole reply's usage, as Anthropic's own message_delta carries it: message_start went out
            // before the model had said what it read from its cache.
            usage: usageOf(event.data.usage),
          });
          return send("message_stop");
        }
        if (event.event === "run.error") {
          const status = statusOfRunError(event.data.code);
          return send("error", {
            error: anthropicErrorBody(event.data.code, event.data.message, status).error,
          });
        }
        return undefined;
      },
      leave,
    );
  } finally {
    sse.end();
  }
}

function messageShell(live: LiveRun) {
  return {
    id: `msg_${live.id}`,
    type: "message",
    role: "assistant",
    model: live.record.model,
    stop_sequence: null,
  };
}

function stopReasonOf(reason: FinishReason): "end_turn" | "max_tokens" | "tool_use" {
  return reason === "length" ? "max_tokens" : reason === "tool_calls" ? "tool_use" : "end_turn";
}

/** The reply's text block (left out when the reply is only tool calls), then a `tool_use` block per call. */
function contentOf(outcome: FinishedRun & { ok: true }) {
  return [
    ...(outcome.text !== "" || outcome.toolCalls.length === 0 ? [{ type: "text", text: outcome.text }] : []),
    ...outcome.toolCalls.map((call) => ({
      type: "tool_use",
      id: call.id,
      name: call.name,
      input: toToolUseInput(call.arguments),
    })),
  ];
}

/**
 * Anthropic's usage: its `input_tokens` leaves out the prompt's tokens read from the cache and written to it, which it
 * counts in `cache_read_input_tokens` and `cache_creation_input_tokens`; Parley's `inputTokens` counts all three. When
 * the model said neither (no cache, or a server that does not report it), the whole prompt is `input_tokens`; when it
 * said only one, the other is null, as the format has it for a count that does not apply. The writes are split by how
 * long they are kept (`cache_creation`), as the API does.
 */
function usageOf(usage: Usage) {
  const { cachedInputTokens: cached, cacheWriteInputTokens: written } = usage;
  const forAnHour = usage.cacheWriteHourInputTokens ?? 0;
  if (cached === undefined && written === undefined)
    return { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens };
  return {
    input_tokens: Math.max(0, usage.inputTokens - (cached ?? 0) - (written ?? 0)),
    output_tokens: usage.outputTokens,
    cache_read_input_tokens: cached ?? null,
    cache_creation_input_tokens: written ?? null,
    ...(written !== undefined && {
      cache_creation: {
        ephemeral_5m_input_tokens: written - forAnHour,
        ephemeral_1h_input_tokens: forAnHour,
      },
    }),
  };
}

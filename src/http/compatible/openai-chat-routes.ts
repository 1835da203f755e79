/** POST /v1/chat/completions: Parley's models and runs in the OpenAI Chat Completions format. */
import type { FastifyInstance } from "fastify";
import type { FinishReason, Usage } from "../../core/run-event.js";
import type { LiveRun } from "../../runs/live-run.js";
import { principalOf } from "../auth/request-principal.js";
import { SseWriter } from "../sse-writer.js";
import { handleOpenAIError, openAIErrorBody, sendRunError, statusOfRunError } from "./compatible-error.js";
import {
  FIRST_ANSWER_WAIT_MS,
  type FinishedRun,
  failureBeforeAnswer,
  finishedRun,
  stopRunWhenClientLeaves,
} from "./finished-run.js";
import { type OpenAIChatRequest, parseOpenAIChatRequest } from "./openai-chat-request.js";
import { type CompatibleRouteDeps, startCompatibleExchange } from "./start-compatible-exchange.js";

export function registerOpenAIChatRoutes(app: FastifyInstance, deps: CompatibleRouteDeps) {
  app.register(async (scope) => {
    scope.setErrorHandler(handleOpenAIError);
    scope.post("/v1/chat/completions", async (request, reply) => {
      const chat = parseOpenAIChatRequest(request.body);
      const principal = principalOf(request);
      const live = await startCompatibleExchange(deps, principal, chat);
      const leave = stopRunWhenClientLeaves(live, reply.raw);
      if (chat.stream) {
        const failure = await failureBeforeAnswer(live, leave, FIRST_ANSWER_WAIT_MS);
        if (failure) return sendRunError(reply, failure, openAIErrorBody);
        reply.hijack();
        await streamChunks(
          live,
          chat,
          new SseWriter(reply.raw, { pingIntervalMs: deps.pingIntervalMs }),
          leave,
        );
        return reply;
      }
      const outcome = await finishedRun(live, leave);
      if (!outcome.ok) return sendRunError(reply, outcome.error, openAIErrorBody);
      return {
        id: completionId(live),
        object: "chat.completion",
        created: createdOf(live),
        model: live.record.model,
        choices: [
          {
            index: 0,
            message: messageOf(outcome),
            finish_reason: finishReasonOf(outcome.finishReason),
            logprobs: null,
          },
        ],
        usage: usageOf(outcome.usage),
      };
    });
  });
}

async function streamChunks(live: LiveRun, chat: OpenAIChatRequest, sse: SseWriter, leave: AbortSignal) {
  const base = {
    id: completionId(live),
    object: "chat.completion.chunk",
    created: createdOf(live),
    model: live.record.model,
  };
  // Every chunk of a stream repeats the same fields: their JSON is made once, and each delta only fills in its text.
  const head = JSON.stringify(base).slice(0, -1);
  const contentChunk = (text: string) =>
    `${head},"choices":[{"index":0,"delta":{"content":${JSON.stringify(text)}},"finish_reason":null,"logprobs":null}]}`;
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }] });
  try {
    await live.follow(
      0,
      (event) => {
        if (event.event === "text.delta") return sse.write({ data: contentChunk(event.data.text) });
        if (event.event === "tool_call.start") {
          const { index, id, name } = event.data;
          return sse.write({
            data: chunk({ tool_calls: [{ index, id, type: "function", function: { name, arguments: "" } }] }),
          });
        }
        if (event.event === "tool_call.delta") {
          const { index, arguments: piece } = event.data;
          return sse.write({ data: chunk({ tool_calls: [{ index, function: { arguments: piece } }] }) });
        }
        if (event.event === "run.start") {
          // The opening chunk goes out at once, so the first token after it is not held in the coalescing window.
          return sse.write({ data: chunk({ role: "assistant", content: "" }) }, { immediate: true });
        }
        if (event.event === "run.end") {
          sse.write({ data: chunk({}, finishReasonOf(event.data.finishReason)) });
          if (chat.includeUsage)
            sse.write({ data: JSON.stringify({ ...base, choices: [], usage: usageOf(event.data.usage) }) });
          return sse.write({ data: "[DONE]" });
        }
        if (event.event === "run.error") {
          // After streaming began, a failure is reported in-band, and the missing [DONE] marks the reply as cut.
          const status = statusOfRunError(event.data.code);
          return sse.write({
            data: JSON.stringify(openAIErrorBody(event.data.code, event.data.message, status)),
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

function completionId(live: LiveRun): string {
  return `chatcmpl-${live.id}`;
}

function createdOf(live: LiveRun): number {
  return Math.floor(live.record.createdAt / 1000);
}

function finishReasonOf(reason: FinishReason): "stop" | "length" | "tool_calls" {
  return reason === "length" || reason === "tool_calls" ? reason : "stop";
}

/** The reply as OpenAI's message: with tool calls, `content` is null when the model wrote no text before them. */
function messageOf(outcome: FinishedRun & { ok: true }) {
  if (outcome.toolCalls.length === 0) return { role: "assistant", content: outcome.text, refusal: null };
  return {
    role: "assistant",
    content: outcome.text === "" ? null : outcome.text,
    refusal: null,
    tool_calls: outcome.toolCalls.map((call) => ({
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: call.arguments },
    })),
  };
}

/**
 * OpenAI's usage: `prompt_tokens` is the whole prompt, and `prompt_tokens_details.cached_tokens` those of it read from
 * the prompt cache (tokens written to a cache have no place in this format: they count as plain prompt tokens).
 */
function usageOf(usage: Usage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    ...(usage.cachedInputTokens !== undefined && {
      prompt_tokens_details: { cached_tokens: usage.cachedInputTokens },
    }),
  };
}

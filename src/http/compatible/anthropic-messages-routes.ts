/** POST /v1/messages (and its count_tokens): Parley's models and runs in the Anthropic Messages format. */
import type { FastifyInstance, FastifyReply } from "fastify";
import type { FinishReason, RunEventDataMap } from "../../core/run-event.js";
import type { LiveRun } from "../../runs/live-run.js";
import type { RunService } from "../../runs/run-service.js";
import { principalOf } from "../auth/request-principal.js";
import type { RunAdmission } from "../run-admission.js";
import { SseWriter } from "../sse-writer.js";
import {
  parseAnthropicCountTokensRequest,
  parseAnthropicMessagesRequest,
} from "./anthropic-messages-request.js";
import { anthropicErrorBody, handleAnthropicError, statusOfRunError } from "./compatible-error.js";
import {
  FIRST_ANSWER_WAIT_MS,
  failureBeforeAnswer,
  finishedRun,
  stopRunWhenClientLeaves,
} from "./finished-run.js";

export function registerAnthropicMessagesRoutes(
  app: FastifyInstance,
  deps: { runs: RunService; admission: RunAdmission; pingIntervalMs: number },
) {
  app.register(async (scope) => {
    scope.setErrorHandler(handleAnthropicError);
    // Counted as the model that would answer counts it (a bot's with its instructions); no reply, so no limit taken.
    scope.post("/v1/messages/count_tokens", async (request) => {
      const { model, messages } = parseAnthropicCountTokensRequest(request.body);
      const principal = principalOf(request);
      return {
        input_tokens: await deps.runs.countPromptTokens({ model, messages, userId: principal.userId }),
      };
    });

    scope.post("/v1/messages", async (request, reply) => {
      const exchange = parseAnthropicMessagesRequest(request.body);
      const principal = principalOf(request);
      await deps.admission.admit(principal);
      const live = await deps.runs.startExchange({
        ...exchange,
        userId: principal.userId,
        apiKeyId: principal.apiKeyId,
      });
      const leave = stopRunWhenClientLeaves(live, reply.raw);
      if (exchange.stream) {
        const failure = await failureBeforeAnswer(live, leave, FIRST_ANSWER_WAIT_MS);
        if (failure) return sendRunError(reply, failure);
        reply.hijack();
        await streamEvents(live, new SseWriter(reply.raw, { pingIntervalMs: deps.pingIntervalMs }), leave);
        return reply;
      }
      const outcome = await finishedRun(live, leave);
      if (!outcome.ok) return sendRunError(reply, outcome.error);
      return {
        ...messageShell(live),
        content: [{ type: "text", text: outcome.text }],
        stop_reason: stopReasonOf(outcome.finishReason),
        usage: { input_tokens: outcome.usage.inputTokens, output_tokens: outcome.usage.outputTokens },
      };
    });
  });
}

function sendRunError(reply: FastifyReply, error: RunEventDataMap["run.error"]): FastifyReply {
  const status = statusOfRunError(error.code);
  return reply.status(status).send(anthropicErrorBody(error.code, error.message, status));
}

async function streamEvents(live: LiveRun, sse: SseWriter, leave: AbortSignal) {
  // Every Anthropic stream event names its type twice: in the `event:` line and in the data.
  const send = (type: string, data: Record<string, unknown> = {}, immediate = false) =>
    sse.write({ event: type, data: JSON.stringify({ type, ...data }) }, { immediate });
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
              usage: { input_tokens: 0, output_tokens: 0 },
            },
          });
          send("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
          // The opening events go out at once, so the first token after them is not held back.
          return send("ping", {}, true);
        }
        if (event.event === "text.delta") {
          return send("content_block_delta", {
            index: 0,
            delta: { type: "text_delta", text: event.data.text },
          });
        }
        if (event.event === "run.end") {
          send("content_block_stop", { index: 0 });
          send("message_delta", {
            delta: { stop_reason: stopReasonOf(event.data.finishReason), stop_sequence: null },
            usage: {
              input_tokens: event.data.usage.inputTokens,
              output_tokens: event.data.usage.outputTokens,
            },
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

function stopReasonOf(reason: FinishReason): "end_turn" | "max_tokens" {
  return reason === "length" ? "max_tokens" : "end_turn";
}

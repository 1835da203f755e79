/**
 * POST /v1/responses: Parley's models and runs in the format of OpenAI's Responses API (what Codex and the Agents
 * SDK speak), stateless: each request carries its whole conversation, and no response is kept to be referred to.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ParleyStore } from "../../core/parley-store.js";
import type { RunEventDataMap } from "../../core/run-event.js";
import type { RunService } from "../../runs/run-service.js";
import { assertKeyMayAsk } from "../auth/assert-key-may-ask.js";
import { principalOf } from "../auth/request-principal.js";
import type { RunAdmission } from "../run-admission.js";
import { SseWriter } from "../sse-writer.js";
import { handleOpenAIError, openAIErrorBody, statusOfRunError } from "./compatible-error.js";
import {
  FIRST_ANSWER_WAIT_MS,
  failureBeforeAnswer,
  finishedRun,
  stopRunWhenClientLeaves,
} from "./finished-run.js";
import { outputOf, responseObject, statusOf } from "./openai-responses-object.js";
import { parseOpenAIResponsesRequest } from "./openai-responses-request.js";
import { streamResponseEvents } from "./openai-responses-stream.js";
import type { ServedModelsConfig } from "./served-models.js";

export function registerOpenAIResponsesRoutes(
  app: FastifyInstance,
  deps: ServedModelsConfig & {
    store: ParleyStore;
    runs: RunService;
    admission: RunAdmission;
    pingIntervalMs: number;
  },
) {
  app.register(async (scope) => {
    scope.setErrorHandler(handleOpenAIError);
    scope.post("/v1/responses", async (request, reply) => {
      const exchange = parseOpenAIResponsesRequest(request.body);
      const principal = principalOf(request);
      // The same checks, in the same order, as /v1/chat/completions: the key's models before any of its limits.
      await assertKeyMayAsk(deps, principal, exchange.model);
      await deps.admission.admit(principal);
      const live = await deps.runs.startExchange({
        model: exchange.model,
        messages: exchange.messages,
        call: exchange.call,
        store: exchange.store,
        userId: principal.userId,
        apiKeyId: principal.apiKeyId,
        keyModels: principal.keyModels,
      });
      const leave = stopRunWhenClientLeaves(live, reply.raw);
      if (exchange.stream) {
        const failure = await failureBeforeAnswer(live, leave, FIRST_ANSWER_WAIT_MS);
        if (failure) return sendRunError(reply, failure);
        reply.hijack();
        await streamResponseEvents(
          live,
          exchange.echo,
          new SseWriter(reply.raw, { pingIntervalMs: deps.pingIntervalMs }),
          leave,
        );
        return reply;
      }
      const outcome = await finishedRun(live, leave);
      if (!outcome.ok) return sendRunError(reply, outcome.error);
      return responseObject(live, exchange.echo, {
        status: statusOf(outcome.finishReason),
        output: outputOf(live, outcome),
        usage: outcome.usage,
      });
    });
  });
}

function sendRunError(reply: FastifyReply, error: RunEventDataMap["run.error"]): FastifyReply {
  const status = statusOfRunError(error.code);
  return reply.status(status).send(openAIErrorBody(error.code, error.message, status));
}

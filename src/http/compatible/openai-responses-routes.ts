/**
 * POST /v1/responses: Parley's models and runs in the format of OpenAI's Responses API (what Codex and the Agents
 * SDK speak), stateless: each request carries its whole conversation, and no response is kept to be referred to.
 */
import type { FastifyInstance } from "fastify";
import { principalOf } from "../auth/request-principal.js";
import { SseWriter } from "../sse-writer.js";
import { handleOpenAIError, openAIErrorBody, sendRunError } from "./compatible-error.js";
import {
  FIRST_ANSWER_WAIT_MS,
  failureBeforeAnswer,
  finishedRun,
  stopRunWhenClientLeaves,
} from "./finished-run.js";
import { outputOf, responseObject, statusOf } from "./openai-responses-object.js";
import { parseOpenAIResponsesRequest } from "./openai-responses-request.js";
import { streamResponseEvents } from "./openai-responses-stream.js";
import { type CompatibleRouteDeps, startCompatibleExchange } from "./start-compatible-exchange.js";

export function registerOpenAIResponsesRoutes(app: FastifyInstance, deps: CompatibleRouteDeps) {
  app.register(async (scope) => {
    scope.setErrorHandler(handleOpenAIError);
    scope.post("/v1/responses", async (request, reply) => {
      const exchange = parseOpenAIResponsesRequest(request.body);
      const principal = principalOf(request);
      const live = await startCompatibleExchange(deps, principal, exchange);
      const leave = stopRunWhenClientLeaves(live, reply.raw);
      if (exchange.stream) {
        const failure = await failureBeforeAnswer(live, leave, FIRST_ANSWER_WAIT_MS);
        if (failure) return sendRunError(reply, failure, openAIErrorBody);
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
      if (!outcome.ok) return sendRunError(reply, outcome.error, openAIErrorBody);
      return responseObject(live, exchange.echo, {
        status: statusOf(outcome.finishReason),
        output: outputOf(live, outcome),
        usage: outcome.usage,
      });
    });
  });
}

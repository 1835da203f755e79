/**
 * OpenAI's Responses API (what Codex and the Agents SDK speak) on Parley's models and runs. POST /v1/responses answers
 * a conversation sent whole, or the turns after a stored response (`previous_response_id`), in the request or, asked
 * for `background`, past it; GET /v1/responses/:id reads a response back (a stored one, or one still being written),
 * whole or streamed again; POST /v1/responses/:id/cancel stops one being written; DELETE /v1/responses/:id deletes
 * one; and GET /v1/responses/:id/input_items reads what it answered.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { BadRequestError } from "../../core/app-error.js";
import type { RunService } from "../../runs/run-service.js";
import { assertKeyMayAsk } from "../auth/assert-key-may-ask.js";
import { principalOf } from "../auth/request-principal.js";
import { parseInput } from "../parse-body.js";
import { SseWriter } from "../sse-writer.js";
import { handleOpenAIError, openAIErrorBody, sendRunError } from "./compatible-error.js";
import {
  FIRST_ANSWER_WAIT_MS,
  failureBeforeAnswer,
  finishedRun,
  stopRunWhenClientLeaves,
  whenClientLeaves,
} from "./finished-run.js";
import { responseInputItems } from "./openai-response-input-items.js";
import { outputOf, responseObject, statusOf } from "./openai-responses-object.js";
import { type OpenAIResponsesRequest, parseOpenAIResponsesRequest } from "./openai-responses-request.js";
import { replayResponseEvents, streamResponseEvents } from "./openai-responses-stream.js";
import {
  cancelResponse,
  deleteResponse,
  earlierThreadOf,
  storedResponse,
  storedResponseEvents,
} from "./openai-stored-response.js";
import { type CompatibleRouteDeps, startCompatibleExchange } from "./start-compatible-exchange.js";

/**
 * Reading a response back: whole, or (`stream=true`) as the typed events it was streamed as, from its first or after
 * `starting_after`, following it while it is written. Other fields OpenAI reads here (`include`) ask for nothing
 * Parley's responses have.
 */
const retrieveQuery = z.object({
  stream: z.enum(["true", "false"]).optional(),
  starting_after: z.coerce
    .number("must be the sequence_number of an event")
    .int("must be the sequence_number of an event")
    .min(0, "must be the sequence_number of an event")
    .optional(),
});

export function registerOpenAIResponsesRoutes(app: FastifyInstance, deps: CompatibleRouteDeps) {
  app.register(async (scope) => {
    scope.setErrorHandler(handleOpenAIError);
    scope.post("/v1/responses", async (request, reply) => {
      const exchange = parseOpenAIResponsesRequest(request.body);
      const principal = principalOf(request);
      const earlier = await earlierThreadFor(deps.runs, exchange, principal.userId);
      const live = await startCompatibleExchange(deps, principal, { ...exchange, earlier });
      // A background response goes on without its client, who may come back for it (read it, resume its stream,
      // cancel it); any other ends with its client.
      const leave = exchange.background
        ? whenClientLeaves(reply.raw)
        : stopRunWhenClientLeaves(live, reply.raw);
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
      if (exchange.background && !live.ended) {
        return responseObject(live.record, exchange.echo, {
          status: "in_progress",
          output: outputOf(live.record, live, "in_progress"),
        });
      }
      const outcome = await finishedRun(live, leave);
      if (!outcome.ok) return sendRunError(reply, outcome.error, openAIErrorBody);
      const status = statusOf(outcome.finishReason);
      return responseObject(live.record, exchange.echo, {
        status,
        output: outputOf(live.record, outcome, status),
        usage: outcome.usage,
      });
    });
    // What the request's input would take of the model's window, as that model counts (see countPromptTokens).
    scope.post("/v1/responses/input_tokens", async (request) => {
      const exchange = parseOpenAIResponsesRequest(request.body);
      const principal = principalOf(request);
      const earlier = await earlierThreadFor(deps.runs, exchange, principal.userId);
      await assertKeyMayAsk(deps, principal, exchange.model);
      const inputTokens = await deps.runs.countPromptTokens({
        model: exchange.model,
        messages: exchange.messages,
        earlier,
        ...(exchange.call.tools && { tools: exchange.call.tools }),
        userId: principal.userId,
        ...(principal.keyModels && { keyModels: principal.keyModels }),
      });
      return { object: "response.input_tokens", input_tokens: inputTokens };
    });
    scope.get("/v1/responses/:id", async (request, reply) => {
      const { id } = request.params as { id: string };
      const { stream, starting_after } = parseInput(retrieveQuery, request.query, "query");
      const userId = principalOf(request).userId;
      if (stream !== "true") {
        if (starting_after !== undefined)
          throw new BadRequestError("`starting_after`: it resumes a stream, and is for `stream=true` only.");
        return storedResponse(deps, id, userId);
      }
      const closed = whenClientLeaves(reply.raw);
      const { run, echo, events } = await storedResponseEvents(deps, id, userId, closed);
      reply.hijack();
      const sse = new SseWriter(reply.raw, { pingIntervalMs: deps.pingIntervalMs });
      await replayResponseEvents(run, echo, events, sse, starting_after);
      return reply;
    });
    scope.delete("/v1/responses/:id", async (request) => {
      const { id } = request.params as { id: string };
      return deleteResponse(deps, id, principalOf(request).userId);
    });
    scope.post("/v1/responses/:id/cancel", async (request) => {
      const { id } = request.params as { id: string };
      return cancelResponse(deps, id, principalOf(request).userId);
    });
    scope.get("/v1/responses/:id/input_items", async (request) => {
      const { id } = request.params as { id: string };
      return responseInputItems(deps, id, principalOf(request).userId, request.query);
    });
  });
}

/** The previous response's thread, its function calls' results checked against it; none without one. */
async function earlierThreadFor(runs: RunService, exchange: OpenAIResponsesRequest, userId: string) {
  if (exchange.previousResponseId === undefined) return undefined;
  const earlier = await earlierThreadOf(runs, exchange.previousResponseId, userId);
  exchange.checkToolResults(earlier.prompt);
  return earlier;
}

/** Parley's errors in the shapes the OpenAI and Anthropic APIs use, so their SDKs raise the right exceptions. */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { RunEventDataMap } from "../../core/run-event.js";
import { errorBody, setRetryAfter } from "../error-handler.js";

type Mapped = { status: number; code: string; message: string };

function mapped(error: unknown): Mapped {
  const { status, body } = errorBody(error);
  // An unknown model is "not found" in both APIs, where Parley's own API calls it a bad request.
  return {
    status: body.error.code === "unknown_model" ? 404 : status,
    code: body.error.code,
    message: body.error.message,
  };
}

export function openAIErrorBody(code: string, message: string, status: number) {
  const type = status === 429 ? "rate_limit_error" : status >= 500 ? "api_error" : "invalid_request_error";
  return { error: { message, type, param: null, code } };
}

export function anthropicErrorBody(code: string, message: string, status: number) {
  return { type: "error", error: { type: anthropicErrorType(status, code), message } };
}

function anthropicErrorType(status: number, code: string): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 413) return "request_too_large";
  if (status === 429) return "rate_limit_error";
  if (status === 503 || code === "model_unavailable") return "overloaded_error";
  return status >= 500 ? "api_error" : "invalid_request_error";
}

export function handleOpenAIError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, code, message } = mapped(error);
  if (status >= 500) request.log.error({ err: error }, "request failed");
  setRetryAfter(error, reply);
  reply.status(status).send(openAIErrorBody(code, message, status));
}

export function handleAnthropicError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, code, message } = mapped(error);
  if (status >= 500) request.log.error({ err: error }, "request failed");
  setRetryAfter(error, reply);
  reply.status(status).send(anthropicErrorBody(code, message, status));
}

/** The HTTP status for a run that failed before a non-streamed response was sent. */
export function statusOfRunError(code: string): number {
  if (code === "context_length_exceeded" || code === "invalid_response_format") return 400;
  if (code === "interrupted" || code === "model_unavailable") return 503;
  return 502;
}

/** A run that failed before anything of the response was sent: the HTTP error itself, in the API's shape. */
export function sendRunError(
  reply: FastifyReply,
  error: RunEventDataMap["run.error"],
  bodyOf: (code: string, message: string, status: number) => object,
): FastifyReply {
  const status = statusOfRunError(error.code);
  return reply.status(status).send(bodyOf(error.code, error.message, status));
}

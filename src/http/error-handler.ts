/** Turns any error thrown by a route into one JSON shape with the right status, in one place. */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../core/app-error.js";

export type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

export function errorBody(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof AppError) {
    return {
      status: error.status,
      body: {
        error: { code: error.code, message: error.message, ...(error.details && { details: error.details }) },
      },
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return { status, body: { error: { code: codeFor(fastifyError), message: messageFor(fastifyError) } } };
  }
  return {
    status: 500,
    body: {
      error: { code: "internal", message: "Parley failed to handle this request; the error is logged." },
    },
  };
}

/** Tells a client that was refused for its rate how long to wait, as 429s must. */
export function setRetryAfter(error: unknown, reply: FastifyReply): void {
  const seconds = error instanceof AppError ? error.details?.retryAfterSeconds : undefined;
  if (typeof seconds === "number") reply.header("retry-after", String(seconds));
}

export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = errorBody(error);
  setRetryAfter(error, reply);
  if (status >= 500) request.log.error({ err: error }, "request failed");
  reply.status(status).send(body);
}

function codeFor(error: Partial<FastifyError>): string {
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return "body_too_large";
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return "unsupported_media_type";
    default:
      return error.statusCode === 404 ? "not_found" : "bad_request";
  }
}

function messageFor(error: Partial<FastifyError>): string {
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return "The request body is larger than this server accepts (http.bodyLimit).";
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return "Send the body as JSON with the header Content-Type: application/json.";
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return "The body is empty; send a JSON object.";
    default:
      return error.message ?? "The request is malformed.";
  }
}

/** Turns any failure into the status and `{error: {message, type, param, code}}` body OpenAI clients expect. */
import { AppError } from "../core/app-error.js";

export type OpenAIErrorBody = {
  error: { message: string; type: string; param: string | null; code: string | null };
};

export type OpenAIErrorResponse = { status: number; body: OpenAIErrorBody };

export function openAIErrorResponse(error: unknown): OpenAIErrorResponse {
  if (error instanceof AppError) {
    const param = typeof error.details?.param === "string" ? error.details.param : null;
    return {
      status: error.status,
      body: { error: { message: error.message, type: errorType(error.status), param, code: error.code } },
    };
  }
  // Anything else is our bug or llama.cpp's; the client only needs to know it was not its fault.
  const message = error instanceof Error ? error.message : String(error);
  return {
    status: 500,
    body: {
      error: { message: `The engine failed: ${message}`, type: "server_error", param: null, code: null },
    },
  };
}

function errorType(status: number): string {
  if (status === 429) return "rate_limit_error";
  if (status === 404) return "not_found_error";
  if (status < 500) return "invalid_request_error";
  return "server_error";
}

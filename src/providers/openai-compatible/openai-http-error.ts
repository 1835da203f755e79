/** An OpenAI-format error response (status, headers, JSON body) as Parley's ProviderError. */
import { ProviderError } from "../../core/app-error.js";
import { retryAfterDetails } from "../resilient/retry-after.js";

type ErrorBody = {
  error?: { message?: unknown; code?: unknown; type?: unknown; param?: unknown } | string;
  message?: unknown;
};

export function openAIHttpError(
  statusCode: number,
  headers: Record<string, string | string[] | undefined>,
  bodyText: string,
): ProviderError {
  const body = parseJson(bodyText) as ErrorBody | undefined;
  const error = typeof body?.error === "object" ? body.error : undefined;
  const message =
    stringOf(error?.message) ??
    stringOf(body?.error) ??
    stringOf(body?.message) ??
    (bodyText.trim() || "no details");
  return new ProviderError(`The model failed with HTTP ${statusCode}: ${message}`, {
    code: requestErrorCode(error),
    statusCode,
    responseBody: bodyText,
    details: retryAfterDetails({ get: (name) => headerValue(headers[name]) }),
  });
}

/** An `{"error": {...}}` chunk sent inside a stream that had begun: the upstream failed mid-reply. */
export function openAIStreamError(error: unknown): ProviderError {
  const fields = (typeof error === "object" && error !== null ? error : {}) as {
    message?: unknown;
    code?: unknown;
  };
  return new ProviderError(
    `The model failed mid-reply: ${stringOf(fields.message) ?? JSON.stringify(error)}`,
    {
      code: fields.code === "context_length_exceeded" ? "context_length_exceeded" : "upstream_error",
      responseBody: JSON.stringify({ error }),
      isRetryable: fields.code !== "context_length_exceeded",
    },
  );
}

/**
 * The client's own request, refused upstream: a prompt too long for the model, or a response_format (passed on as the
 * client sent it) whose schema the model's server cannot hold a reply to. Anything else is the upstream's failure.
 */
function requestErrorCode(error: { code?: unknown; param?: unknown } | undefined): string {
  if (error?.code === "context_length_exceeded") return "context_length_exceeded";
  if (typeof error?.param === "string" && error.param.startsWith("response_format"))
    return "invalid_response_format";
  return "upstream_error";
}

/**
 * True for OpenAI's refusal of `max_tokens` by a model that reads only `max_completion_tokens` (its reasoning
 * models), told by the error's own fields rather than its wording.
 */
export function refusesMaxTokens(statusCode: number, bodyText: string): boolean {
  if (statusCode !== 400) return false;
  const body = parseJson(bodyText) as ErrorBody | undefined;
  const error = typeof body?.error === "object" ? body.error : undefined;
  return error?.param === "max_tokens" && error.code === "unsupported_parameter";
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function stringOf(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

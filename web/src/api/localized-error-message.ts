/**
 * A refusal from the server in the user's language, for the refusals Parley knows the meaning of (limits, quota,
 * no model able to answer, size); any other error in the server's own words.
 */
import type { Translate } from "../i18n/translate.js";
import { ApiError } from "./api-error.js";
import { errorMessage } from "./error-message.js";

export function localizedErrorMessage(t: Translate, error: unknown): string {
  if (!(error instanceof ApiError)) return errorMessage(error);
  const seconds = error.details.retryAfterSeconds;
  const wait = typeof seconds === "number" && seconds > 0 ? { seconds } : undefined;
  switch (error.code) {
    case "rate_limited":
      return wait ? t("error.rateLimitedFor", wait) : t("error.rateLimited");
    case "quota_exceeded":
      return t("error.quotaExceeded");
    case "model_unavailable":
      return wait ? t("error.modelUnavailableFor", wait) : t("error.modelUnavailable");
    case "body_too_large":
      return t("error.bodyTooLarge");
    default:
      return error.message;
  }
}

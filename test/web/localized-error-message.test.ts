// The server's refusals in the user's language: limits, quota, no model able to answer, size; others as the
// server put them.
import { describe, expect, it } from "vitest";
import { ApiError } from "../../web/src/api/api-error.js";
import { localizedErrorMessage } from "../../web/src/api/localized-error-message.js";
import { en } from "../../web/src/i18n/en.js";
import { translatorFor } from "../../web/src/i18n/translate.js";
import { zh } from "../../web/src/i18n/zh.js";

const english = translatorFor(en);
const chinese = translatorFor(zh);

function refusal(status: number, code: string, details: Record<string, unknown> = {}) {
  return new ApiError(status, code, `Server words for ${code}.`, details);
}

describe("localizedErrorMessage", () => {
  it("says when to try again after a per-minute limit, in English and in Chinese", () => {
    const limited = refusal(429, "rate_limited", { retryAfterSeconds: 42 });
    expect(localizedErrorMessage(english, limited)).toBe(
      "Too many messages in a short time. Try again in 42 s.",
    );
    expect(localizedErrorMessage(chinese, limited)).toBe("短时间内发送的消息太多，请 42 秒后再试。");
    expect(localizedErrorMessage(chinese, refusal(429, "rate_limited"))).toBe(
      "短时间内发送的消息太多，请稍候再试。",
    );
  });

  it("tells the daily quota and an unavailable model apart from a limit", () => {
    expect(localizedErrorMessage(chinese, refusal(429, "quota_exceeded", { retryAfterSeconds: 3600 }))).toBe(
      "今天的 token 配额已用完，将在 UTC 午夜重置。",
    );
    expect(localizedErrorMessage(chinese, refusal(503, "model_unavailable", { retryAfterSeconds: 30 }))).toBe(
      "目前没有模型可以回答，请 30 秒后再试。",
    );
    expect(localizedErrorMessage(english, refusal(413, "body_too_large"))).toBe(
      "This is more than the server accepts in one request.",
    );
  });

  it("keeps the server's words for any other refusal, and an error's own message otherwise", () => {
    expect(localizedErrorMessage(chinese, refusal(400, "no_model_fits"))).toBe(
      "Server words for no_model_fits.",
    );
    expect(localizedErrorMessage(chinese, new Error("socket hang up"))).toBe("socket hang up");
  });

  it("reads the details the server sent with a refusal", async () => {
    const response = Response.json(
      { error: { code: "quota_exceeded", message: "Quota.", details: { retryAfterSeconds: 7 } } },
      { status: 429 },
    );
    const error = await ApiError.fromResponse(response);
    expect(error).toMatchObject({ status: 429, code: "quota_exceeded", details: { retryAfterSeconds: 7 } });
  });
});

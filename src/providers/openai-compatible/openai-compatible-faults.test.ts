/** The OpenAI-compatible provider against the fault upstream: the faults it must report, not hide. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultUpstream, startFaultUpstream } from "../../../test/support/fault-upstream.js";
import { ProviderError } from "../../core/app-error.js";
import type { ChatPrompt, ChatStreamPart } from "../chat-model.js";
import {
  OpenAICompatibleChatModel,
  type OpenAICompatibleChatModelConfig,
} from "./openai-compatible-chat-model.js";

let upstream: FaultUpstream;

beforeAll(async () => {
  upstream = await startFaultUpstream({ retryAfterSeconds: 3 });
});

afterAll(async () => {
  await upstream.close();
});

async function collect(
  modelId: string,
  prompt: ChatPrompt = [{ role: "user", content: "faults" }],
  config: Partial<OpenAICompatibleChatModelConfig> = {},
) {
  const model = new OpenAICompatibleChatModel({ modelId, baseURL: upstream.openAIBaseURL, ...config });
  const parts: ChatStreamPart[] = [];
  for await (const part of model.stream({ prompt })) parts.push(part);
  return parts;
}

function errorOf(parts: ChatStreamPart[]): ProviderError {
  const last = parts.at(-1);
  if (last?.type !== "error") throw new Error(`expected an error part last, got ${JSON.stringify(last)}`);
  expect(last.error).toBeInstanceOf(ProviderError);
  return last.error as ProviderError;
}

describe("OpenAICompatibleChatModel against the fault upstream", () => {
  it("reports a finish without [DONE] as a cut, even with every word and a finish_reason", async () => {
    const parts = await collect("no-done");
    expect(parts.filter((part) => part.type === "text.delta").map((part) => part.text)).toEqual([
      "Hello",
      " from",
      " no-done.",
    ]);
    expect(parts.some((part) => part.type === "finish")).toBe(false);
    expect(errorOf(parts).isRetryable).toBe(true);
  });

  it("reports a content_filter finish as a content_filtered error that is not retryable", async () => {
    expect(errorOf(await collect("content-filter"))).toMatchObject({
      code: "content_filtered",
      isRetryable: false,
    });
  });

  it("reports an in-band error chunk and a malformed chunk as retryable errors after the text that came", async () => {
    for (const model of ["error-event", "malformed"]) {
      const parts = await collect(model);
      expect(parts.slice(0, 2).map((part) => part.type)).toEqual(["text.delta", "text.delta"]);
      expect(errorOf(parts).isRetryable, model).toBe(true);
    }
  });

  it("keeps Retry-After on the error for the retry policy", async () => {
    expect(errorOf(await collect("429-retry-after"))).toMatchObject({
      statusCode: 429,
      isRetryable: true,
      details: { retryAfter: "3" },
    });
  });

  it("sends the prefill fields only when the prompt ends with an assistant message", async () => {
    const fields = { continue_final_message: true, add_generation_prompt: false };
    await collect("ok@plain", undefined, { prefillRequestFields: fields });
    expect(upstream.requestsFor("ok@plain").at(-1)?.body).not.toHaveProperty("continue_final_message");
    const parts = await collect(
      "ok@prefill",
      [
        { role: "user", content: "Say hello." },
        { role: "assistant", content: "Hello from" },
      ],
      { prefillRequestFields: fields },
    );
    expect(upstream.requestsFor("ok@prefill").at(-1)?.body).toMatchObject(fields);
    expect(parts.filter((part) => part.type === "text.delta").map((part) => part.text)).toEqual([
      " ok@prefill.",
    ]);
  });
});

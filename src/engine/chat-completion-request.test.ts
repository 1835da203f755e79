import { describe, expect, it } from "vitest";
import { BadRequestError } from "../core/app-error.js";
import { parseChatCompletionRequest } from "./chat-completion-request.js";

function failure(body: unknown): BadRequestError {
  try {
    parseChatCompletionRequest(body);
  } catch (error) {
    if (error instanceof BadRequestError) return error;
    throw error;
  }
  throw new Error("expected a BadRequestError");
}

describe("parseChatCompletionRequest", () => {
  it("reads the OpenAI fields the engine serves", () => {
    expect(
      parseChatCompletionRequest({
        model: "any",
        messages: [
          { role: "developer", content: "Be brief." },
          {
            role: "user",
            content: [
              { type: "text", text: "Hi " },
              { type: "text", text: "there" },
            ],
          },
          { role: "assistant", content: null },
        ],
        stream: true,
        stream_options: { include_usage: true },
        max_tokens: 10,
        max_completion_tokens: 20,
        temperature: 0,
        top_p: 0.5,
        seed: -1,
        stop: "END",
        frequency_penalty: 0,
      }),
    ).toEqual({
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi there" },
        { role: "assistant", content: "" },
      ],
      stream: true,
      includeUsage: true,
      maxTokens: 20,
      temperature: 0,
      topP: 0.5,
      seed: 4294967295,
      stop: ["END"],
    });
  });

  it("defaults what is missing or null", () => {
    expect(
      parseChatCompletionRequest({
        messages: [{ role: "user", content: "x" }],
        stop: null,
        temperature: null,
      }),
    ).toEqual({
      messages: [{ role: "user", content: "x" }],
      stream: false,
      includeUsage: false,
      maxTokens: undefined,
      temperature: undefined,
      topP: undefined,
      seed: undefined,
      stop: [],
    });
  });

  it("names the parameter that is wrong", () => {
    expect(failure(null)).toMatchObject({ status: 400, details: { param: undefined } });
    expect(failure({})).toMatchObject({ code: "missing_required_parameter", details: { param: "messages" } });
    expect(failure({ messages: [{ role: "tool", content: "x" }] })).toMatchObject({
      code: "invalid_value",
      details: { param: "messages[0].role" },
    });
    expect(failure({ messages: [{ role: "user", content: null }] }).details).toEqual({
      param: "messages[0].content",
    });
    expect(
      failure({ messages: [{ role: "user", content: "x" }], stop: ["a", "b", "c", "d", "e"] }).details,
    ).toEqual({
      param: "stop",
    });
    expect(
      failure({ messages: [{ role: "user", content: "x" }], tools: [{ type: "function" }] }).message,
    ).toMatch(/not supported/);
  });
});

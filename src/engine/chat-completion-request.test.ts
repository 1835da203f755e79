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
        response_format: { type: "json_object" },
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
      responseFormat: { type: "json_object" },
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
      responseFormat: { type: "text" },
    });
  });

  it("reads response_format as OpenAI defines it", () => {
    const format = (response_format: unknown) =>
      parseChatCompletionRequest({ messages: [{ role: "user", content: "x" }], response_format })
        .responseFormat;
    const schema = { type: "object", properties: { a: { type: "string" } } };
    expect(format({ type: "text" })).toEqual({ type: "text" });
    expect(format(null)).toEqual({ type: "text" });
    expect(format({ type: "json_object" })).toEqual({ type: "json_object" });
    expect(
      format({
        type: "json_schema",
        json_schema: { name: "Answer_1-x", description: "An answer.", schema, strict: true },
      }),
    ).toEqual({ type: "json_schema", schema });
    // With no schema, any JSON object will do.
    expect(format({ type: "json_schema", json_schema: { name: "free", strict: null } })).toEqual({
      type: "json_object",
    });
  });

  it("names the response_format field that is wrong", () => {
    const refused = (response_format: unknown) =>
      failure({ messages: [{ role: "user", content: "x" }], response_format });
    expect(refused({ type: "xml" })).toMatchObject({ details: { param: "response_format.type" } });
    expect(refused({ type: "xml" }).message).toMatch(/"text", "json_object" or "json_schema"/);
    expect(refused("json")).toMatchObject({ details: { param: "response_format" } });
    expect(refused({ type: "json_schema" })).toMatchObject({
      code: "missing_required_parameter",
      details: { param: "response_format.json_schema" },
    });
    expect(refused({ type: "json_schema", json_schema: { schema: {} } })).toMatchObject({
      code: "missing_required_parameter",
      details: { param: "response_format.json_schema.name" },
    });
    for (const name of ["has space", "", "x".repeat(65), "dot.ted"]) {
      const error = refused({ type: "json_schema", json_schema: { name } });
      expect(error, name).toMatchObject({ details: { param: "response_format.json_schema.name" } });
      expect(error.message).toMatch(/letters, digits, underscores or dashes/);
    }
    for (const schema of [[{ type: "string" }], "object", 1]) {
      const error = refused({ type: "json_schema", json_schema: { name: "a", schema } });
      expect(error, JSON.stringify(schema)).toMatchObject({
        details: { param: "response_format.json_schema.schema" },
      });
      expect(error.message).toMatch(/must be a JSON Schema object/);
    }
    expect(refused({ type: "json_schema", json_schema: { name: "a", strict: "yes" } }).details).toEqual({
      param: "response_format.json_schema.strict",
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

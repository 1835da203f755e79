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
        top_k: 5,
        seed: -1,
        stop: "END",
        frequency_penalty: 0.5,
        presence_penalty: -1,
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
      topK: 5,
      presencePenalty: -1,
      frequencyPenalty: 0.5,
      seed: 4294967295,
      stop: ["END"],
      responseFormat: { type: "json_object" },
      tools: [],
      toolChoice: "none",
      parallelToolCalls: true,
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
      topK: undefined,
      presencePenalty: 0,
      frequencyPenalty: 0,
      seed: undefined,
      stop: [],
      responseFormat: { type: "text" },
      tools: [],
      toolChoice: "none",
      parallelToolCalls: true,
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
    expect(failure({ messages: [{ role: "wizard", content: "x" }] })).toMatchObject({
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
    for (const top_k of [-1, 1.5, "5"]) {
      expect(failure({ messages: [{ role: "user", content: "x" }], top_k }).details, String(top_k)).toEqual({
        param: "top_k",
      });
    }
  });

  describe("tools", () => {
    const weather = {
      type: "function",
      function: {
        name: "get_weather",
        description: "The weather in a city.",
        parameters: {
          type: "object",
          properties: { city: { type: "string", description: "The city." }, unit: { enum: ["c", "f"] } },
          required: ["city", "unit"],
        },
        strict: true,
      },
    };
    const user = { role: "user", content: "Weather?" };

    it("reads tools, tool_choice and parallel_tool_calls, keeping descriptions for the prompt", () => {
      const chat = parseChatCompletionRequest({
        messages: [user],
        tools: [weather, { type: "function", function: { name: "now" } }],
        tool_choice: { type: "function", function: { name: "now" } },
        parallel_tool_calls: false,
      });
      expect(chat.tools).toEqual([
        {
          name: "get_weather",
          description: "The weather in a city.",
          requestParameters: weather.function.parameters,
          parameters: {
            type: "object",
            properties: { city: { type: "string", description: "The city." }, unit: { enum: ["c", "f"] } },
            required: ["city", "unit"],
          },
          parametersParam: "tools[0].function.parameters",
        },
        {
          name: "now",
          description: undefined,
          requestParameters: undefined,
          parameters: undefined,
          parametersParam: "tools[1].function.parameters",
        },
      ]);
      expect(chat.toolChoice).toEqual({ name: "now" });
      expect(chat.parallelToolCalls).toBe(false);
      expect(parseChatCompletionRequest({ messages: [user], tools: [weather] }).toolChoice).toBe("auto");
      expect(parseChatCompletionRequest({ messages: [user], tools: [] }).toolChoice).toBe("none");
    });

    it("reads earlier calls and their results", () => {
      const chat = parseChatCompletionRequest({
        messages: [
          user,
          {
            role: "assistant",
            content: null,
            tool_calls: [
              {
                id: "call_1",
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
              },
              { id: "call_2", type: "function", function: { name: "get_weather", arguments: "{}" } },
            ],
          },
          { role: "tool", tool_call_id: "call_2", content: "rain" },
          { role: "tool", tool_call_id: "call_1", content: [{ type: "text", text: "sun" }] },
        ],
      });
      expect(chat.messages.slice(1)).toEqual([
        {
          role: "assistant",
          content: "",
          toolCalls: [
            { id: "call_1", name: "get_weather", arguments: '{"city":"Oslo"}' },
            { id: "call_2", name: "get_weather", arguments: "{}" },
          ],
        },
        { role: "tool", content: "rain", toolCallId: "call_2" },
        { role: "tool", content: "sun", toolCallId: "call_1" },
      ]);
    });

    it("names the tool field that is wrong", () => {
      const refused = (body: Record<string, unknown>) => failure({ messages: [user], ...body });
      const cases = [
        [{ tools: [{ type: "code_interpreter" }] }, "tools[0].type"],
        [{ tools: [{ type: "function", function: { name: "has space" } }] }, "tools[0].function.name"],
        [{ tools: [weather, weather] }, "tools[1].function.name"],
        [
          { tools: [{ type: "function", function: { name: "f", parameters: "object" } }] },
          "tools[0].function.parameters",
        ],
        [
          {
            tools: [
              weather,
              { type: "function", function: { name: "f", parameters: { type: "string", pattern: "^a" } } },
            ],
          },
          "tools[1].function.parameters",
        ],
        [{ tools: [weather], tool_choice: "sometimes" }, "tool_choice"],
        [
          { tools: [weather], tool_choice: { type: "function", function: { name: "nope" } } },
          "tool_choice.function.name",
        ],
        [{ tool_choice: "required" }, "tool_choice"],
        [{ tools: [weather], parallel_tool_calls: "yes" }, "parallel_tool_calls"],
      ] as const;
      for (const [body, param] of cases) {
        expect(refused(body), JSON.stringify(body)).toMatchObject({ status: 400, details: { param } });
      }
      expect(
        refused({
          tools: [
            { type: "function", function: { name: "f", parameters: { type: "string", pattern: "^a" } } },
          ],
        }).message,
      ).toMatch(/'pattern'/);
    });

    it("refuses tool messages that answer no call, and calls left unanswered", () => {
      const call = (id: string) => ({
        role: "assistant",
        content: "Let me look.",
        tool_calls: [{ id, type: "function", function: { name: "get_weather", arguments: "{}" } }],
      });
      const refused = (messages: unknown[]) => failure({ messages });
      expect(refused([user, { role: "tool", tool_call_id: "x", content: "r" }]).details).toEqual({
        param: "messages[1].tool_call_id",
      });
      expect(refused([user, call("a"), { role: "tool", tool_call_id: "b", content: "r" }]).details).toEqual({
        param: "messages[2].tool_call_id",
      });
      expect(
        refused([
          user,
          call("a"),
          { role: "tool", tool_call_id: "a", content: "r" },
          { role: "tool", tool_call_id: "a", content: "r" },
        ]).details,
      ).toEqual({ param: "messages[3].tool_call_id" });
      expect(refused([user, call("a"), user]).details).toEqual({ param: "messages[1].tool_calls" });
      expect(refused([user, call("a")]).details).toEqual({ param: "messages[1].tool_calls" });
      expect(refused([user, { role: "tool", content: "r" }])).toMatchObject({
        code: "missing_required_parameter",
        details: { param: "messages[1].tool_call_id" },
      });
    });
  });
});

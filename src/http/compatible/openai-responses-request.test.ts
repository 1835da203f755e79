import { describe, expect, it } from "vitest";
import { samplePng } from "../../files/test-support/sample-images.js";
import { parseOpenAIResponsesRequest } from "./openai-responses-request.js";

const PNG_URL = `data:image/png;base64,${samplePng(4, 3).toString("base64")}`;

describe("parseOpenAIResponsesRequest", () => {
  it("makes a string input one user message, after the instructions as a system message", () => {
    const parsed = parseOpenAIResponsesRequest({ model: "tiny", instructions: "Be terse.", input: "Hi" });
    expect(parsed.messages).toEqual([
      { role: "system", content: "Be terse." },
      { role: "user", content: "Hi" },
    ]);
    expect(parsed).toMatchObject({ model: "tiny", stream: false, store: true, call: {} });
  });

  it("joins a turn's text and its function calls into one assistant message, each result a tool message", () => {
    const parsed = parseOpenAIResponsesRequest({
      model: "m",
      input: [
        { role: "developer", content: "Use tools." },
        {
          type: "message",
          role: "user",
          content: [
            { type: "input_text", text: "Weather " },
            { type: "input_text", text: "and time?" },
          ],
        },
        {
          type: "message",
          role: "assistant",
          id: "msg_1",
          status: "completed",
          content: [{ type: "output_text", text: "Let me check.", annotations: [] }],
        },
        { type: "function_call", id: "fc_1", call_id: "call_1", name: "get_weather", arguments: "{}" },
        { type: "function_call", call_id: "call_2", name: "get_time", arguments: "{}" },
        { type: "function_call_output", call_id: "call_1", output: "sunny" },
        { type: "function_call_output", call_id: "call_2", output: [{ type: "input_text", text: "noon" }] },
      ],
    });
    expect(parsed.messages).toEqual([
      { role: "system", content: "Use tools." },
      { role: "user", content: "Weather and time?" },
      {
        role: "assistant",
        content: "Let me check.",
        toolCalls: [
          { id: "call_1", name: "get_weather", arguments: "{}" },
          { id: "call_2", name: "get_time", arguments: "{}" },
        ],
      },
      { role: "tool", content: "sunny", toolCallId: "call_1" },
      { role: "tool", content: "noon", toolCallId: "call_2" },
    ]);
  });

  it("gives a function call with no text before it an assistant message of its own", () => {
    const parsed = parseOpenAIResponsesRequest({
      model: "m",
      input: [
        { role: "user", content: "Weather?" },
        { type: "function_call", call_id: "call_1", name: "get_weather", arguments: "{}" },
        { type: "function_call_output", call_id: "call_1", output: "rain" },
      ],
    });
    expect(parsed.messages[1]).toEqual({
      role: "assistant",
      content: "",
      toolCalls: [{ id: "call_1", name: "get_weather", arguments: "{}" }],
    });
  });

  it("maps tools, tool choice, sampling, reasoning effort and a JSON schema as chat completions does, and echoes them", () => {
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const parsed = parseOpenAIResponsesRequest({
      model: "m",
      input: "Hi",
      tools: [{ type: "function", name: "lookup", parameters: { type: "object" }, strict: true }],
      tool_choice: { type: "function", name: "lookup" },
      parallel_tool_calls: false,
      max_output_tokens: 50,
      temperature: 0.2,
      top_p: 0.9,
      reasoning: { effort: "high" },
      text: { format: { type: "json_schema", name: "answer", schema, strict: true } },
      stream: true,
      store: false,
    });
    expect(parsed.call).toEqual({
      maxOutputTokens: 50,
      temperature: 0.2,
      topP: 0.9,
      reasoningEffort: "high",
      responseFormat: { type: "json_schema", name: "answer", schema, strict: true },
      tools: [{ name: "lookup", parameters: { type: "object" }, strict: true }],
      toolChoice: { name: "lookup" },
      parallelToolCalls: false,
    });
    expect(parsed).toMatchObject({ stream: true, store: false });
    expect(parsed.echo).toMatchObject({
      tools: [
        { type: "function", name: "lookup", description: null, parameters: { type: "object" }, strict: true },
      ],
      tool_choice: { type: "function", name: "lookup" },
      parallel_tool_calls: false,
      max_output_tokens: 50,
      reasoning: { effort: "high", summary: null },
      text: { format: { type: "json_schema", name: "answer" } },
      store: false,
    });
  });

  it("takes a user message's data-URL image, and refuses one in an assistant message by its place in `input`", () => {
    const parsed = parseOpenAIResponsesRequest({
      model: "m",
      input: [
        {
          role: "user",
          content: [
            { type: "input_image", image_url: PNG_URL },
            { type: "input_text", text: "What?" },
          ],
        },
      ],
    });
    expect(parsed.messages[0]).toMatchObject({
      role: "user",
      content: "What?",
      images: [{ mediaType: "image/png" }],
    });
    expect(() =>
      parseOpenAIResponsesRequest({
        model: "m",
        input: [
          { role: "user", content: "Hi" },
          { role: "assistant", content: [{ type: "input_image", image_url: PNG_URL }] },
          { role: "user", content: "Hi" },
        ],
      }),
    ).toThrow(/`input\.1`: only user messages may carry images/);
  });

  it("refuses by name what needs state on the server or gives more than Parley does, and takes their defaults", () => {
    const refusals: [Record<string, unknown>, RegExp][] = [
      [{ previous_response_id: "" }, /`previous_response_id`/],
      [{ conversation: { id: "conv_1" } }, /`conversation`/],
      [{ background: true, store: false }, /`background`: a background response .* must be stored/],
      [{ include: ["message.output_text.logprobs"] }, /`include\.0`/],
      [{ top_logprobs: 2 }, /`top_logprobs`/],
      [{ max_tool_calls: 3 }, /`max_tool_calls`/],
      [{ prompt: { id: "pmpt_1" } }, /`prompt`/],
      [{ reasoning: { summary: "detailed" } }, /`reasoning\.summary`/],
      [{ text: { verbosity: "low" } }, /`text\.verbosity`/],
      [{ service_tier: "flex" }, /`service_tier`/],
      [
        {
          tools: [
            { type: "function", name: "a" },
            { type: "function", name: "a" },
          ],
        },
        /two tools are named "a"/,
      ],
      [
        { tool_choice: "required" },
        /`tool_choice`: a tool choice that makes the model call a tool needs `tools`/,
      ],
      [{ input: [{ type: "reasoning", id: "rs_1", summary: [] }] }, /`input\.0\.type`/],
      [
        { input: [{ role: "user", content: [{ type: "input_image", file_id: "file_1" }] }] },
        /`input\.0\.content\.0\.file_id`/,
      ],
      [
        { input: [{ type: "function_call_output", call_id: "c", output: [{ type: "input_image" }] }] },
        /`input\.0\.output/,
      ],
    ];
    for (const [fields, message] of refusals) {
      expect(
        () => parseOpenAIResponsesRequest({ model: "m", input: "Hi", ...fields }),
        JSON.stringify(fields),
      ).toThrow(message);
    }
    const defaults = parseOpenAIResponsesRequest({
      model: "m",
      input: "Hi",
      previous_response_id: null,
      background: false,
      include: [],
      top_logprobs: 0,
      tools: [],
      tool_choice: "none",
      text: { format: { type: "text" }, verbosity: "medium" },
      truncation: "disabled",
      service_tier: "auto",
      metadata: { a: "b" },
      user: "someone",
    });
    expect(defaults.call).toEqual({ toolChoice: "none" });
    expect(defaults.echo).toMatchObject({ metadata: { a: "b" }, user: "someone", truncation: "disabled" });
    expect([defaults.background, defaults.echo.background]).toEqual([false, false]);
    const background = parseOpenAIResponsesRequest({ model: "m", input: "Hi", background: true });
    expect([background.background, background.echo.background, background.store]).toEqual([true, true, true]);
  });

  it("takes previous_response_id, and checks a function_call_output against the previous response's turns once they are read", () => {
    const request = parseOpenAIResponsesRequest({
      model: "m",
      previous_response_id: "resp_run_1",
      input: [{ type: "function_call_output", call_id: "call_1", output: "18°C" }],
    });
    expect(request.previousResponseId).toBe("resp_run_1");
    expect(request.echo.previous_response_id).toBe("resp_run_1");
    expect(request.messages).toEqual([{ role: "tool", content: "18°C", toolCallId: "call_1" }]);
    const earlier = [
      { role: "user" as const, content: "Weather?" },
      { role: "assistant" as const, content: "", toolCalls: [{ id: "call_1", name: "w", arguments: "{}" }] },
    ];
    expect(() => request.checkToolResults(earlier)).not.toThrow();
    expect(() => request.checkToolResults(earlier.slice(0, 1))).toThrow(
      /`input\.0\.call_id`: this tool result answers "call_1", which no earlier assistant message called/,
    );
    // Without a previous response, the input alone must hold the call.
    expect(() =>
      parseOpenAIResponsesRequest({
        model: "m",
        input: [{ type: "function_call_output", call_id: "call_1", output: "18°C" }],
      }),
    ).toThrow(/`input\.0\.call_id`/);
  });
});

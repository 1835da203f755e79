/**
 * Tool calls with a local model: a real Parley serving the tiny GGUF model through its engine, asked through the
 * official openai client. The tiny model never chooses to call on its own, so the calls here are the ones
 * `tool_choice` enforces (the engine starts the model's turn in its chat wrapper's call syntax and holds the name
 * and the arguments to the tool with grammars); the tool's result then goes back and the model answers from it.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type {
  ChatCompletionFunctionTool,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import { beforeAll, describe, expect, it } from "vitest";
import { type ParleyProcess, startParley } from "./support/parley-process.js";
import { ALPHABET } from "./support/sse-client.js";
import { writeTestModels } from "./support/test-models.js";

let parley: ParleyProcess;
let openai: OpenAI;

beforeAll(async () => {
  parley = await startParley({ prepare: (dir) => writeTestModels(dir) });
  openai = new OpenAI({ baseURL: `${parley.url}/v1`, apiKey: "unused", maxRetries: 0 });
  return () => parley.stop();
});

const weather: ChatCompletionFunctionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city now.",
    parameters: {
      type: "object",
      properties: { city: { enum: ["Paris", "Oslo"] }, unit: { const: "celsius" } },
      required: ["city", "unit"],
      additionalProperties: false,
    },
  },
};
const alarm: ChatCompletionFunctionTool = {
  type: "function",
  function: {
    name: "set_alarm",
    parameters: { type: "object", properties: { hour: { const: 7 } }, required: ["hour"] },
  },
};
const question: ChatCompletionMessageParam[] = [{ role: "user", content: "What is the weather in Paris?" }];

function expectWeatherArguments(call: ChatCompletionMessageFunctionToolCall) {
  const args = JSON.parse(call.function.arguments) as Record<string, unknown>;
  expect(Object.keys(args)).toEqual(["city", "unit"]);
  expect(["Paris", "Oslo"]).toContain(args.city);
  expect(args.unit).toBe("celsius");
}

describe("tool calls with a local model, through the official openai client", () => {
  it("calls the tool when tool_choice is required, then answers from the tool's result", async () => {
    const final = await openai.chat.completions
      .stream({
        model: "tiny",
        messages: question,
        tools: [weather],
        tool_choice: "required",
        temperature: 0,
      })
      .finalChatCompletion();
    const choice = final.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.tool_calls).toHaveLength(1);
    const call = choice?.message.tool_calls?.[0] as ChatCompletionMessageFunctionToolCall;
    expect(call).toMatchObject({ type: "function", function: { name: "get_weather" } });
    expect(call.id).toEqual(expect.any(String));
    expectWeatherArguments(call);

    const answer = await openai.chat.completions.create({
      model: "tiny",
      messages: [
        ...question,
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: JSON.stringify({ sky: "clear", celsius: 21 }) },
      ],
      tools: [weather],
      temperature: 0,
    });
    expect(answer.choices[0]?.message.content).toBe(ALPHABET);
    expect(answer.choices[0]?.message.tool_calls ?? []).toEqual([]);
    expect(answer.choices[0]?.finish_reason).toBe("stop");
  });

  it("calls the tool tool_choice names, without streaming", async () => {
    const completion = await openai.chat.completions.create({
      model: "tiny",
      messages: question,
      tools: [weather, alarm],
      tool_choice: { type: "function", function: { name: "set_alarm" } },
      temperature: 0,
    });
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    const call = choice?.message.tool_calls?.[0] as ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe("set_alarm");
    expect(JSON.parse(call.function.arguments)).toEqual({ hour: 7 });
  });

  it("answers text when the model may call but does not", async () => {
    const completion = await openai.chat.completions.create({
      model: "tiny",
      messages: question,
      tools: [weather],
      temperature: 0,
    });
    expect(completion.choices[0]?.message.content).toBe(ALPHABET);
    expect(completion.choices[0]?.finish_reason).toBe("stop");
  });
});

describe("tool calls with a local model, through the official @anthropic-ai/sdk", () => {
  it("streams the call tool_choice names as a tool_use block alone, its input held to the schema (finalMessage)", async () => {
    const anthropic = new Anthropic({ baseURL: parley.url, apiKey: "unused", maxRetries: 0 });
    const message = await anthropic.messages
      .stream({
        model: "tiny",
        max_tokens: 100,
        temperature: 0,
        messages: [{ role: "user", content: "Wake me up." }],
        tools: [{ name: "set_alarm", input_schema: alarm.function.parameters as Anthropic.Tool.InputSchema }],
        tool_choice: { type: "tool", name: "set_alarm" },
      })
      .finalMessage();
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toEqual([
      expect.objectContaining({ type: "tool_use", name: "set_alarm", input: { hour: 7 } }),
    ]);
  });
});

import { describe, expect, it } from "vitest";
import type { ChatPrompt } from "../providers/chat-model.js";
import { fitPrompt } from "./fit-prompt.js";

const words = async (prompt: ChatPrompt) =>
  prompt.reduce((sum, message) => sum + message.content.split(" ").length, 0);

const conversation: ChatPrompt = [
  { role: "system", content: "be brief" },
  { role: "user", content: "one two three" },
  { role: "assistant", content: "four five six" },
  { role: "user", content: "seven eight" },
  { role: "assistant", content: "nine ten" },
  { role: "user", content: "the last question" },
];

describe("fitPrompt", () => {
  it("keeps a prompt that fits as it is", async () => {
    expect(await fitPrompt(conversation, 100, words)).toEqual({
      prompt: conversation,
      promptTokens: 15,
      trimmedMessages: 0,
    });
  });

  it("leaves out the oldest turns whole, keeping the system prompt and the last message", async () => {
    const fitted = await fitPrompt(conversation, 10, words);
    expect(fitted?.prompt.map((message) => message.content)).toEqual([
      "be brief",
      "seven eight",
      "nine ten",
      "the last question",
    ]);
    expect(fitted).toMatchObject({ promptTokens: 9, trimmedMessages: 2 });
  });

  it("leaves out the results of tool calls whose reply it left out, which no API would take alone", async () => {
    const withTools: ChatPrompt = [
      { role: "user", content: "weather in Paris please" },
      { role: "assistant", content: "", toolCalls: [{ id: "call_a", name: "get_weather", arguments: "{}" }] },
      { role: "tool", toolCallId: "call_a", content: "rain" },
      { role: "assistant", content: "it rains" },
      { role: "user", content: "and tomorrow" },
    ];
    const fitted = await fitPrompt(withTools, 4, words);
    expect(fitted?.prompt).toEqual([{ role: "user", content: "and tomorrow" }]);
    // A call that stays keeps its result.
    const later: ChatPrompt = [
      { role: "user", content: "an old question" },
      { role: "assistant", content: "old answer" },
      ...withTools.slice(0, 3),
      { role: "user", content: "and tomorrow" },
    ];
    const kept = await fitPrompt(later, 9, words);
    expect(kept?.prompt.map((message) => message.role)).toEqual(["user", "assistant", "tool", "user"]);
  });

  it("takes the whole prompt's count when it is known, counting only the shorter prompts it tries", async () => {
    const counted: number[] = [];
    const counting = async (prompt: ChatPrompt) => {
      counted.push(prompt.length);
      return words(prompt);
    };
    expect(await fitPrompt(conversation, 100, counting, 15)).toMatchObject({ promptTokens: 15 });
    expect(counted).toEqual([]);
    expect(await fitPrompt(conversation, 10, counting, 15)).toMatchObject({ promptTokens: 9 });
    expect(counted).toEqual([4]);
  });

  it("answers null when even the system prompt and the last message do not fit", async () => {
    expect(await fitPrompt(conversation, 4, words)).toBeNull();
  });
});

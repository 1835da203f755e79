import { describe, expect, it } from "vitest";
import type { ChatPrompt } from "../providers/chat-model.js";
import { hasToolTurns, withoutToolTurns } from "./without-tool-turns.js";

describe("withoutToolTurns", () => {
  it("turns tool calls and their results into text a model without tools can read", () => {
    const prompt: ChatPrompt = [
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: "Let me look.",
        toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' }],
      },
      { role: "tool", toolCallId: "call_1", content: "18°C, sunny" },
      { role: "tool", toolCallId: "call_unknown", content: "timed out", isError: true },
      { role: "user", content: "Thanks" },
    ];
    expect(hasToolTurns(prompt)).toBe(true);
    expect(withoutToolTurns(prompt)).toEqual([
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: 'Let me look.\n\nCalled the tool get_weather with {"city":"Paris"}' },
      { role: "user", content: "Result from the tool get_weather:\n18°C, sunny" },
      { role: "user", content: "Error from a tool:\ntimed out" },
      { role: "user", content: "Thanks" },
    ]);
  });

  it("leaves a prompt without tool turns as it is (the same array)", () => {
    const prompt: ChatPrompt = [{ role: "user", content: "Hi" }];
    expect(hasToolTurns(prompt)).toBe(false);
    expect(withoutToolTurns(prompt)).toBe(prompt);
  });
});

import { describe, expect, it } from "vitest";
import type { ChatPrompt } from "../providers/chat-model.js";
import { fitHistory } from "./fit-history.js";

const characters = async (prompt: ChatPrompt) =>
  prompt.reduce((sum, message) => sum + message.content.length, 0);

const question = { role: "user", content: "Translate this." } as const;

describe("fitting the earlier turns into a prompt", () => {
  const earlier: ChatPrompt = [
    { role: "system", content: "Translate." },
    { role: "user", content: "a".repeat(100) },
    { role: "assistant", content: "b".repeat(100) },
    { role: "user", content: "Thanks." },
    { role: "assistant", content: "Welcome." },
  ];

  it("keeps every turn when the prompt fits", async () => {
    const fitted = await fitHistory(earlier, (history) => [...history, question], 1000, characters);
    expect(fitted?.history).toEqual(earlier);
    expect(fitted?.prompt).toEqual([...earlier, question]);
  });

  it("leaves out the oldest turns first, with the reply they orphan, but never the instructions", async () => {
    const fitted = await fitHistory(earlier, (history) => [...history, question], 100, characters);
    expect(fitted?.history.map((message) => message.content)).toEqual(["Translate.", "Thanks.", "Welcome."]);
    expect(fitted?.prompt.at(-1)).toEqual(question);
  });

  it("gives up when even the instructions and the new message do not fit", async () => {
    expect(await fitHistory(earlier, (history) => [...history, question], 20, characters)).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import type { ChatStreamPart } from "../providers/chat-model.js";
import { UsageTally } from "./usage-tally.js";

async function* streamOf(...parts: ChatStreamPart[]): AsyncIterable<ChatStreamPart> {
  yield* parts;
}

async function passed(tally: UsageTally, stream: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const parts: ChatStreamPart[] = [];
  for await (const part of tally.withoutUsage(stream)) parts.push(part);
  return parts;
}

describe("the usage of a reply written in several calls", () => {
  it("passes each call's stream on without its usage, and sums the usage over every call", async () => {
    const tally = new UsageTally();
    expect(tally.usage).toBeUndefined();
    const first = await passed(
      tally,
      streamOf(
        { type: "text.delta", text: "Eins" },
        { type: "usage", inputTokens: 10, outputTokens: 2 },
        { type: "finish", reason: "stop" },
      ),
    );
    expect(first).toEqual([
      { type: "text.delta", text: "Eins" },
      { type: "finish", reason: "stop" },
    ]);
    expect(tally.usage).toEqual({ type: "usage", inputTokens: 10, outputTokens: 2 });

    await passed(tally, streamOf({ type: "usage", inputTokens: 20, outputTokens: 3, cachedInputTokens: 5 }));
    expect(tally.usage).toEqual({ type: "usage", inputTokens: 30, outputTokens: 5, cachedInputTokens: 5 });
  });
});

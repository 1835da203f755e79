/**
 * The section-by-section translator over a real provider and the fault upstream's `echo` model (each reply is the
 * text its request carried), for what the end-to-end tests in test/bot-replies-long-articles.test.ts do not reach.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultUpstream, startFaultUpstream } from "../../test/support/fault-upstream.js";
import { AnthropicChatModel } from "../providers/anthropic/anthropic-chat-model.js";
import type { ChatPrompt, ChatStreamPart } from "../providers/chat-model.js";
import { OpenAICompatibleChatModel } from "../providers/openai-compatible/openai-compatible-chat-model.js";
import { TokenCounter } from "../runs/token-counter.js";
import { SectionedTranslationModel } from "./sectioned-translation-model.js";

let upstream: FaultUpstream;
const counter = new TokenCounter();
const count = async (prompt: ChatPrompt) => counter.estimate("any", prompt);

beforeAll(async () => {
  upstream = await startFaultUpstream();
});

afterAll(async () => {
  await upstream.close();
});

function translator(model: string, contextWindow: number): SectionedTranslationModel {
  return new SectionedTranslationModel(
    new OpenAICompatibleChatModel({ modelId: model, baseURL: upstream.openAIBaseURL }),
    {
      contextWindow,
      countTokens: count,
    },
  );
}

async function collect(stream: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const parts: ChatStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

const textOf = (parts: readonly ChatStreamPart[]) =>
  parts.map((part) => (part.type === "text.delta" ? part.text : "")).join("");

const sentMessages = (model: string) =>
  upstream
    .requestsFor(model)
    .map((request) => (request.body as { messages: { role: string; content: string }[] }).messages);

const prose = (topic: string) =>
  Array.from(
    { length: 6 },
    (_, n) => `${topic} sentence ${n + 1} explains one more detail of the system.`,
  ).join(" ");

describe("the section-by-section translator", () => {
  it("copies a code block too long for any section as it is, without a model call, between the translated parts", async () => {
    const code = `\`\`\`js\n${"console.log('a line of code that no section could hold');\n".repeat(60)}\`\`\``;
    const article = ["# Guide", prose("Intro"), code, prose("Outro")].join("\n\n");
    const parts = await collect(
      translator("echo@code", 4000).stream({
        prompt: [
          { role: "system", content: "Translate into Chinese." },
          { role: "user", content: article },
        ],
        maxOutputTokens: 600,
      }),
    );
    const sent = sentMessages("echo@code");
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const messages of sent) expect(messages.at(-1)?.content).not.toContain("console.log");
    expect(textOf(parts)).toBe(article);
    expect(parts.at(-1)).toEqual({ type: "finish", reason: "stop" });
  });

  it("tells later parts how the user's message began and what the translation so far ends with", async () => {
    const article = [
      "Translate into Japanese, please:",
      "# Guide",
      prose("First"),
      "## Setup",
      prose("Second"),
      "## Usage",
      prose("Third"),
    ].join("\n\n");
    await collect(
      translator("echo@notes", 3000).stream({
        prompt: [
          { role: "system", content: "Translate." },
          { role: "user", content: article },
        ],
        maxOutputTokens: 400,
      }),
    );
    const sent = sentMessages("echo@notes");
    expect(sent.length).toBeGreaterThanOrEqual(2);
    const [first, second] = sent;
    expect(first?.[0]?.content).toMatch(/^Translate\.\n\n## Part 1 of \d+\n/);
    expect(first?.[0]?.content).not.toContain("The user's message began");
    expect(second?.[0]?.content).toContain("The user's message began: «Translate into Japanese, please:");
    expect(second?.[0]?.content).toMatch(/The translation so far has the headings «# Guide»/);
  });

  it("asks no prompt cache to keep a part's prompt, which no later call starts with", async () => {
    const model = new AnthropicChatModel({
      modelId: "echo@cache",
      baseURL: upstream.anthropicBaseURL,
      apiKey: "test-key",
      promptCaching: true,
    });
    const prompt: ChatPrompt = [
      { role: "system", content: "Translate." },
      { role: "user", content: "Hello" },
      { role: "assistant", content: "Bonjour" },
      { role: "user", content: ["# Guide", prose("First"), "## Setup", prose("Second")].join("\n\n") },
    ];
    const sectioned = new SectionedTranslationModel(model, { contextWindow: 1500, countTokens: count });
    await collect(sectioned.stream({ prompt, maxOutputTokens: 300 }));
    const parts = upstream.requestsFor("echo@cache").map((request) => JSON.stringify(request.body));
    expect(parts.length).toBeGreaterThanOrEqual(2);
    for (const part of parts) expect(part).not.toContain("cache_control");
    // The same conversation in one call is a conversation under way, and is marked.
    await collect(model.stream({ prompt: prompt.slice(0, 3).concat({ role: "user", content: "Thanks" }) }));
    expect(JSON.stringify(upstream.requestsFor("echo@cache").at(-1)?.body)).toContain("cache_control");
  });

  it("keeps the instructions and leaves out the oldest turns when a long conversation takes the room", async () => {
    const earlier = "An earlier article, long enough to matter. ".repeat(60);
    const article = ["# Now", prose("One"), prose("Two"), prose("Three"), prose("Four")].join("\n\n");
    await collect(
      translator("echo@history", 3000).stream({
        prompt: [
          { role: "system", content: "Translate." },
          { role: "user", content: earlier },
          { role: "assistant", content: earlier },
          { role: "user", content: "Thanks." },
          { role: "assistant", content: "You are welcome." },
          { role: "user", content: article },
        ],
        maxOutputTokens: 400,
      }),
    );
    for (const messages of sentMessages("echo@history")) {
      expect(messages.map((message) => message.role)).toEqual(["system", "user", "assistant", "user"]);
      expect(messages[1]?.content).toBe("Thanks.");
      expect(await count(messages as ChatPrompt)).toBeLessThanOrEqual(3000 - 400);
    }
  });

  it("refuses, before any call, a window that leaves no room for a section", async () => {
    const parts = await collect(
      translator("echo@tiny", 1000).stream({
        prompt: [
          { role: "system", content: "Translate, keeping every rule in mind. ".repeat(30) },
          { role: "user", content: [prose("A"), prose("B"), prose("C"), prose("D")].join("\n\n") },
        ],
        maxOutputTokens: 300,
      }),
    );
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatchObject({ type: "error", error: { code: "context_length_exceeded" } });
    expect(upstream.requestsFor("echo@tiny")).toHaveLength(0);
  });
});

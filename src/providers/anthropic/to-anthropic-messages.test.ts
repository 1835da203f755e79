import { describe, expect, it } from "vitest";
import type { ChatImage } from "../chat-model.js";
import { toAnthropicMessages } from "./to-anthropic-messages.js";

const cat: ChatImage = { mediaType: "image/png", data: "iVBORw0KGgo=", width: 3, height: 2 };
const dog: ChatImage = { mediaType: "image/jpeg", data: "/9j/4AAQ" };
const block = (image: ChatImage) => ({
  type: "image",
  source: { type: "base64", media_type: image.mediaType, data: image.data },
});

describe("toAnthropicMessages", () => {
  it("keeps text-only turns plain strings, with one system prompt and a trimmed prefill", () => {
    expect(
      toAnthropicMessages([
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello  " },
      ]),
    ).toEqual({
      system: "Be brief.",
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello" },
      ],
      trimmedPrefillWhitespace: "  ",
    });
  });

  it("marks the end of the system prompt and of the last turn as cache breakpoints, and nothing without caching", () => {
    const prompt = [
      { role: "system" as const, content: "You are a translator." },
      { role: "user" as const, content: "Translate: one" },
      { role: "assistant" as const, content: "un" },
      { role: "user" as const, content: "Translate: two", images: [cat] },
    ];
    const ephemeral = { type: "ephemeral" };
    expect(toAnthropicMessages(prompt, { cache: "auto" })).toEqual({
      system: [{ type: "text", text: "You are a translator.", cache_control: ephemeral }],
      messages: [
        // Only the last turn is marked: the next request finds this one's prefix, whatever turn it ends at.
        { role: "user", content: "Translate: one" },
        { role: "assistant", content: "un" },
        {
          role: "user",
          content: [block(cat), { type: "text", text: "Translate: two", cache_control: ephemeral }],
        },
      ],
      trimmedPrefillWhitespace: "",
    });
    const plain = toAnthropicMessages(prompt);
    expect(plain.system).toBe("You are a translator.");
    expect(JSON.stringify(plain)).not.toContain("cache_control");
  });

  it("keeps the client's breakpoints where it marked them: after images, inside and at the end of text, across joined messages", () => {
    const hour = { type: "ephemeral", ttl: "1h" };
    const ephemeral = { type: "ephemeral" };
    const { system, messages } = toAnthropicMessages(
      [
        { role: "system", content: "Be brief." },
        { role: "system", content: "Cite.", cacheBreaks: [{ at: 5, ttl: "1h" }] },
        {
          role: "user",
          content: "Document. Question?",
          images: [cat, dog],
          cacheBreaks: [
            { at: 0, ttl: "5m" },
            { at: 9, ttl: "5m" },
            // Two marks at one place are one; the longer time to live holds.
            { at: 9, ttl: "1h" },
          ],
        },
        { role: "user", content: "More.", cacheBreaks: [{ at: 5, ttl: "5m" }] },
        { role: "user", content: "Last." },
      ],
      { cache: "client" },
    );
    // The second system message's mark moved with the blank line joining it.
    expect(system).toEqual([
      { type: "text", text: "Be brief." },
      { type: "text", text: "\n\nCite.", cache_control: hour },
    ]);
    expect(messages).toEqual([
      {
        role: "user",
        content: [
          block(cat),
          { ...block(dog), cache_control: ephemeral },
          { type: "text", text: "Document.", cache_control: hour },
          // A marked block is not joined with the next: its end is where the client's prefix stops.
          { type: "text", text: " Question?\n\nMore.", cache_control: ephemeral },
          { type: "text", text: "Last." },
        ],
      },
    ]);
    // Parley's own marks only in its own mode, the client's only in the client's.
    expect(
      JSON.stringify(
        toAnthropicMessages([{ role: "user", content: "Hi", cacheBreaks: [{ at: 2, ttl: "5m" }] }]),
      ),
    ).not.toContain("cache_control");
  });

  it("marks a conversation's last turn only once it is under way, a last turn of tool results at its last result, and the turn before a prefill", () => {
    // One question alone, as most API calls are: its system prompt may recur, the question most likely not.
    const single = toAnthropicMessages(
      [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
      { cache: "auto" },
    );
    expect(single.system).toEqual([
      { type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } },
    ]);
    expect(single.messages).toEqual([{ role: "user", content: "Hi" }]);

    const { messages, system } = toAnthropicMessages(
      [
        { role: "user", content: "Weather?" },
        { role: "assistant", content: "", toolCalls: [{ id: "t1", name: "w", arguments: "{}" }] },
        { role: "tool", content: "sunny", toolCallId: "t1" },
      ],
      { cache: "auto" },
    );
    expect(system).toBeUndefined();
    expect(messages.at(-1)).toEqual({
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "t1", content: "sunny", cache_control: { type: "ephemeral" } },
      ],
    });
    expect(JSON.stringify(messages.slice(0, -1))).not.toContain("cache_control");

    // A prefill, the reply to continue, is left as it is: the turn before it is the prefix to keep.
    const continued = toAnthropicMessages(
      [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello." },
        { role: "user", content: "More" },
        { role: "assistant", content: "Well th" },
      ],
      { cache: "auto" },
    );
    expect(continued.messages.slice(2)).toEqual([
      { role: "user", content: [{ type: "text", text: "More", cache_control: { type: "ephemeral" } }] },
      { role: "assistant", content: "Well th" },
    ]);
  });

  it("sends a user message's images as base64 image blocks before its text", () => {
    const { messages } = toAnthropicMessages([
      { role: "user", content: "What is in these?", images: [cat, dog] },
    ]);
    expect(messages).toEqual([
      { role: "user", content: [block(cat), block(dog), { type: "text", text: "What is in these?" }] },
    ]);
  });

  it("sends an image with no text as the turn's only block, and keeps it when an empty text turn would go", () => {
    const { messages } = toAnthropicMessages([
      { role: "user", content: "", images: [cat] },
      { role: "assistant", content: "A cat." },
      { role: "user", content: "" },
    ]);
    expect(messages).toEqual([
      { role: "user", content: [block(cat)] },
      { role: "assistant", content: "A cat." },
    ]);
  });

  it("joins consecutive user turns with their images in order, text meeting text in one block", () => {
    const { messages } = toAnthropicMessages([
      { role: "user", content: "First." },
      { role: "user", content: "Second.", images: [cat] },
      { role: "user", content: "Third." },
    ]);
    expect(messages).toEqual([
      {
        role: "user",
        content: [{ type: "text", text: "First." }, block(cat), { type: "text", text: "Second.\n\nThird." }],
      },
    ]);
  });

  it("never sends images on system or assistant messages, which the API refuses there", () => {
    const { system, messages } = toAnthropicMessages([
      { role: "system", content: "Rules.", images: [cat] },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Yes.", images: [dog] },
    ]);
    expect(system).toBe("Rules.");
    expect(messages).toEqual([
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Yes." },
    ]);
  });
});

describe("toAnthropicMessages with tool calls", () => {
  const weather = { id: "toolu_1", name: "get_weather", arguments: '{"city":"Paris"}' };
  const time = { id: "toolu_2", name: "get_time", arguments: "" };

  it("sends an assistant message's calls as tool_use blocks after its text, their arguments parsed", () => {
    const { messages } = toAnthropicMessages([
      { role: "user", content: "Weather and time in Paris?" },
      { role: "assistant", content: "Let me look.", toolCalls: [weather, time] },
      { role: "tool", toolCallId: "toolu_1", content: "18°C" },
      { role: "tool", toolCallId: "toolu_2", content: "14:00" },
    ]);
    expect(messages[1]).toEqual({
      role: "assistant",
      content: [
        { type: "text", text: "Let me look." },
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
        // No arguments at all is a call without any: the object the API requires, empty.
        { type: "tool_use", id: "toolu_2", name: "get_time", input: {} },
      ],
    });
  });

  it("sends calls without text as tool_use blocks alone", () => {
    const { messages } = toAnthropicMessages([
      { role: "user", content: "Weather?" },
      { role: "assistant", content: "", toolCalls: [weather] },
      { role: "tool", toolCallId: "toolu_1", content: "18°C" },
    ]);
    expect(messages[1]).toEqual({
      role: "assistant",
      content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }],
    });
  });

  it("keeps arguments that are no JSON object as written, in an object, as the API takes nothing else", () => {
    const { messages } = toAnthropicMessages([
      { role: "user", content: "Go." },
      {
        role: "assistant",
        content: "",
        toolCalls: [
          { id: "toolu_cut", name: "get_weather", arguments: '{"city":"Par' },
          { id: "toolu_list", name: "get_weather", arguments: '["Paris"]' },
          { id: "toolu_null", name: "get_weather", arguments: "null" },
          { id: "toolu_blank", name: "get_weather", arguments: "  " },
        ],
      },
    ]);
    const use = (id: string, input: unknown) => ({ type: "tool_use", id, name: "get_weather", input });
    expect(messages[1]?.content).toEqual([
      use("toolu_cut", { _unparsed_arguments: '{"city":"Par' }),
      use("toolu_list", { _unparsed_arguments: '["Paris"]' }),
      use("toolu_null", { _unparsed_arguments: "null" }),
      use("toolu_blank", {}),
    ]);
  });

  it("sends tool messages as tool_result blocks of one user turn, with is_error, then the user's next words", () => {
    const { messages } = toAnthropicMessages([
      { role: "user", content: "Weather and time in Paris?" },
      { role: "assistant", content: "", toolCalls: [weather, time] },
      { role: "tool", toolCallId: "toolu_1", content: "18°C" },
      { role: "tool", toolCallId: "toolu_2", content: "clock unavailable", isError: true },
      { role: "user", content: "Also, bring an umbrella?", images: [cat] },
    ]);
    expect(messages).toEqual([
      { role: "user", content: "Weather and time in Paris?" },
      { role: "assistant", content: expect.any(Array) },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "18°C" },
          { type: "tool_result", tool_use_id: "toolu_2", content: "clock unavailable", is_error: true },
          block(cat),
          { type: "text", text: "Also, bring an umbrella?" },
        ],
      },
    ]);
  });

  it("puts tool results ahead of a user message that came between the calls and their results", () => {
    const { messages } = toAnthropicMessages([
      { role: "user", content: "Weather?" },
      { role: "assistant", content: "", toolCalls: [weather] },
      { role: "user", content: "In Celsius, please." },
      { role: "tool", toolCallId: "toolu_1", content: "18°C" },
    ]);
    expect(messages[2]).toEqual({
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "toolu_1", content: "18°C" },
        { type: "text", text: "In Celsius, please." },
      ],
    });
  });

  it("keeps a tool result with no text, sent without content, where an empty message would be dropped", () => {
    const { messages } = toAnthropicMessages([
      { role: "user", content: "Ring the bell." },
      { role: "assistant", content: "", toolCalls: [{ id: "toolu_bell", name: "ring", arguments: "{}" }] },
      { role: "tool", toolCallId: "toolu_bell", content: "" },
    ]);
    expect(messages[2]).toEqual({
      role: "user",
      content: [{ type: "tool_result", tool_use_id: "toolu_bell" }],
    });
  });

  it("continues after the tool results with a trimmed prefill, as it would after text", () => {
    const result = toAnthropicMessages([
      { role: "user", content: "Weather?" },
      { role: "assistant", content: "", toolCalls: [weather] },
      { role: "tool", toolCallId: "toolu_1", content: "18°C" },
      { role: "assistant", content: "It is " },
    ]);
    expect(result.messages.at(-1)).toEqual({ role: "assistant", content: "It is" });
    expect(result.trimmedPrefillWhitespace).toBe(" ");
  });
});

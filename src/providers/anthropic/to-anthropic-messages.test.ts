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

import { describe, expect, it } from "vitest";
import type { ChatImage } from "../chat-model.js";
import { toOpenAIMessages } from "./to-openai-messages.js";

const cat: ChatImage = { mediaType: "image/png", data: "iVBORw0KGgo=", width: 3, height: 2 };
const dog: ChatImage = { mediaType: "image/webp", data: "UklGRg==" };

describe("toOpenAIMessages", () => {
  it("keeps messages without images as plain string content", () => {
    expect(
      toOpenAIMessages([
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello" },
      ]),
    ).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello" },
    ]);
  });

  it("sends a user message's images as image_url parts with data URLs, before its text", () => {
    expect(toOpenAIMessages([{ role: "user", content: "Compare these.", images: [cat, dog] }])).toEqual([
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          { type: "image_url", image_url: { url: "data:image/webp;base64,UklGRg==" } },
          { type: "text", text: "Compare these." },
        ],
      },
    ]);
  });

  it("sends an image with no text as the only part", () => {
    expect(toOpenAIMessages([{ role: "user", content: "", images: [cat] }])).toEqual([
      {
        role: "user",
        content: [{ type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }],
      },
    ]);
  });

  it("never puts images on system or assistant messages, which take text only", () => {
    expect(
      toOpenAIMessages([
        { role: "system", content: "Rules.", images: [cat] },
        { role: "assistant", content: "Yes.", images: [cat] },
      ]),
    ).toEqual([
      { role: "system", content: "Rules." },
      { role: "assistant", content: "Yes." },
    ]);
  });

  it("sends an assistant message's tool calls as tool_calls, with null content when it wrote no text", () => {
    const call = { id: "call_1", name: "get_time", arguments: "{}" };
    const wireCall = { id: "call_1", type: "function", function: { name: "get_time", arguments: "{}" } };
    expect(
      toOpenAIMessages([
        { role: "assistant", content: "", toolCalls: [call] },
        { role: "assistant", content: "Checking.", toolCalls: [call] },
      ]),
    ).toEqual([
      { role: "assistant", content: null, tool_calls: [wireCall] },
      { role: "assistant", content: "Checking.", tool_calls: [wireCall] },
    ]);
  });

  it("keeps an assistant message with an empty list of calls a plain text message", () => {
    expect(toOpenAIMessages([{ role: "assistant", content: "Done.", toolCalls: [] }])).toEqual([
      { role: "assistant", content: "Done." },
    ]);
  });

  it("sends a tool result as a tool message for its call, a failed one with its content as it is", () => {
    expect(
      toOpenAIMessages([
        { role: "tool", toolCallId: "call_1", content: '{"celsius":4}' },
        { role: "tool", toolCallId: "call_2", content: "City not found.", isError: true },
      ]),
    ).toEqual([
      { role: "tool", tool_call_id: "call_1", content: '{"celsius":4}' },
      { role: "tool", tool_call_id: "call_2", content: "City not found." },
    ]);
  });
});

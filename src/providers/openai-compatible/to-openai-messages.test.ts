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
});

import { describe, expect, it } from "vitest";
import type { ChatImage, ChatPrompt } from "../providers/chat-model.js";
import { hasImages, withoutImages } from "./prompt-images.js";

const image: ChatImage = { mediaType: "image/png", data: "iVBORw0KGgo=" };

describe("a prompt's images", () => {
  it("are found in any message, and an empty list is none", () => {
    expect(hasImages([{ role: "user", content: "hi" }])).toBe(false);
    expect(hasImages([{ role: "user", content: "hi", images: [] }])).toBe(false);
    expect(
      hasImages([
        { role: "user", content: "look", images: [image] },
        { role: "user", content: "?" },
      ]),
    ).toBe(true);
  });

  it("are left out for a model that cannot see them, each message saying how many it had", () => {
    const prompt: ChatPrompt = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Look.", images: [image] },
      { role: "assistant", content: "A square." },
      { role: "user", content: "", images: [image, image] },
    ];
    expect(withoutImages(prompt)).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Look.\n\n[An image was attached here, which this model cannot see.]" },
      { role: "assistant", content: "A square." },
      { role: "user", content: "[2 images were attached here, which this model cannot see.]" },
    ]);
  });
});

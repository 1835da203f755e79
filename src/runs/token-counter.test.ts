import { describe, expect, it } from "vitest";
import type { ChatPrompt } from "../providers/chat-model.js";
import { imageTokens, TokenCounter } from "./token-counter.js";

describe("estimating a prompt's tokens", () => {
  it("counts an image by its pixels, not by the length of its base64", () => {
    const counter = new TokenCounter();
    const content = "What is this?";
    const text: ChatPrompt = [{ role: "user", content }];
    const image = (width: number, height: number, data: string) => ({
      mediaType: "image/png",
      data,
      width,
      height,
    });
    const small: ChatPrompt = [{ role: "user", content, images: [image(200, 200, "A".repeat(100_000))] }];
    const large: ChatPrompt = [{ role: "user", content, images: [image(1000, 1000, "A")] }];
    expect(counter.estimate("m", small) - counter.estimate("m", text)).toBe(
      imageTokens({ width: 200, height: 200 }),
    );
    expect(counter.estimate("m", large)).toBeGreaterThan(counter.estimate("m", small));
  });

  it("counts the arguments of the tools a message called, which can be long (a file an agent writes)", () => {
    const counter = new TokenCounter();
    const call = (args: string): ChatPrompt => [
      { role: "assistant", content: "", toolCalls: [{ id: "call_1", name: "write_file", arguments: args }] },
    ];
    const longer = counter.estimate("m", call(JSON.stringify({ text: "x".repeat(4000) })));
    expect(longer - counter.estimate("m", call("{}"))).toBeGreaterThan(900);
  });

  it("follows the providers' rules: small images cost the minimum, huge ones are scaled down and capped", () => {
    expect(imageTokens({ width: 3, height: 2 })).toBe(85);
    expect(imageTokens({ width: 1000, height: 1000 })).toBe(Math.ceil(1_000_000 / 750));
    expect(imageTokens({ width: 20_000, height: 20_000 })).toBeLessThanOrEqual(1600);
    expect(imageTokens({ width: 20_000, height: 20_000 })).toBeGreaterThan(1400);
    expect(imageTokens({})).toBe(1600);
  });

  it("leaves the image's share out when it learns characters per token from a reported usage", () => {
    const counter = new TokenCounter();
    const prompt: ChatPrompt = [
      {
        role: "user",
        content: "x".repeat(400),
        images: [{ mediaType: "image/png", data: "", width: 1000, height: 1000 }],
      },
    ];
    // 100 text tokens (4 characters each), the message's overhead, and the image's estimate.
    counter.calibrate("m", prompt, 100 + 4 + imageTokens({ width: 1000, height: 1000 }));
    expect(counter.estimate("m", [{ role: "user", content: "y".repeat(800) }])).toBe(200 + 4);
  });
});

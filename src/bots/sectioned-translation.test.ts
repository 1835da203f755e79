import { describe, expect, it } from "vitest";
import type { ChatPrompt } from "../providers/chat-model.js";
import { sectionedTranslation } from "./sectioned-translation.js";

const prose = (topic: string) =>
  Array.from(
    { length: 6 },
    (_, n) => `${topic} sentence ${n + 1} explains one more detail of the system.`,
  ).join(" ");

describe("offering a translation section by section", () => {
  it("is only offered for a message long enough to need it, and routes by its first section", () => {
    const short: ChatPrompt = [{ role: "user", content: prose("Short") }];
    expect(sectionedTranslation(short)).toBeUndefined();
    const long = [
      "Into Japanese:",
      "",
      '<article url="https://x.example/a" title="A">',
      ["# A", ...["One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight"].map(prose)].join("\n\n"),
      "</article>",
    ].join("\n");
    const routing =
      sectionedTranslation([{ role: "user", content: long }])?.routingPrompt.at(-1)?.content ?? "";
    expect(
      routing.startsWith('Into Japanese:\n\n<article url="https://x.example/a" title="A">\n# A\n\n'),
    ).toBe(true);
    expect(routing.endsWith("\n</article>")).toBe(true);
    expect(routing.length).toBeLessThan(long.length);
  });

  it("is not offered for a long message that carries images, or when the user did not speak last", () => {
    const long = Array.from({ length: 8 }, (_, n) => prose(`Part${n}`)).join("\n\n");
    const image = { mediaType: "image/png", data: "iVBORw0KGgo=" } as const;
    expect(sectionedTranslation([{ role: "user", content: long }])).toBeDefined();
    expect(sectionedTranslation([{ role: "user", content: long, images: [image] }])).toBeUndefined();
    expect(
      sectionedTranslation([
        { role: "user", content: long },
        { role: "assistant", content: long },
      ]),
    ).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { articleMessageOf } from "./article-message.js";

describe("the user's message as an article in parts", () => {
  it("rebuilds a fetched article's message around each part, with Parley's closing note on the last only", () => {
    const content = [
      "Into Japanese:",
      '<article url="https://x.example/a" title="A">',
      "# A\n\nOne.\n\nTwo.",
      "</article>",
      "(The article was cut.)",
    ].join("\n");
    const article = articleMessageOf(content);
    expect(article.body).toBe("# A\n\nOne.\n\nTwo.");
    expect(article.opening).toBeUndefined();
    expect(article.message("One.", { index: 1, count: 2 })).toBe(
      'Into Japanese:\n<article url="https://x.example/a" title="A">\nOne.\n</article>',
    );
    expect(article.message("Two.", { index: 2, count: 2 })).toBe(
      'Into Japanese:\n<article url="https://x.example/a" title="A">\nTwo.\n</article>\n(The article was cut.)',
    );
    expect(article.message(article.body, { index: 1, count: 1 })).toBe(content);
  });

  it("sends a pasted text's parts as they are, and keeps how a long one began for the later parts", () => {
    const short = articleMessageOf("Translate: one short paragraph.");
    expect(short.body).toBe("Translate: one short paragraph.");
    expect(short.message("one short", { index: 2, count: 2 })).toBe("one short");
    expect(short.opening).toBeUndefined();

    const long = `Translate into Japanese, please:\n\n${"Word ".repeat(100)}`;
    const opening = articleMessageOf(long).opening ?? "";
    expect(opening.startsWith("Translate into Japanese, please:\n\nWord Word")).toBe(true);
    expect(opening.endsWith("…")).toBe(true);
    expect(opening.length).toBeLessThanOrEqual(201);
  });
});

// The streaming Markdown splitter: lexing only the end of a growing reply gives the blocks a full lex gives.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MarkdownBlockSplitter } from "../../web/src/markdown/markdown-block-splitter.js";
import { lexMarkdown, parseMarkdownTokens } from "../../web/src/markdown/markdown-parser.js";

const LABELS = { copyCode: "Copy", plainCode: "text", image: "Image", citation: "Source {number}: {title}" };

const BLOCKS = [
  "A paragraph with **bold**, `code` and a [link](https://example.com).",
  "Second line of the same paragraph.",
  "## A heading",
  "- one\n- two\n- three",
  "1. first\n2. second",
  "> a quote\n> that goes on",
  "```ts\nconst x = 1;\n\nconsole.log(x);\n```",
  "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |",
  "---",
  "<b>raw html</b> stays text",
  "A cited sentence [S1] and two more [S2, S3].",
];

const reply = fc
  .array(fc.tuple(fc.constantFrom(...BLOCKS), fc.constantFrom("\n", "\n\n", "\n\n\n")), {
    minLength: 1,
    maxLength: 12,
  })
  .map((parts) => parts.map(([block, gap]) => block + gap).join(""));

const html = (text: string) => parseMarkdownTokens(lexMarkdown(text), LABELS);

describe("MarkdownBlockSplitter", () => {
  it("renders every prefix of a streamed reply the way a full parse renders it", () => {
    fc.assert(
      fc.property(reply, fc.integer({ min: 1, max: 9 }), (text, step) => {
        const splitter = new MarkdownBlockSplitter();
        for (let end = step; end < text.length + step; end += step) {
          const prefix = text.slice(0, end);
          expect(parseMarkdownTokens(splitter.split(prefix), LABELS)).toBe(html(prefix));
        }
      }),
      { numRuns: 150 },
    );
  });

  it("starts over when the text is replaced rather than extended", () => {
    const splitter = new MarkdownBlockSplitter();
    splitter.split("# one\n\npara\n\n- a\n- b\n\nmore\n");
    expect(parseMarkdownTokens(splitter.split("different text\n\nentirely"), LABELS)).toBe(
      html("different text\n\nentirely"),
    );
  });
});

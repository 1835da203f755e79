import { describe, expect, it } from "vitest";
import { markdownBlocks, splitMarkdownSections } from "./markdown-sections.js";

/** A sentence of `words` words: "Alpha alpha alpha." */
const paragraph = (word: string, words: number) =>
  `${word[0]?.toUpperCase()}${word.slice(1)} ${Array(words - 1)
    .fill(word)
    .join(" ")}.`;

describe("Markdown sections", () => {
  const article = [
    "# Title",
    paragraph("intro", 20),
    "## Install",
    paragraph("install", 30),
    "```sh\nnpm install parley\n\nnpm start\n```",
    "## Use",
    paragraph("use", 30),
    "### Details",
    paragraph("detail", 30),
  ].join("\n\n");

  it("keeps an article that fits as one section, exactly", () => {
    expect(splitMarkdownSections(article, 10_000)).toEqual([{ text: article, code: false }]);
  });

  it("cuts at headings, keeps each heading with its text, and never splits a fenced block with blank lines in it", () => {
    const sections = splitMarkdownSections(article, 350);
    for (const section of sections) expect(section.text.length).toBeLessThanOrEqual(350);
    expect(sections.map((section) => section.text.split("\n")[0])).toEqual([
      "# Title",
      "## Install",
      "## Use",
      "### Details",
    ]);
    expect(sections[1]?.text).toContain("```sh\nnpm install parley\n\nnpm start\n```");
    expect(sections.map((section) => section.text).join("\n\n")).toBe(article);
  });

  it("cuts a section longer than the limit between paragraphs, then a paragraph at sentence ends", () => {
    const long = [
      "## Long",
      paragraph("alpha", 40),
      paragraph("beta", 40),
      `${paragraph("gamma", 40)} ${paragraph("delta", 40)}`,
    ].join("\n\n");
    const sections = splitMarkdownSections(long, 260);
    for (const section of sections) expect(section.text.length).toBeLessThanOrEqual(260);
    expect(sections[0]?.text.startsWith("## Long\n\nAlpha")).toBe(true);
    expect(sections.map((section) => section.text)).toContain(paragraph("gamma", 40));
    expect(sections.map((section) => section.text)).toContain(paragraph("delta", 40));
  });

  it("gives a code block longer than the limit a section of its own, whole and marked as code", () => {
    const code = `\`\`\`js\n${"console.log(1);\n".repeat(40)}\`\`\``;
    const sections = splitMarkdownSections(["## Code", "Short text.", code, "After."].join("\n\n"), 100);
    expect(sections).toEqual([
      { text: "## Code\n\nShort text.", code: false },
      { text: code, code: true },
      { text: "After.", code: false },
    ]);
  });

  it("reads a heading-like line inside a fence as code, and an unclosed fence as running to the end", () => {
    expect(markdownBlocks("```py\n# not a heading\n```\n# Heading").map((block) => block.kind)).toEqual([
      "code",
      "heading",
    ]);
    expect(markdownBlocks("Text\n\n~~~\ncode\n\n# still code").map((block) => block.kind)).toEqual([
      "text",
      "code",
    ]);
  });
});

// Citation marks in replies: numbered in the order the checked citations came, rendered as buttons only where the
// server checked them, and never shown half-written or raw.
import { describe, expect, it } from "vitest";
import type { Citation } from "../../src/core/citation-check.js";
import { attachMarks, citationMarksOf, withoutOpenMark } from "../../web/src/citations/citation-marks.js";
import { lexMarkdown, parseMarkdownTokens } from "../../web/src/markdown/markdown-parser.js";

const LABELS = { copyCode: "Copy", plainCode: "text", image: "Image", citation: "Source {number}: {title}" };

function citation(marker: string, title = "Guide"): Citation {
  return { documentId: "doc_1", title, start: 0, end: 4, citedText: "text", marker };
}

const html = (text: string, marks: ReturnType<typeof citationMarksOf> | null) =>
  parseMarkdownTokens([...lexMarkdown(text)], LABELS, marks);

describe("citation marks", () => {
  it("numbers checked citations 1, 2, 3 in the order they came, once per mark", () => {
    const marks = citationMarksOf([citation("S4", "A"), citation("S2", "B"), citation("S4", "A")]);
    expect([...marks]).toEqual([
      ["S4", { number: 1, title: "A" }],
      ["S2", { number: 2, title: "B" }],
    ]);
  });

  it("renders a checked mark as a numbered button in a superscript and leaves out one that failed the check", () => {
    const rendered = html(
      "Timers fire late [S4]. Made up [S9, S4].",
      citationMarksOf([citation("S4", "Guide <1>")]),
    );
    const button =
      '<sup class="citation-ref"><button type="button" class="citation-mark" data-citation="S4" ' +
      'aria-label="Source 1: Guide &lt;1&gt;" title="Guide &lt;1&gt;">1</button></sup>';
    expect(rendered).toBe(`<p>Timers fire late ${button}. Made up ${button}.</p>\n`);
    // Right after a word, as attachMarks leaves them, and on a line of its own in a long paragraph.
    const marks = citationMarksOf([citation("S4", "Guide <1>")]);
    expect(html("late[S4].", marks)).toBe(`<p>late${button}.</p>\n`);
    expect(html(`${"abc\n".repeat(50)}[S4]`, marks)).toContain(`<br>${button}</p>`);
  });

  it("keeps [S3] as plain text in a reply that cites no knowledge, and inside code", () => {
    expect(html("See [S3].", null)).toBe("<p>See [S3].</p>\n");
    expect(html("`[S3]`", citationMarksOf([citation("S3")]))).toBe("<p><code>[S3]</code></p>\n");
  });

  it("hides a mark still being written at the end of a streaming reply", () => {
    expect(withoutOpenMark("It fires late [S1")).toBe("It fires late ");
    expect(withoutOpenMark("It fires late [S1, S")).toBe("It fires late ");
    expect(withoutOpenMark("It fires late [S1]")).toBe("It fires late [S1]");
    expect(withoutOpenMark("an [array]")).toBe("an [array]");
  });

  it("puts marks right after the text they cite", () => {
    expect(attachMarks("It fires late [S1] and [S2, S3].")).toBe("It fires late[S1] and[S2, S3].");
  });
});

import { describe, expect, it } from "vitest";
import { articleMarkdown, htmlToMarkdown } from "./article-markdown.js";

const filler =
  "It has enough words, commas, and sentences, so that Readability scores it as the article of the page, not as chrome.";

describe("article Markdown", () => {
  it("leads with the article's own heading, resolves URLs against <base>, and keeps lazy images", () => {
    const html = `<html><head><title>Site | Tables</title><base href="https://docs.example/guide/"></head><body>
      <article><h1>Tables and Fences</h1><p>${filler} See <a href="../api">the API</a>.</p>
      <p><img src="data:image/gif;base64,R0lGOD" data-src="img/chart.svg" alt="Chart"> ${filler}</p>
      <p><a href="javascript:alert(1)">click</a> ${filler}</p></article></body></html>`;
    const { title, markdown } = articleMarkdown(html, "https://docs.example/page");
    expect(title).toMatch(/Tables/);
    expect(markdown.startsWith("# Tables and Fences\n")).toBe(true);
    expect(markdown).toContain("[the API](https://docs.example/api)");
    expect(markdown).toContain("![Chart](https://docs.example/guide/img/chart.svg)");
    expect(markdown).not.toContain("javascript:");
  });

  it("writes GitHub-flavoured tables with the first row as header and escaped pipes", () => {
    const markdown = htmlToMarkdown(
      "<table><thead><tr><th>Flag</th><th>Meaning</th></tr></thead><tbody><tr><td><code>-a|b</code></td><td>one\nor two</td></tr></tbody></table>",
    );
    expect(markdown).toBe("| Flag | Meaning |\n| --- | --- |\n| `-a\\|b` | one or two |");
  });

  it("fences code longer than any backtick run inside it, keeps <br> line breaks, and reads data-lang", () => {
    expect(htmlToMarkdown("<pre><code>a ``` b</code></pre>")).toBe("````\na ``` b\n````");
    const { markdown } = articleMarkdown(
      `<article><h1>X</h1><p>${filler}</p><pre data-lang="Rust">fn main() {<br>}</pre><p>${filler}</p></article>`,
      "https://x.example/",
    );
    expect(markdown).toContain("```rust\nfn main() {\n}\n```");
  });

  it("puts the page's title first when Readability dropped the <h1> as its copy, above the first section's heading", () => {
    const { markdown } = articleMarkdown(
      `<html><head><title>Queues in Depth | Notes</title></head><body><article><h1>Queues in Depth</h1>
      <h2>Why queues</h2><p>${filler}</p><h2>Ordering</h2><p>${filler}</p></article></body></html>`,
      "https://notes.example/queues",
    );
    expect(markdown.startsWith("# Queues in Depth\n\n## Why queues\n\n")).toBe(true);
  });

  it("leaves relative links as written when there is no page URL (an uploaded file)", () => {
    const { markdown } = articleMarkdown(
      `<html><body><article><h1>Guide</h1><p>${filler} See <a href="../api">the API</a> and <a href="javascript:x()">this</a>.</p>
      <p><img src="img/chart.svg" alt="Chart"> ${filler}</p></article></body></html>`,
      undefined,
    );
    expect(markdown).toContain("[the API](../api)");
    expect(markdown).toContain("![Chart](img/chart.svg)");
    expect(markdown).not.toContain("javascript:");
  });
});

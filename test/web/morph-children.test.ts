// Updating a streaming reply's block in place: the same result as replacing it, with unchanged nodes kept.
import { parseHTML } from "linkedom";
import { describe, expect, it } from "vitest";
import { morphChildren } from "../../web/src/markdown/morph-children.js";

function fragment(html: string) {
  const { document } = parseHTML("<!doctype html><html><body></body></html>");
  const template = document.createElement("template");
  template.innerHTML = html;
  return { document, content: template.content };
}

function blockWith(html: string) {
  const { document, content } = fragment(html);
  const block = document.createElement("div");
  block.append(content);
  return block;
}

describe("morphChildren", () => {
  it("makes the children equal to the new ones, keeping every node that did not change", () => {
    const block = blockWith("<p>abc<br>def<br>gh</p>");
    const paragraph = block.firstChild;
    const firstLine = paragraph?.firstChild;
    morphChildren(block, fragment("<p>abc<br>def<br>ghijk<br>l</p>").content);
    expect(block.innerHTML).toBe("<p>abc<br>def<br>ghijk<br>l</p>");
    expect(block.firstChild).toBe(paragraph);
    expect(block.firstChild?.firstChild).toBe(firstLine);
  });

  it("replaces what changed kind, syncs attributes, and removes what is gone", () => {
    const block = blockWith('<p>intro</p><ul><li>one</li><li>two</li></ul><p class="x">tail</p>');
    morphChildren(
      block,
      fragment('<p>intro</p><ol start="2"><li>one</li></ol><p class="y">tail, longer</p>').content,
    );
    expect(block.innerHTML).toBe('<p>intro</p><ol start="2"><li>one</li></ol><p class="y">tail, longer</p>');
    morphChildren(block, fragment("").content);
    expect(block.innerHTML).toBe("");
  });

  it("turns any block into any other, whatever was there before", () => {
    const samples = [
      "<p>a</p>",
      "<p>a<em>b</em>c</p>",
      '<div class="code-block"><pre><code class="hljs">let x<span class="k">=</span> 1</code></pre></div>',
      "<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>",
      "<blockquote><p>q</p></blockquote><p>after</p>",
      "",
    ];
    for (const before of samples) {
      for (const after of samples) {
        const block = blockWith(before);
        morphChildren(block, fragment(after).content);
        expect(block.innerHTML).toBe(after);
      }
    }
  });
});

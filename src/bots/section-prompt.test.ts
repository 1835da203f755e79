import { describe, expect, it } from "vitest";
import type { ChatPrompt } from "../providers/chat-model.js";
import { articleMessageOf } from "./article-message.js";
import { continuityOf, MAX_CONTINUITY_CHARACTERS, sectionPrompt } from "./section-prompt.js";

const pasted = articleMessageOf(`Translate into Japanese, please:\n\n${"Some text. ".repeat(40)}`);

describe("the prompt for one part of an article", () => {
  const history: ChatPrompt = [
    { role: "system", content: "Translate." },
    { role: "user", content: "Hello." },
    { role: "assistant", content: "こんにちは。" },
  ];

  it("adds no note when the article is sent in one part", () => {
    expect(sectionPrompt(history, pasted, "All of it.", { index: 1, count: 1 }, "")).toEqual([
      ...history,
      { role: "user", content: "All of it." },
    ]);
  });

  it("tells a later part which one it is, how the translation so far ends, and how the user's message began", () => {
    const continuity = continuityOf("# 案内\n\n最初の部分。");
    const prompt = sectionPrompt(history, pasted, "Part two.", { index: 2, count: 3 }, continuity);
    expect(prompt.slice(1, -1)).toEqual(history.slice(1));
    expect(prompt.at(-1)).toEqual({ role: "user", content: "Part two." });
    const note = prompt[0]?.content ?? "";
    expect(note.startsWith("Translate.\n\n## Part 2 of 3\n")).toBe(true);
    expect(note).toContain("Do not repeat the title");
    expect(note).toContain("Add no closing remarks");
    expect(note).toContain(
      "The translation so far has the headings «# 案内» and ends with: «…# 案内 最初の部分。»",
    );
    expect(note).toContain("The user's message began: «Translate into Japanese, please:");
  });

  it("asks the first part to begin as the instructions say, and the last to end the translation", () => {
    const first = sectionPrompt(history, pasted, "One.", { index: 1, count: 2 }, "")[0]?.content ?? "";
    expect(first).toContain("Begin as your instructions say.");
    expect(first).not.toContain("The user's message began");
    const last = sectionPrompt(history, pasted, "Two.", { index: 2, count: 2 }, "")[0]?.content ?? "";
    expect(last).toContain("This is the last part");
    expect(last).not.toContain("The translation so far");
  });

  it("puts the note in a system message of its own when the conversation has none", () => {
    const prompt = sectionPrompt(history.slice(1), pasted, "Two.", { index: 2, count: 2 }, "");
    expect(prompt.map((message) => message.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(prompt[0]?.content.startsWith("## Part 2 of 2\n")).toBe(true);
  });
});

describe("the note on the translation so far", () => {
  it("is empty before anything is written", () => {
    expect(continuityOf("")).toBe("");
  });

  it("lists the latest headings, not a `#` line inside fenced code", () => {
    const written = [
      ...Array.from({ length: 8 }, (_, n) => `## Heading ${n + 1}\n\nText.`),
      "```sh\n# a shell comment\n```",
      "The end.",
    ].join("\n\n");
    const note = continuityOf(written);
    expect(note).toMatch(
      /^The translation so far has the headings «## Heading 3», .*«## Heading 8» and ends with: «…/,
    );
    expect(note).not.toContain("Heading 2»");
    expect(note).not.toContain("«# a shell comment»");
    expect(note.endsWith("# a shell comment ``` The end.»")).toBe(true);
  });

  it("keeps only the last words when the headings would make it too long", () => {
    const written = Array.from({ length: 6 }, (_, n) => `# ${"Long heading ".repeat(8)}${n}`).join("\n\n");
    const note = continuityOf(written);
    expect(note.startsWith("The translation so far ends with: «…")).toBe(true);
    expect(note.length).toBeLessThanOrEqual(MAX_CONTINUITY_CHARACTERS);
  });
});

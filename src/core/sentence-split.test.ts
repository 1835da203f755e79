import { describe, expect, it } from "vitest";
import { splitSentences } from "./sentence-split.js";

describe("sentence splitting", () => {
  it("splits prose, Markdown lines and Chinese into trimmed sentences with exact offsets", () => {
    const text =
      "# Event loops\n\nAn event loop waits, e.g. for timers. It dispatches them!\n- one item\n事件循环等待事件。它逐个分发事件！";
    const sentences = splitSentences(text).map(({ start, end }) => text.slice(start, end));
    expect(sentences).toEqual([
      "# Event loops",
      "An event loop waits, e.g. for timers.",
      "It dispatches them!",
      "- one item",
      "事件循环等待事件。",
      "它逐个分发事件！",
    ]);
  });

  it("finds nothing in blank text", () => {
    expect(splitSentences(" \n\t ")).toEqual([]);
  });
});

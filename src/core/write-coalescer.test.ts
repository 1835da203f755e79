import { describe, expect, it } from "vitest";
import { WriteCoalescer } from "./write-coalescer.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("WriteCoalescer", () => {
  it("sends the first write at once and gathers the burst that follows into one write", async () => {
    const flushed: string[] = [];
    // A window wide enough that a busy machine's pause between two statements does not close it.
    const coalescer = new WriteCoalescer((text) => flushed.push(text), 250);
    coalescer.write("a");
    expect(flushed).toEqual(["a"]);
    coalescer.write("b");
    coalescer.write("c");
    expect(flushed).toEqual(["a"]);
    await sleep(400);
    expect(flushed).toEqual(["a", "bc"]);
  });

  it("adds no delay to writes spaced wider than the window", async () => {
    const flushed: string[] = [];
    const coalescer = new WriteCoalescer((text) => flushed.push(text), 5);
    for (const text of ["x", "y", "z"]) {
      coalescer.write(text);
      expect(flushed.at(-1)).toBe(text);
      await sleep(15);
    }
  });

  it("sends an immediate write at once without opening a window for the next one", () => {
    const flushed: string[] = [];
    const coalescer = new WriteCoalescer((text) => flushed.push(text), 1000);
    coalescer.write("opening", { immediate: true });
    coalescer.write("first token");
    expect(flushed).toEqual(["opening", "first token"]);
    coalescer.write("second token");
    expect(flushed).toEqual(["opening", "first token"]);
    coalescer.write("closing", { immediate: true });
    expect(flushed).toEqual(["opening", "first token", "second tokenclosing"]);
  });

  it("sends a write meant to go with the next one in that one's write, so the next is not held back", () => {
    const flushed: string[] = [];
    const coalescer = new WriteCoalescer((text) => flushed.push(text), 1000);
    coalescer.write("block start", { withNext: true });
    expect(flushed).toEqual([]);
    coalescer.write("first text");
    expect(flushed).toEqual(["block startfirst text"]);
  });

  it("flushes what is pending on demand, and discards it when the reader is gone", () => {
    const flushed: string[] = [];
    const coalescer = new WriteCoalescer((text) => flushed.push(text), 1000);
    coalescer.write("1");
    coalescer.write("2");
    coalescer.flush();
    expect(flushed).toEqual(["1", "2"]);
    coalescer.write("3");
    coalescer.discard();
    coalescer.flush();
    expect(flushed).toEqual(["1", "2"]);
  });
});

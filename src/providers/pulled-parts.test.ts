import { describe, expect, it } from "vitest";
import type { ChatCallOptions, ChatStreamPart, ChatStreamSink } from "./chat-model.js";
import { pulledParts } from "./pulled-parts.js";

const options: ChatCallOptions = { prompt: [{ role: "user", content: "hi" }] };
const delta = (text: string): ChatStreamPart => ({ type: "text.delta", text });

describe("pulledParts", () => {
  it("keeps what the model pushed for a reader that comes late, and hands it over in order", async () => {
    const parts = pulledParts(options, async (_options, sink) => {
      sink(delta("a"));
      sink(delta("b"));
      sink({ type: "finish", reason: "stop" });
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const read: ChatStreamPart[] = [];
    for await (const part of parts) read.push(part);
    expect(read).toEqual([delta("a"), delta("b"), { type: "finish", reason: "stop" }]);
  });

  it("wakes a waiting reader with each part as the model pushes it", async () => {
    let push: ChatStreamSink = () => {};
    let end: () => void = () => {};
    const iterator = pulledParts(options, (_options, sink) => {
      push = sink;
      return new Promise<void>((resolve) => {
        end = resolve;
      });
    })[Symbol.asyncIterator]();
    const first = iterator.next();
    push(delta("a"));
    expect(await first).toEqual({ done: false, value: delta("a") });
    const last = iterator.next();
    end();
    expect(await last).toEqual({ done: true, value: undefined });
  });

  it("cancels the call through its signal when the reader leaves early, and drops what comes after", async () => {
    let signal: AbortSignal | undefined;
    let push: ChatStreamSink = () => {};
    const iterator = pulledParts(options, (pulled, sink) => {
      signal = pulled.signal;
      push = sink;
      return new Promise<void>(() => {});
    })[Symbol.asyncIterator]();
    push(delta("a"));
    expect(await iterator.next()).toEqual({ done: false, value: delta("a") });
    await iterator.return?.();
    expect(signal?.aborted).toBe(true);
    push(delta("b"));
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it("passes the caller's abort on to the call", async () => {
    const caller = new AbortController();
    let signal: AbortSignal | undefined;
    pulledParts({ ...options, signal: caller.signal }, async (pulled) => {
      signal = pulled.signal;
    })[Symbol.asyncIterator]();
    const reason = new Error("stopped by the user");
    caller.abort(reason);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(reason);
  });

  it("throws what the call rejected with, after the parts pushed before it", async () => {
    const failure = new Error("the call failed");
    const parts = pulledParts(options, async (_options, sink) => {
      sink(delta("a"));
      throw failure;
    });
    const read: ChatStreamPart[] = [];
    await expect(
      (async () => {
        for await (const part of parts) read.push(part);
      })(),
    ).rejects.toBe(failure);
    expect(read).toEqual([delta("a")]);
  });
});

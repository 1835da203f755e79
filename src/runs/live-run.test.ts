import { describe, expect, it } from "vitest";
import type { RunEvent } from "../core/run-event.js";
import { LiveRun } from "./live-run.js";

function newRun(sink: RunEvent[] = []) {
  return new LiveRun(
    {
      id: "run_1",
      userId: "local",
      conversationId: "conv_1",
      userMessageId: "msg_1",
      assistantMessageId: "msg_2",
      model: "tiny",
      status: "running",
      createdAt: 0,
      endedAt: null,
    },
    (event) => sink.push(event),
  );
}

const usage = { inputTokens: 1, outputTokens: 2 };
const timings = { ttftMs: 1, tokensPerSecond: 2 };

describe("LiveRun", () => {
  it("numbers events 1, 2, 3 and hands each to the event log as it is pushed", () => {
    const logged: RunEvent[] = [];
    const run = newRun(logged);
    run.push("text.delta", { text: "a" });
    run.push("text.delta", { text: "b" });
    expect(logged.map((event) => event.id)).toEqual([1, 2]);
    expect(run.text).toBe("ab");
  });

  it("replays events after an id, then follows new ones until the last event", async () => {
    const run = newRun();
    run.push("text.delta", { text: "a" });
    run.push("text.delta", { text: "b" });
    const reader = (async () => {
      const seen: number[] = [];
      for await (const event of run.read(1)) seen.push(event.id);
      return seen;
    })();
    await new Promise((resolve) => setTimeout(resolve, 5));
    run.push("text.delta", { text: "c" });
    run.push("run.end", { finishReason: "stop", usage, timings, model: "tiny" });
    expect(await reader).toEqual([2, 3, 4]);
  });

  it("refuses any event after the last one", () => {
    const run = newRun();
    run.push("run.end", { finishReason: "stop", usage, timings, model: "tiny" });
    expect(() => run.push("text.delta", { text: "late" })).toThrow(/has ended/);
  });

  it("stops a reader when its signal aborts, without ending the run", async () => {
    const run = newRun();
    const leave = new AbortController();
    const reader = (async () => {
      const seen: number[] = [];
      for await (const event of run.read(0, leave.signal)) seen.push(event.id);
      return seen;
    })();
    run.push("text.delta", { text: "a" });
    await new Promise((resolve) => setTimeout(resolve, 5));
    leave.abort();
    expect(await reader).toEqual([1]);
    expect(run.ended).toBe(false);
  });

  it("follows one run with several readers, each to the end, while one that left early stops at once", async () => {
    const run = newRun();
    const read = async (signal?: AbortSignal) => {
      const seen: number[] = [];
      for await (const event of run.read(0, signal)) seen.push(event.id);
      return seen;
    };
    const leave = new AbortController();
    const [first, second, leaving] = [read(), read(), read(leave.signal)];
    run.push("text.delta", { text: "a" });
    await new Promise((resolve) => setTimeout(resolve, 5));
    leave.abort();
    expect(await leaving).toEqual([1]);
    run.push("text.delta", { text: "b" });
    await new Promise((resolve) => setTimeout(resolve, 5));
    run.push("run.end", { finishReason: "stop", usage, timings, model: "tiny" });
    expect(await first).toEqual([1, 2, 3]);
    expect(await second).toEqual([1, 2, 3]);
  });

  it("lets a reader break off its loop mid-run and another read the rest", async () => {
    const run = newRun();
    for (const text of ["a", "b", "c"]) run.push("text.delta", { text });
    const firstTwo: number[] = [];
    for await (const event of run.read(0)) {
      firstTwo.push(event.id);
      if (firstTwo.length === 2) break;
    }
    expect(firstTwo).toEqual([1, 2]);
    run.push("run.end", { finishReason: "stop", usage, timings, model: "tiny" });
    const rest: number[] = [];
    for await (const event of run.read(2)) rest.push(event.id);
    expect(rest).toEqual([3, 4]);
    expect(run.text).toBe("abc");
  });

  it("aborts the model call once when asked to stop, and remembers why", () => {
    const run = newRun();
    run.requestEnd("stopped");
    run.requestEnd("interrupted");
    expect(run.signal.aborted).toBe(true);
    expect(run.endRequest).toBe("stopped");
  });
});

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

  it("gives a reader that comes late every event whole, deltas included, with its id and data", async () => {
    const run = newRun();
    run.push("text.delta", { text: "a" });
    const citation = { documentId: "doc_1", title: "Doc", start: 0, end: 1, citedText: "a", marker: "S1" };
    run.push("citation", citation);
    run.push("text.delta", { text: "b" });
    run.push("run.end", { finishReason: "stop", usage, timings, model: "tiny" });
    const seen: RunEvent[] = [];
    for await (const event of run.read(0)) seen.push(event);
    expect(seen.map(({ id, event, data }) => ({ id, event, data }))).toEqual([
      { id: 1, event: "text.delta", data: { text: "a" } },
      { id: 2, event: "citation", data: citation },
      { id: 3, event: "text.delta", data: { text: "b" } },
      { id: 4, event: "run.end", data: { finishReason: "stop", usage, timings, model: "tiny" } },
    ]);
    expect(seen.every((event) => (event as { runId?: string }).runId === "run_1")).toBe(true);
    expect(run.text).toBe("ab");
    expect(run.dataOf("citation")).toEqual([citation]);
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

  describe("follow", () => {
    it("hands over the events pushed already at once, then each new one within its push, until the last", async () => {
      const run = newRun();
      run.push("text.delta", { text: "a" });
      run.push("text.delta", { text: "b" });
      const seen: number[] = [];
      const following = run.follow(1, (event) => {
        seen.push(event.id);
        return undefined;
      });
      expect(seen).toEqual([2]);
      run.push("text.delta", { text: "c" });
      expect(seen).toEqual([2, 3]);
      run.push("run.end", { finishReason: "stop", usage, timings, model: "tiny" });
      await following;
      expect(seen).toEqual([2, 3, 4]);
    });

    it("gives a writer that must drain nothing more until it has, then the events it missed, in order", async () => {
      const run = newRun();
      const seen: number[] = [];
      let drain: () => void = () => {};
      const following = run.follow(0, (event) => {
        seen.push(event.id);
        return event.id === 1 ? new Promise<void>((resolve) => (drain = resolve)) : undefined;
      });
      run.push("text.delta", { text: "a" });
      run.push("text.delta", { text: "b" });
      run.push("text.delta", { text: "c" });
      expect(seen).toEqual([1]);
      drain();
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(seen).toEqual([1, 2, 3]);
      run.push("run.end", { finishReason: "stop", usage, timings, model: "tiny" });
      await following;
      expect(seen).toEqual([1, 2, 3, 4]);
    });

    it("stops at its signal without ending the run, while another follower goes on to the end", async () => {
      const run = newRun();
      const leave = new AbortController();
      const leaving: number[] = [];
      const staying: number[] = [];
      const left = run.follow(
        0,
        (event) => {
          leaving.push(event.id);
          return undefined;
        },
        leave.signal,
      );
      const stayed = run.follow(0, (event) => {
        staying.push(event.id);
        return undefined;
      });
      run.push("text.delta", { text: "a" });
      leave.abort();
      await left;
      run.push("text.delta", { text: "b" });
      run.push("run.end", { finishReason: "stop", usage, timings, model: "tiny" });
      await stayed;
      expect(leaving).toEqual([1]);
      expect(staying).toEqual([1, 2, 3]);
      expect(run.ended).toBe(true);
    });

    it("rejects with what its writer threw, and the run and its other readers go on", async () => {
      const run = newRun();
      const failing = run.follow(0, () => {
        throw new Error("socket gone");
      });
      const seen: number[] = [];
      const reading = run.follow(0, (event) => {
        seen.push(event.id);
        return undefined;
      });
      run.push("text.delta", { text: "a" });
      await expect(failing).rejects.toThrow("socket gone");
      run.push("run.end", { finishReason: "stop", usage, timings, model: "tiny" });
      await reading;
      expect(seen).toEqual([1, 2]);
    });

    it("resolves at once for a run that has ended and has nothing after the id", async () => {
      const run = newRun();
      run.push("run.end", { finishReason: "stop", usage, timings, model: "tiny" });
      const seen: number[] = [];
      await run.follow(1, (event) => {
        seen.push(event.id);
        return undefined;
      });
      expect(seen).toEqual([]);
    });
  });
});

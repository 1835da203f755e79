import { describe, expect, it } from "vitest";
import { ConcurrencyGate } from "./concurrency-gate.js";

class BusyError extends Error {}

/** A task that runs until `finish` is called, recording when it started. */
function heldTask(started: number[], index: number) {
  let finish: (value: number) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const task = () =>
    new Promise<number>((resolve, reject) => {
      started.push(index);
      finish = resolve;
      fail = reject;
    });
  return { task, finish: () => finish(index), fail: (error: Error) => fail(error) };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("ConcurrencyGate", () => {
  it("runs at most `concurrency` tasks at once, and the waiting ones in the order they came", async () => {
    const gate = new ConcurrencyGate({ concurrency: 2, queue: 10 }, () => new BusyError());
    const started: number[] = [];
    const tasks = [0, 1, 2, 3].map((index) => heldTask(started, index));
    const results = tasks.map(({ task }) => gate.run(task));
    await turn();
    expect(started).toEqual([0, 1]);
    expect([gate.running, gate.waiting]).toEqual([2, 2]);

    tasks[1]?.finish();
    await turn();
    expect(started).toEqual([0, 1, 2]);
    tasks[0]?.finish();
    await turn();
    expect(started).toEqual([0, 1, 2, 3]);
    tasks[2]?.finish();
    tasks[3]?.finish();
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3]);
    expect([gate.running, gate.waiting]).toEqual([0, 0]);
  });

  it("refuses a task at once when the queue is full, without running it", async () => {
    const gate = new ConcurrencyGate({ concurrency: 1, queue: 1 }, () => new BusyError("busy"));
    const started: number[] = [];
    const [first, second, third] = [0, 1, 2].map((index) => heldTask(started, index));
    const running = gate.run(first?.task ?? (async () => 0));
    const waiting = gate.run(second?.task ?? (async () => 0));
    await expect(gate.run(third?.task ?? (async () => 0))).rejects.toBeInstanceOf(BusyError);
    await turn();
    expect(started).toEqual([0]);

    first?.finish();
    await turn();
    second?.finish();
    expect([await running, await waiting]).toEqual([0, 1]);
    expect(started).toEqual([0, 1]);
  });

  it("frees a failed task's place for the next one, and fails only that task's caller", async () => {
    const gate = new ConcurrencyGate({ concurrency: 1, queue: 5 }, () => new BusyError());
    const started: number[] = [];
    const [failing, next] = [0, 1].map((index) => heldTask(started, index));
    const failed = gate.run(failing?.task ?? (async () => 0));
    const after = gate.run(next?.task ?? (async () => 0));
    failing?.fail(new Error("scrypt failed"));
    await expect(failed).rejects.toThrow("scrypt failed");
    await turn();
    expect(started).toEqual([0, 1]);
    next?.finish();
    expect(await after).toBe(1);
  });

  it("lets waiting tasks start at once when its concurrency is raised", async () => {
    const gate = new ConcurrencyGate({ concurrency: 1, queue: 5 }, () => new BusyError());
    const started: number[] = [];
    const tasks = [0, 1, 2].map((index) => heldTask(started, index));
    const results = tasks.map(({ task }) => gate.run(task));
    await turn();
    expect(started).toEqual([0]);
    gate.setLimits({ concurrency: 3, queue: 5 });
    await turn();
    expect(started).toEqual([0, 1, 2]);
    for (const task of tasks) task.finish();
    expect(await Promise.all(results)).toEqual([0, 1, 2]);
  });

  it("with no queue, refuses every task beyond those running", async () => {
    const gate = new ConcurrencyGate({ concurrency: 1, queue: 0 }, () => new BusyError());
    const started: number[] = [];
    const first = heldTask(started, 0);
    const running = gate.run(first.task);
    await expect(gate.run(async () => 1)).rejects.toBeInstanceOf(BusyError);
    first.finish();
    expect(await running).toBe(0);
    expect(await gate.run(async () => 2)).toBe(2);
  });
});

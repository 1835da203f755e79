import { describe, expect, it } from "vitest";
import { PeriodicTask } from "./periodic-task.js";

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

describe("PeriodicTask", () => {
  it("runs the task every interval, goes on after a round that failed, and runs none after stop", async () => {
    let rounds = 0;
    const errors: unknown[] = [];
    const task = new PeriodicTask({
      intervalMs: 20,
      task: async () => {
        rounds += 1;
        if (rounds === 2) throw new Error("database away");
      },
      onError: (error) => errors.push(error),
    });
    task.start();
    expect(rounds).toBe(0);
    while (rounds < 4) await sleep(5);
    await task.stop();
    const stoppedAt = rounds;
    await sleep(80);
    expect(rounds).toBe(stoppedAt);
    expect(errors).toEqual([new Error("database away")]);
  });

  it("never starts a round while the last one is under way, and stop waits for it to end", async () => {
    let running = 0;
    let overlapped = false;
    let ended = 0;
    const task = new PeriodicTask({
      intervalMs: 5,
      task: async () => {
        running += 1;
        overlapped ||= running > 1;
        await sleep(40);
        running -= 1;
        ended += 1;
      },
      onError: () => {},
    });
    task.start();
    while (running === 0) await sleep(2);
    await task.stop();
    expect(running).toBe(0);
    expect(ended).toBe(1);
    expect(overlapped).toBe(false);
  });
});

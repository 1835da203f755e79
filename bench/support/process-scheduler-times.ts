/** How long a process's threads ran on a CPU and waited for one, from Linux's per-thread scheduler statistics. */
import { readdirSync, readFileSync } from "node:fs";

export type SchedulerTimes = {
  /** Time on a CPU, all threads together, ms. */
  cpuMs: number;
  /** Time runnable but waiting for a CPU, all threads together, ms: what a busy shared machine costs us. */
  runQueueMs: number;
};

/**
 * Sums /proc/<pid>/task/<tid>/schedstat (nanoseconds on CPU, nanoseconds waiting on a run queue, timeslices).
 * Threads that ended between two readings drop out; the processes measured here keep theirs. NaN when the
 * process is gone or /proc has no scheduler statistics.
 */
export function processSchedulerTimes(pid: number | undefined): SchedulerTimes {
  let cpuNs = 0;
  let runQueueNs = 0;
  try {
    for (const thread of readdirSync(`/proc/${pid}/task`)) {
      try {
        const [onCpu, waiting] = readFileSync(`/proc/${pid}/task/${thread}/schedstat`, "utf8").split(" ");
        cpuNs += Number(onCpu);
        runQueueNs += Number(waiting);
      } catch {
        // The thread ended while we read.
      }
    }
  } catch {
    return { cpuMs: Number.NaN, runQueueMs: Number.NaN };
  }
  return { cpuMs: cpuNs / 1e6, runQueueMs: runQueueNs / 1e6 };
}

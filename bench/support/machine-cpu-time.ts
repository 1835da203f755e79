/** CPU time the whole machine spent busy, from Linux's /proc/stat: with our own processes' time, what others used. */
import { readFileSync } from "node:fs";

/** Busy CPU time of all cores together since boot, ms (10 ms resolution); NaN without /proc/stat. */
export function machineBusyMs(): number {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
    // cpu  user nice system idle iowait irq softirq steal ...: all but idle and iowait is busy.
    const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const ticks = [user, nice, system, irq, softirq, steal].reduce<number>(
      (sum, value) => sum + (value ?? 0),
      0,
    );
    return (ticks * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

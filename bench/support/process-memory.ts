/** A process's resident memory, from Linux's /proc/<pid>/status. */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { median } from "./percentile.js";

/** Resident set size in bytes; NaN when the process is gone. */
export function residentSetBytes(pid: number | undefined): number {
  try {
    const match = /^VmRSS:\s*(\d+)\s*kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match?.[1] === undefined ? Number.NaN : Number(match[1]) * 1024;
  } catch {
    return Number.NaN;
  }
}

/** The median of `readings` readings `intervalMs` apart: one reading can land on a garbage collection's peak. */
export async function steadyResidentSetBytes(
  pid: number | undefined,
  readings = 5,
  intervalMs = 200,
): Promise<number> {
  const values: number[] = [];
  for (let reading = 0; reading < readings; reading++) {
    if (reading > 0) await sleep(intervalMs);
    values.push(residentSetBytes(pid));
  }
  return median(values);
}

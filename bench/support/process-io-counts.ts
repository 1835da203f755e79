/** How many read and write system calls a process made, from Linux's /proc/<pid>/io. */
import { readFileSync } from "node:fs";

export type IoCounts = {
  /** read(), recv() and their kin: for a gateway, mostly socket reads. */
  readCalls: number;
  /** write(), writev(), send() and their kin: socket writes and, for Parley, SQLite's WAL writes. */
  writeCalls: number;
};

/** NaN when the process is gone or /proc is not readable. */
export function processIoCounts(pid: number | undefined): IoCounts {
  try {
    const text = readFileSync(`/proc/${pid}/io`, "utf8");
    return {
      readCalls: Number(/^syscr:\s*(\d+)/m.exec(text)?.[1] ?? Number.NaN),
      writeCalls: Number(/^syscw:\s*(\d+)/m.exec(text)?.[1] ?? Number.NaN),
    };
  } catch {
    return { readCalls: Number.NaN, writeCalls: Number.NaN };
  }
}

/** Finds the child processes of a process (the engines a server started) on Linux, for fault-injection tests. */
import { readdirSync, readFileSync } from "node:fs";

export type ChildProcessInfo = { pid: number; commandLine: string };

export function childProcessesOf(parentPid: number): ChildProcessInfo[] {
  const children: ChildProcessInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The fourth field, after the parenthesised command name, is the parent pid.
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent !== parentPid) continue;
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
      children.push({ pid: Number(entry), commandLine });
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

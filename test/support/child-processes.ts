import type { ChildProcess } from "node:child_process";
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

/** Everything the child writes to stdout until it exits. */
export function outputOf(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", reject);
    child.on("exit", () => resolve(output));
  });
}

/** Resolves once the child has printed `line` on a line of its own; rejects if it exits first. */
export function lineFrom(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.split("\n").includes(line)) resolve();
    });
    child.on("exit", (code) =>
      reject(new Error(`The child exited (code ${code}) before it printed ${line}`)),
    );
  });
}

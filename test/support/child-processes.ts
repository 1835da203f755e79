/**
 * Child processes in tests: finding those of a process (the engines a server started) on Linux, reading what a
 * child prints, and starting several to race each other.
 */
import { type ChildProcess, spawn } from "node:child_process";
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

/**
 * Runs a TypeScript script once per argument list, all released at the same moment: each prints "ready" once
 * loaded and then waits for a line on stdin, so a race between them is not decided by which loaded first (that
 * varies with the machine's load). Resolves with everything each printed.
 */
export async function runTogether(
  script: string,
  argumentLists: readonly (readonly string[])[],
  cwd: string,
): Promise<string[]> {
  const children = argumentLists.map((args) =>
    spawn(process.execPath, ["--import", "tsx", script, ...args], {
      cwd,
      stdio: ["pipe", "pipe", "inherit"],
    }),
  );
  const outputs = children.map(outputOf);
  try {
    await Promise.all(children.map((child) => lineFrom(child, "ready")));
  } finally {
    // Also when one failed to load: no child is left waiting for the word.
    for (const child of children) child.stdin?.end("go\n");
  }
  return Promise.all(outputs);
}

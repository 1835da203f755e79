/** Makes sure no child process a benchmark started outlives it, however the benchmark ends. */
import type { ChildProcess } from "node:child_process";

const guarded = new Set<ChildProcess>();
let installed = false;

/** Kills `child` with SIGKILL if it is still running when this process exits, is interrupted or crashes. */
export function guardChildProcess(child: ChildProcess): void {
  guarded.add(child);
  child.once("exit", () => guarded.delete(child));
  if (installed) return;
  installed = true;
  // 'exit' handlers must be synchronous, and a kill is: the children get SIGKILL before this process is gone.
  // A Parley server killed this way takes its engine along (the engine exits when its IPC channel closes).
  process.once("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
    });
  }
}

function killAll(): void {
  for (const child of guarded) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  guarded.clear();
}

/** Starts one of the benchmarks' own small servers in a child process and waits for the port it listens on. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { guardChildProcess } from "./guard-child-process.js";

export type ServerProcess = {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  pid: number | undefined;
  stop(): Promise<void>;
};

/**
 * `entry` is a file beside this one that listens on 127.0.0.1:0 and sends `{ port }` over IPC. A process of its
 * own, as a real upstream or gateway would be: it has its own event loop, and its CPU and memory can be read.
 */
export async function startServerProcess(
  entry: string,
  args: readonly string[] = [],
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", fileURLToPath(new URL(entry, import.meta.url)), ...args],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  guardChildProcess(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (message: { port: number }) => resolve(message.port));
    void exited.then(() =>
      reject(new Error(`${entry} exited (${child.exitCode ?? child.signalCode}) before listening`)),
    );
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

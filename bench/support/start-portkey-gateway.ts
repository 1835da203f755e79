/**
 * Starts `@portkey-ai/gateway` from node_modules, the peer gateway of the benchmarks, as benchmarks.md says:
 * `build/start-server.js --port=N --headless`, reached with the `x-portkey-provider` and
 * `x-portkey-custom-host` headers. Undefined when the package is not installed.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { REPO_ROOT } from "../../test/support/parley-process.js";
import { guardChildProcess } from "./guard-child-process.js";
import type { ServerProcess } from "./start-server-process.js";

const PORTKEY_DIR = path.join(REPO_ROOT, "node_modules/@portkey-ai/gateway");
const START_SCRIPT = path.join(PORTKEY_DIR, "build/start-server.js");

export type PortkeyGateway = ServerProcess & {
  version: string;
  /** The headers that route a request through the gateway to `upstreamBaseURL`. */
  headersFor(upstreamBaseURL: string): Record<string, string>;
};

export function portkeyInstalled(): boolean {
  return existsSync(START_SCRIPT);
}

export async function startPortkeyGateway(): Promise<PortkeyGateway | undefined> {
  if (!portkeyInstalled()) return undefined;
  const { version } = (await import(path.join(PORTKEY_DIR, "package.json"), { with: { type: "json" } }))
    .default as { version: string };
  // It takes a port but not port 0, so we ask the system for a free one first.
  const port = await freePort();
  const child = spawn(process.execPath, [START_SCRIPT, `--port=${port}`, "--headless"], {
    cwd: PORTKEY_DIR,
    env: { ...process.env, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  guardChildProcess(child);
  const output: string[] = [];
  // Read its output so a full pipe never blocks it; keep the tail for an error message.
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`@portkey-ai/gateway did not start:\n${output.join("")}`);
    }
    try {
      if ((await fetch(origin)).ok) break;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    origin,
    pid: child.pid,
    version,
    headersFor: (upstreamBaseURL) => ({
      "x-portkey-provider": "openai",
      "x-portkey-custom-host": upstreamBaseURL,
      authorization: "Bearer bench-upstream-key",
    }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

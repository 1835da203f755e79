/**
 * The paths a streamed chat completion can take in the gateway benchmarks, each a server process on
 * 127.0.0.1 in front of one fake upstream: straight to the upstream, through Parley's /v1/chat/completions,
 * through a pass-through proxy (the floor) and, when installed, through @portkey-ai/gateway (the peer).
 */
import { spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Pool } from "undici";
import { configSchema } from "../../src/config/config-schema.js";
import {
  PARLEY_BIN,
  type ParleyProcess,
  startParley,
  temporaryDirectory,
} from "../../test/support/parley-process.js";
import { guardChildProcess } from "./guard-child-process.js";
import { startPortkeyGateway } from "./start-portkey-gateway.js";
import { type ServerProcess, startServerProcess } from "./start-server-process.js";
import { openStream } from "./stream-load.js";

export type GatewayPathName = "direct" | "parley" | "proxy" | "portkey";

export type GatewayPath = {
  name: GatewayPathName;
  label: string;
  origin: string;
  /** The gateway's process, whose CPU and memory the path costs; for `direct`, the upstream's own. */
  pid: number | undefined;
  /** Sent with every request on this path. */
  headers: Record<string, string>;
};

export type GatewayPaths = {
  paths: GatewayPath[];
  upstream: ServerProcess;
  /** Why the peer gateway is missing, when it is. */
  peerMissing: string | undefined;
  portkeyVersion: string | undefined;
  stop(): Promise<void>;
};

export type GatewayPathsConfig = {
  deltas: number;
  pacingMs: number;
  /** Which paths to start; `direct` comes with the upstream, which always starts. */
  include: readonly GatewayPathName[];
};

export async function startGatewayPaths(config: GatewayPathsConfig): Promise<GatewayPaths> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    await Promise.all(stops.splice(0).map((stopOne) => stopOne().catch(() => {})));
  };
  try {
    const upstream = await startServerProcess("./paced-upstream-process.ts", [
      String(config.deltas),
      String(config.pacingMs),
    ]);
    stops.push(() => upstream.stop());
    const paths: GatewayPath[] = [];
    if (config.include.includes("direct")) {
      paths.push({
        name: "direct",
        label: "direct to the upstream",
        origin: upstream.origin,
        pid: upstream.pid,
        headers: {},
      });
    }
    if (config.include.includes("parley")) {
      const { parley, headers } = await startParleyInFrontOf(upstream.origin);
      stops.push(() => parley.stop());
      paths.push({
        name: "parley",
        label: "Parley /v1/chat/completions",
        origin: parley.url.replace(/\/$/, ""),
        pid: parley.child.pid,
        headers,
      });
    }
    if (config.include.includes("proxy")) {
      const proxy = await startServerProcess("./pass-through-proxy-process.ts", [upstream.origin]);
      stops.push(() => proxy.stop());
      paths.push({
        name: "proxy",
        label: "pass-through proxy (node:http + undici)",
        origin: proxy.origin,
        pid: proxy.pid,
        headers: {},
      });
    }
    let peerMissing: string | undefined;
    let portkeyVersion: string | undefined;
    if (config.include.includes("portkey")) {
      try {
        const portkey = await startPortkeyGateway();
        if (portkey === undefined) {
          peerMissing = "@portkey-ai/gateway is not installed (npm i -D -E @portkey-ai/gateway)";
        } else {
          stops.push(() => portkey.stop());
          portkeyVersion = portkey.version;
          paths.push({
            name: "portkey",
            label: `@portkey-ai/gateway ${portkey.version}`,
            origin: portkey.origin,
            pid: portkey.pid,
            headers: portkey.headersFor(`${upstream.origin}/v1`),
          });
        }
      } catch (error) {
        peerMissing = `@portkey-ai/gateway did not start: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    return { paths, upstream, peerMissing, portkeyVersion, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Parley on a temporary data folder, with the fake upstream as its one remote provider. */
export async function startParleyInFrontOf(
  upstreamOrigin: string,
): Promise<{ parley: ParleyProcess; headers: Record<string, string> }> {
  const dir = temporaryDirectory("parley-gateway-bench-");
  const schema = (configSchema as unknown as { shape: Record<string, unknown> }).shape;
  writeFileSync(
    path.join(dir, "parley.config.yaml"),
    [
      "providers:",
      "  - id: bench-upstream",
      "    type: openai-compatible",
      `    baseURL: ${upstreamOrigin}/v1`,
      "    apiKey: bench-upstream-key",
      "    models:",
      // The same names as upstream, so one request body serves every path.
      ...["paced", "instant", "held"].flatMap((id) => [`      - id: ${id}`, "        contextWindow: 8192"]),
      // The per-user limits stay on (checking them is part of the work measured), high enough for the load.
      ...("limits" in schema ? ["limits:", "  requestsPerMinute: 10000000"] : []),
      "",
    ].join("\n"),
  );
  let parley: ParleyProcess;
  let headers: Record<string, string>;
  try {
    headers = await parleyCredentials(dir, "auth" in schema);
    // Its models are remote and ready at once; checkPathsServe() proves it, with the credentials.
    parley = await startParley({ dataDir: dir, waitForModels: false, accounts: "auth" in schema });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  guardChildProcess(parley.child);
  return {
    parley: {
      ...parley,
      async stop(signal) {
        await parley.stop(signal);
        rmSync(dir, { recursive: true, force: true });
      },
    },
    headers,
  };
}

/**
 * THE AUTH HOOK: the headers that let the benchmark's requests through Parley's /v1 routes, so that checking
 * an API key is part of the work measured. With accounts (issue 5), an admin account and an API key are
 * made with Parley's own CLI in the data folder before the server starts; without them, no headers.
 * checkPathsServe() fails with a pointer here if Parley still answers 401.
 */
export async function parleyCredentials(dataDir: string, accounts: boolean): Promise<Record<string, string>> {
  if (!accounts) return {};
  const email = "gateway-bench@parley.test";
  await runParleyCommand(
    dataDir,
    ["users", "add", email, "--admin", "--data-dir", dataDir],
    "bench-password-1\n",
  );
  const output = await runParleyCommand(dataDir, [
    "keys",
    "create",
    "--user",
    email,
    "--name",
    "gateway-bench",
    "--data-dir",
    dataDir,
  ]);
  const key = output.trim().split("\n").at(-1)?.trim();
  if (!key) throw new Error("`parley keys create` printed no key.");
  return { authorization: `Bearer ${key}` };
}

function runParleyCommand(cwd: string, args: readonly string[], input = ""): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PARLEY_BIN, ...args], { cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`parley ${args.join(" ")} exited ${code}: ${stderr}${stdout}`));
    });
    child.stdin.end(input);
  });
}

/** One `instant` stream through each path must come back whole before anything is measured. */
export async function checkPathsServe(paths: readonly GatewayPath[], expectedDeltas: number): Promise<void> {
  for (const path of paths) {
    const pool = new Pool(path.origin);
    try {
      const sample = await openStream(pool, path, "instant", { expectedDeltas }).done;
      if (path.name === "parley" && (sample.status === 401 || sample.status === 403)) {
        throw new Error(
          `Parley answered ${sample.status}: the credentials are wrong or missing. See parleyCredentials() in bench/support/gateway-paths.ts.`,
        );
      }
      if (!sample.complete) {
        throw new Error(
          `A stream through ${path.label} came back ${sample.error ?? "incomplete"} (${sample.contentFrames} of ${expectedDeltas} deltas).`,
        );
      }
    } finally {
      await pool.destroy();
    }
  }
}

/**
 * Has every path serve `streams` unpaced streams, `concurrency` at a time, before anything is measured: a server
 * that has been up a while runs its request path compiled by V8's optimizing tiers, while one that just started
 * runs it in the interpreter, and the first measured level (concurrency 1) would otherwise time the latter.
 */
export async function warmUpPaths(
  paths: readonly GatewayPath[],
  options: { streams: number; concurrency: number; expectedDeltas: number },
): Promise<void> {
  for (const path of paths) {
    const pool = new Pool(path.origin, { connections: options.concurrency });
    try {
      for (let started = 0; started < options.streams; started += options.concurrency) {
        await Promise.all(
          Array.from(
            { length: Math.min(options.concurrency, options.streams - started) },
            () => openStream(pool, path, "instant", { expectedDeltas: options.expectedDeltas }).done,
          ),
        );
      }
    } finally {
      await pool.destroy();
    }
  }
}

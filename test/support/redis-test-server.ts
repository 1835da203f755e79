/**
 * Test support: a throwaway redis-server for the test file that calls `useTestRedis()`, started before its tests on
 * a free port of 127.0.0.1, keeping nothing on disk, and stopped after them.
 *
 * PARLEY_TEST_REDIS_URL set: that server is used and nothing is started.
 * PARLEY_TEST_REDIS=skip: the file's tests are skipped.
 * No redis-server installed: the tests fail, saying what to install.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { unusedPort } from "./unused-port.js";

const HOW_TO_RUN =
  "Install Redis (Debian or Ubuntu: apt-get install redis-server; the tests start their own throwaway server), " +
  "or set PARLEY_TEST_REDIS_URL to a server the tests may write to, or set PARLEY_TEST_REDIS=skip to skip the " +
  "Redis tests.";

/** Attempts at a port: another process may take the free port found before the server binds it. */
const START_ATTEMPTS = 3;

export type TestRedis = {
  /** The server's URL; valid in tests and in hooks declared after `useTestRedis()`. */
  url(): string;
};

export function useTestRedis(): TestRedis {
  const skipped = process.env.PARLEY_TEST_REDIS === "skip";
  const given = process.env.PARLEY_TEST_REDIS_URL;
  let server: { url: string; stop(): Promise<void> } | undefined;
  let unavailable: string | undefined;

  beforeAll(async () => {
    if (skipped || given) return;
    const binary = findRedisServer();
    if (binary === undefined) {
      unavailable = "redis-server is not installed: it is not in /usr/bin, /usr/local/bin or on PATH.";
      return;
    }
    server = await startRedisServer(binary);
  });
  beforeEach((context) => {
    if (skipped) context.skip("PARLEY_TEST_REDIS=skip");
    if (unavailable)
      throw new Error(`This test needs Redis, and there is none. ${unavailable}\n${HOW_TO_RUN}`);
  });
  afterAll(async () => {
    await server?.stop();
  });

  return {
    url() {
      const url = given || server?.url;
      if (url === undefined)
        throw new Error(`No Redis server to test on. ${unavailable ?? ""}\n${HOW_TO_RUN}`);
      return url;
    },
  };
}

function findRedisServer(): string | undefined {
  const directories = [
    "/usr/bin",
    "/usr/local/bin",
    ...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean),
  ];
  return directories
    .map((directory) => path.join(directory, "redis-server"))
    .find((file) => existsSync(file));
}

async function startRedisServer(binary: string): Promise<{ url: string; stop(): Promise<void> }> {
  let lastFailure = "";
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await unusedPort();
    const child = spawn(
      binary,
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        // Test data is thrown away: no snapshots, no append-only file, nothing written where it runs.
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        tmpdir(),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const ready = await readyOrExit(child);
    if (ready === true) {
      return {
        url: `redis://127.0.0.1:${port}`,
        stop: () => stopProcess(child),
      };
    }
    lastFailure = ready;
  }
  throw new Error(`redis-server (${binary}) did not start: ${lastFailure}`);
}

/** True once the server accepts connections; what it said if it exited first. */
function readyOrExit(child: ChildProcess): Promise<true | string> {
  return new Promise((resolve) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(`no "Ready to accept connections" within 10 s:\n${output}`);
    }, 10_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(`exited (${signal ?? code}):\n${output.trim()}`);
    });
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

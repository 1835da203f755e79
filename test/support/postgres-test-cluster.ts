/**
 * Vitest global setup: starts a throwaway PostgreSQL cluster for the tests that run the store on PostgreSQL, as the
 * tests start their own engines. It finds initdb and pg_ctl (Debian's /usr/lib/postgresql/<version>/bin, or PATH),
 * creates a cluster in a temporary directory, serves it on a free port of 127.0.0.1 and hands its URL to the test
 * workers in PARLEY_TEST_POSTGRES_URL; each test file then creates its own databases on it. The cluster is stopped
 * and removed after the run.
 *
 * PARLEY_TEST_POSTGRES_URL set beforehand: that server is used and nothing is started.
 * PARLEY_TEST_POSTGRES=skip: nothing is started and the PostgreSQL variants of the tests are skipped.
 * Anything else that keeps the cluster from starting is told to the PostgreSQL tests in
 * PARLEY_TEST_POSTGRES_UNAVAILABLE, and they fail with it; the SQLite tests run on.
 */
import { execFile } from "node:child_process";
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { unusedPort } from "./unused-port.js";

const run = promisify(execFile);

/** The superuser the tests connect as; trust authentication, on loopback only. */
const USER = "parley";

/** PostgreSQL refuses to run as root; as root, the cluster belongs to this system user (made by Debian's package). */
const SYSTEM_USER = "postgres";

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.PARLEY_TEST_POSTGRES === "skip" || process.env.PARLEY_TEST_POSTGRES_URL) return undefined;
  const binaries = findBinaries();
  if (binaries === undefined) {
    process.env.PARLEY_TEST_POSTGRES_UNAVAILABLE =
      "PostgreSQL is not installed: no initdb and pg_ctl in /usr/lib/postgresql/*/bin or on PATH.";
    return undefined;
  }
  const directory = mkdtempSync(path.join(memoryBackedDirectory(), "parley-postgres-"));
  const dataDirectory = path.join(directory, "data");
  const runAs = userInfo().uid === 0 ? SYSTEM_USER : undefined;
  try {
    if (runAs !== undefined) await run("chown", [`${runAs}:`, directory]);
    const port = await unusedPort();
    await runBinary(runAs, path.join(binaries, "initdb"), [
      `--pgdata=${dataDirectory}`,
      `--username=${USER}`,
      "--auth=trust",
      "--encoding=UTF8",
      // Unicode lower() and code point order, like Parley's SQLite; C.UTF-8 comes with every glibc.
      "--locale=C.UTF-8",
      "--no-sync",
    ]);
    await runBinary(runAs, path.join(binaries, "pg_ctl"), [
      "start",
      "--wait",
      "--timeout=60",
      `--pgdata=${dataDirectory}`,
      // A log file of its own: a server that inherited our stdout would keep execFile waiting until it ended.
      `--log=${path.join(directory, "postgres.log")}`,
      "-o",
      [
        "-c listen_addresses=127.0.0.1",
        `-c port=${port}`,
        `-c unix_socket_directories=${directory}`,
        // Test data is thrown away: no waiting for the disk.
        "-c fsync=off",
        "-c synchronous_commit=off",
        "-c full_page_writes=off",
        // Every store is a pool of connections, and two workers open stores side by side.
        "-c max_connections=300",
      ].join(" "),
    ]);
    process.env.PARLEY_TEST_POSTGRES_URL = `postgres://${USER}@127.0.0.1:${port}/postgres`;
  } catch (error) {
    const log = readLog(directory);
    rmSync(directory, { recursive: true, force: true });
    process.env.PARLEY_TEST_POSTGRES_UNAVAILABLE =
      `The test PostgreSQL cluster did not start (with ${binaries}): ${describe(error)}` +
      (log === "" ? "" : `\npostgres.log:\n${log}`);
    return undefined;
  }

  return async () => {
    try {
      await runBinary(runAs, path.join(binaries, "pg_ctl"), [
        "stop",
        "--wait",
        "--mode=immediate",
        `--pgdata=${dataDirectory}`,
      ]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  };
}

/** The bin directory of the newest PostgreSQL found, or undefined. */
function findBinaries(): string | undefined {
  const debianRoot = "/usr/lib/postgresql";
  const versions = existsSync(debianRoot)
    ? readdirSync(debianRoot).sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    : [];
  const candidates = [
    ...versions.map((version) => path.join(debianRoot, version, "bin")),
    ...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean),
  ];
  return candidates.find(
    (directory) => existsSync(path.join(directory, "initdb")) && existsSync(path.join(directory, "pg_ctl")),
  );
}

async function runBinary(runAs: string | undefined, binary: string, args: string[]): Promise<void> {
  const [command, commandArgs] =
    runAs === undefined ? [binary, args] : ["runuser", ["-u", runAs, "--", binary, ...args]];
  await run(command, commandArgs, { timeout: 120_000 });
}

/**
 * Linux's /dev/shm when there is one: every test creates a database, a copy of some 8 MB, and on a busy disk that
 * took half a second where memory takes 20 ms.
 */
function memoryBackedDirectory(): string {
  try {
    accessSync("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return tmpdir();
  }
}

function readLog(directory: string): string {
  try {
    return readFileSync(path.join(directory, "postgres.log"), "utf8")
      .trim()
      .split("\n")
      .slice(-20)
      .join("\n");
  } catch {
    return "";
  }
}

function describe(error: unknown): string {
  if (
    typeof error === "object" &&
    error !== null &&
    "stderr" in error &&
    String(error.stderr).trim() !== ""
  ) {
    return String(error.stderr).trim();
  }
  return error instanceof Error ? error.message : String(error);
}

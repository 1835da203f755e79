/** Starts real `parley serve` processes for tests and reads what they log. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const PARLEY_BIN = path.join(REPO_ROOT, "bin/parley.js");

export type ParleyProcess = {
  url: string;
  child: ChildProcess;
  dataDir: string;
  logs: string[];
  /** Resolves with the exit code (or signal) once the process ended. */
  exited: Promise<number | NodeJS.Signals | null>;
  api(pathname: string, init?: RequestInit): Promise<Response>;
  json<T = Record<string, unknown>>(pathname: string, init?: RequestInit): Promise<T>;
  waitForModelsReady(timeoutMs?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
};

export type StartParleyOptions = {
  args?: string[];
  /** Where it keeps its data and reads its config; a new temporary directory if not given. */
  dataDir?: string;
  /** Writes what the server should find in its data directory before it starts: models, a config. */
  prepare?: (dataDir: string) => void | Promise<void>;
  env?: Record<string, string>;
  /** Resolve once listening, without waiting for the models. */
  waitForModels?: boolean;
  /**
   * Serve with accounts (the default of a real server). Without it the server runs in single-user mode
   * (`--no-auth` on loopback), which tests of everything but accounts use so they need no credentials.
   */
  accounts?: boolean;
};

export function temporaryDirectory(prefix = "parley-test-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export async function startParley(options: StartParleyOptions = {}): Promise<ParleyProcess> {
  const dataDir = options.dataDir ?? temporaryDirectory();
  await options.prepare?.(dataDir);
  const child = spawn(
    process.execPath,
    [
      // Extra node flags for one server, e.g. --cpu-prof when profiling a benchmark (NODE_OPTIONS refuses it).
      ...(process.env.PARLEY_TEST_NODE_FLAGS?.split(" ").filter(Boolean) ?? []),
      PARLEY_BIN,
      "serve",
      "--port",
      "0",
      "--data-dir",
      dataDir,
      ...(options.accounts ? [] : ["--no-auth"]),
      ...(options.args ?? []),
    ],
    {
      cwd: dataDir,
      env: { ...process.env, PARLEY_THREADS: "1", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const logs: string[] = [];
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    child.once("exit", (code, signal) => resolve(signal ?? code));
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = "";
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        logs.push(line);
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === "Parley is serving" && entry.url) resolve(entry.url);
        } catch {
          // Not every line is JSON (llama.cpp writes plain text).
        }
        newline = buffered.indexOf("\n");
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => logs.push(chunk.toString()));
    void exited.then((code) =>
      reject(new Error(`parley serve exited (${code}) before serving:\n${logs.join("\n")}`)),
    );
  });

  const api = (pathname: string, init?: RequestInit) => fetch(new URL(pathname, url), init);
  const json = async <T>(pathname: string, init?: RequestInit) => {
    const response = await api(pathname, init);
    return (await response.json()) as T;
  };
  const parley: ParleyProcess = {
    url,
    child,
    dataDir,
    logs,
    exited,
    api,
    json,
    async waitForModelsReady(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const { models } = await json<{ models: { ready: boolean }[] }>("/api/models");
        if (models.length > 0 && models.every((model) => model.ready)) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`models were not ready within ${timeoutMs} ms:\n${logs.slice(-20).join("\n")}`);
    },
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  if (options.waitForModels !== false) {
    try {
      await parley.waitForModelsReady();
    } catch (error) {
      // The caller never gets the process to stop: stop it here, or it outlives the test run.
      await parley.stop("SIGKILL");
      throw error;
    }
  }
  return parley;
}

/** Creates a conversation, with a title or a bot if asked, and returns its id. */
export async function createConversation(
  parley: ParleyProcess,
  fields: string | { title?: string; botId?: string } = {},
): Promise<string> {
  const body = typeof fields === "string" ? { title: fields } : fields;
  return (await sendJson<{ id: string }>(parley, "/api/conversations", body, { status: 201 })).id;
}

/**
 * Sends `body` as JSON (a POST unless `method` says otherwise) and returns the JSON answer. An answer with another
 * status than `status` (any 2xx if not given) fails, with what the server said.
 */
export async function sendJson<T = Record<string, unknown>>(
  parley: ParleyProcess,
  pathname: string,
  body: unknown,
  options: { method?: string; status?: number } = {},
): Promise<T> {
  const method = options.method ?? "POST";
  const response = await parley.api(pathname, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const expected = options.status === undefined ? response.ok : response.status === options.status;
  if (!expected)
    throw new Error(`${method} ${pathname} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ModelUnavailableError } from "../core/app-error.js";
import { type EngineStatus, EngineSupervisor, type EngineSupervisorConfig } from "./engine-supervisor.js";
import { writeGguf } from "./gguf-writer.js";
import { buildTinyModel, tinyModelReply, writeTinyModel } from "./tiny-model.js";

const alphabet = tinyModelReply;
/** Runs the engine entry through tsx without the CLI, as the supervisor's injectable command allows. */
const engineMainCommand = [
  process.execPath,
  "--import",
  "tsx",
  fileURLToPath(new URL("./engine-main.ts", import.meta.url)),
];

let directory: string;
let modelPath: string;
const supervisors: EngineSupervisor[] = [];

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), "parley-supervisor-"));
  modelPath = path.join(directory, "tiny.gguf");
  await writeTinyModel(modelPath);
});

afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((supervisor) => supervisor.stop()));
});

afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

function supervise(config: Partial<EngineSupervisorConfig> = {}) {
  const logs: string[] = [];
  const statuses: EngineStatus[] = [];
  const supervisor = new EngineSupervisor({
    modelPath,
    threads: 1,
    sequences: 2,
    contextSize: 512,
    command: engineMainCommand,
    log: (level, message) => logs.push(`${level} ${message}`),
    onStatusChange: (status) => statuses.push(status),
    ...config,
  });
  supervisors.push(supervisor);
  return { supervisor, logs, statuses };
}

async function ask(supervisor: EngineSupervisor): Promise<string | null | undefined> {
  const client = new OpenAI({ baseURL: supervisor.baseURL, apiKey: "x", maxRetries: 0 });
  const completion = await client.chat.completions.create({
    model: supervisor.modelId,
    messages: [{ role: "user", content: "Hello" }],
    temperature: 0,
  });
  return completion.choices[0]?.message.content;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("EngineSupervisor", () => {
  it("starts a real engine process, restarts it after SIGKILL, and stops it", async () => {
    const { supervisor, logs, statuses } = supervise();
    expect(supervisor.status).toBe("stopped");
    supervisor.start();
    expect(supervisor.status).toBe("starting");
    await supervisor.waitUntilReady(30_000);
    expect(supervisor.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(await ask(supervisor)).toBe(alphabet);
    const firstPid = supervisor.pid as number;
    expect(firstPid).toBeGreaterThan(0);

    process.kill(firstPid, "SIGKILL");
    await waitFor(() => supervisor.status === "restarting", 5_000);
    expect(supervisor.baseURL).toBeUndefined();
    await supervisor.waitUntilReady(30_000);
    expect(supervisor.restarts).toBe(1);
    expect(supervisor.lastError).toMatch(/SIGKILL/);
    expect(supervisor.pid).not.toBe(firstPid);
    expect(await ask(supervisor)).toBe(alphabet);
    expect(statuses).toEqual(["starting", "ready", "restarting", "ready"]);

    const secondPid = supervisor.pid as number;
    await supervisor.stop();
    expect(supervisor.status).toBe("stopped");
    expect(isRunning(secondPid)).toBe(false);
    // The child's own output reaches the log: its stderr line about the signal it got.
    expect(
      logs.some((line) => line.includes(`pid ${secondPid}`) && line.includes("engine stopping (SIGTERM)")),
    ).toBe(true);
  });

  it("restarts an engine that stops answering health checks", async () => {
    const { supervisor, statuses } = supervise({
      healthIntervalMs: 100,
      healthTimeoutMs: 200,
      healthFailuresBeforeRestart: 2,
    });
    supervisor.start();
    await supervisor.waitUntilReady(30_000);
    const hungPid = supervisor.pid as number;
    // A stopped process keeps its socket open but never answers: like an engine stuck in a native call.
    process.kill(hungPid, "SIGSTOP");
    await waitFor(() => supervisor.status === "restarting", 5_000);
    await supervisor.waitUntilReady(30_000);
    expect(supervisor.lastError).toMatch(/health checks in a row failed/);
    expect(supervisor.pid).not.toBe(hungPid);
    expect(isRunning(hungPid)).toBe(false);
    expect(statuses).toEqual(["starting", "ready", "restarting", "ready"]);
    expect(await ask(supervisor)).toBe(alphabet);
  });

  it("refuses a malformed GGUF without spawning anything", async () => {
    const malformedPath = path.join(directory, "malformed.gguf");
    const content = buildTinyModel();
    const metadata = new Map(
      content.metadata instanceof Map ? content.metadata : Object.entries(content.metadata),
    );
    // Without this key llama.cpp aborts the whole process (SIGABRT) instead of returning an error.
    metadata.delete("llama.feed_forward_length");
    await writeGguf(malformedPath, { metadata, tensors: content.tensors });

    const { supervisor, logs, statuses } = supervise({ modelPath: malformedPath });
    supervisor.start();
    await expect(supervisor.waitUntilReady(10_000)).rejects.toBeInstanceOf(ModelUnavailableError);
    expect(supervisor.status).toBe("failed");
    expect(statuses).toEqual(["starting", "failed"]);
    expect(supervisor.lastError).toMatch(/feed_forward_length/);
    expect(supervisor.pid).toBeUndefined();
    expect(logs.some((line) => line.includes("starting"))).toBe(false);
  });

  it("backs off between failed starts and gives up after too many", async () => {
    const { supervisor, logs } = supervise({
      command: [
        process.execPath,
        "-e",
        "console.error('cannot start: out of memory'); process.exit(3)",
        "--",
      ],
      restartDelayMs: 20,
      maxFailedStarts: 3,
    });
    supervisor.start();
    await expect(supervisor.waitUntilReady(10_000)).rejects.toThrow(/gave up after 3 starts/);
    expect(supervisor.status).toBe("failed");
    expect(supervisor.lastError).toMatch(/exited with code 3: cannot start: out of memory/);
    expect(logs.filter((line) => line.includes("restarting in"))).toEqual([
      expect.stringContaining("restarting in 20 ms"),
      expect.stringContaining("restarting in 40 ms"),
    ]);
  });

  it("runs `parley engine` through bin/parley.js by default", async () => {
    const { supervisor } = supervise({ command: undefined });
    supervisor.start();
    await supervisor.waitUntilReady(30_000);
    expect(await ask(supervisor)).toBe(alphabet);
  });
});

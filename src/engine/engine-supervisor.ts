/** Keeps one local engine child process running: checks the file, spawns, health-checks, restarts, stops. */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ModelUnavailableError } from "../core/app-error.js";
import { modelIdFromPath } from "./engine-config.js";
import { assertLoadableGguf } from "./gguf-requirements.js";

export type EngineStatus = "starting" | "ready" | "restarting" | "failed" | "stopped";

export type EngineLogLevel = "info" | "warn" | "error";

export type EngineSupervisorConfig = {
  modelPath: string;
  /** Defaults to the file name without `.gguf`. */
  modelId?: string;
  threads?: number;
  sequences?: number;
  contextSize?: number;
  gpu?: boolean;
  /** Start the engine for embeddings only (`--embedding`): no chat context. */
  embedding?: boolean;
  /**
   * The program and leading arguments that run `parley engine`; the supervisor appends `--model`, `--port 0`
   * and the options above. Defaults to this repository's `bin/parley.js engine` under the current Node.
   */
  command?: readonly string[];
  /** Receives the supervisor's own messages and every line the child prints. */
  log?: (level: EngineLogLevel, message: string) => void;
  onStatusChange?: (status: EngineStatus, supervisor: EngineSupervisor) => void;
  /** How long loading may take before the child is killed and started again (default 120 s). */
  startTimeoutMs?: number;
  healthIntervalMs?: number;
  healthTimeoutMs?: number;
  /** Consecutive failed health checks that count as a crash (default 3). */
  healthFailuresBeforeRestart?: number;
  /** First restart delay, doubled after each failed attempt up to `maxRestartDelayMs` (default 250 ms). */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** Ready for this long, the next crash restarts after `restartDelayMs` again (default 60 s). */
  backoffResetAfterMs?: number;
  /** Attempts in a row that die before becoming ready; then the status is `failed` (default 5). */
  maxFailedStarts?: number;
  /** After SIGTERM, how long `stop()` waits before SIGKILL (default 5 s). */
  stopTimeoutMs?: number;
};

export const defaultEngineCommand: readonly string[] = [
  process.execPath,
  fileURLToPath(new URL("../../bin/parley.js", import.meta.url)),
  "engine",
];

type Settings = Required<
  Omit<EngineSupervisorConfig, "threads" | "sequences" | "contextSize" | "embedding" | "onStatusChange">
>;

/** One spawned engine process and what the supervisor learned about it. */
type EngineChild = {
  process: ChildProcess;
  exited: Promise<void>;
  readySince: number | undefined;
  /** Set when the supervisor itself killed the child, to explain the exit. */
  killReason: string | undefined;
  stderrTail: string[];
};

/** Lines of the child's stderr kept to explain why it died. */
const keptStderrLines = 5;

export class EngineSupervisor {
  readonly modelId: string;
  readonly #config: EngineSupervisorConfig;
  readonly #settings: Settings;
  readonly #listeners = new Set<(status: EngineStatus, supervisor: EngineSupervisor) => void>();
  #status: EngineStatus = "stopped";
  #baseURL: string | undefined;
  #lastError: string | undefined;
  #restarts = 0;
  #child: EngineChild | undefined;
  /** Exponent of the restart delay: crashes since the engine was last healthy for a while. */
  #crashesInARow = 0;
  /** Attempts in a row that never became ready. */
  #failedStartsInARow = 0;
  #timers = new Set<NodeJS.Timeout>();
  #stopping = false;
  #launches = 0;

  constructor(config: EngineSupervisorConfig) {
    if (config.command !== undefined && config.command.length === 0) {
      throw new TypeError("EngineSupervisor: command must name a program to run.");
    }
    this.#config = config;
    this.modelId = config.modelId ?? modelIdFromPath(config.modelPath);
    this.#settings = {
      modelPath: config.modelPath,
      modelId: this.modelId,
      gpu: config.gpu ?? false,
      command: config.command ?? defaultEngineCommand,
      log: config.log ?? ((level, message) => process.stderr.write(`[${level}] ${message}\n`)),
      startTimeoutMs: config.startTimeoutMs ?? 120_000,
      healthIntervalMs: config.healthIntervalMs ?? 2_000,
      healthTimeoutMs: config.healthTimeoutMs ?? 2_000,
      healthFailuresBeforeRestart: config.healthFailuresBeforeRestart ?? 3,
      restartDelayMs: config.restartDelayMs ?? 250,
      maxRestartDelayMs: config.maxRestartDelayMs ?? 10_000,
      backoffResetAfterMs: config.backoffResetAfterMs ?? 60_000,
      maxFailedStarts: config.maxFailedStarts ?? 5,
      stopTimeoutMs: config.stopTimeoutMs ?? 5_000,
    };
    if (config.onStatusChange) this.#listeners.add(config.onStatusChange);
  }

  get status(): EngineStatus {
    return this.#status;
  }

  /** The engine's OpenAI-compatible base, for example `http://127.0.0.1:41234/v1`, while it is ready. */
  get baseURL(): string | undefined {
    return this.#status === "ready" ? this.#baseURL : undefined;
  }

  /** Why the engine last failed or restarted, in words fit for an operator; kept after it recovers. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  get restarts(): number {
    return this.#restarts;
  }

  /** The child's process id while one runs. */
  get pid(): number | undefined {
    return this.#child?.process.pid;
  }

  onStatusChange(listener: (status: EngineStatus, supervisor: EngineSupervisor) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts the engine (again, after `stop()` or `failed`); returns at once, see {@link waitUntilReady}. */
  start(): void {
    if (this.#status === "starting" || this.#status === "ready" || this.#status === "restarting") return;
    this.#stopping = false;
    this.#crashesInARow = 0;
    this.#failedStartsInARow = 0;
    this.#setStatus("starting");
    void this.#launch();
  }

  /** Resolves once ready; rejects when the engine fails, is stopped, or is not ready in time. */
  waitUntilReady(timeoutMs: number): Promise<void> {
    if (this.#status === "ready") return Promise.resolve();
    if (this.#status === "failed" || this.#status === "stopped") return Promise.reject(this.#unavailable());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(this.#unavailable(`was not ready within ${timeoutMs} ms`));
      }, timeoutMs);
      const unsubscribe = this.onStatusChange((status) => {
        if (status === "ready") resolve();
        else if (status === "failed" || status === "stopped") reject(this.#unavailable());
        else return;
        clearTimeout(timer);
        unsubscribe();
      });
    });
  }

  /** SIGTERM, then SIGKILL after `stopTimeoutMs`; resolves when the child is gone. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#clearTimers();
    const child = this.#child;
    if (child && child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill("SIGTERM");
      const killTimer = setTimeout(() => child.process.kill("SIGKILL"), this.#settings.stopTimeoutMs);
      await child.exited;
      clearTimeout(killTimer);
    }
    this.#setStatus("stopped");
  }

  async #launch(): Promise<void> {
    const launch = ++this.#launches;
    const settings = this.#settings;
    try {
      // llama.cpp aborts the process on some malformed files: say what is wrong instead of crash-looping.
      await assertLoadableGguf(settings.modelPath);
    } catch (error) {
      if (this.#stopping || launch !== this.#launches) return;
      this.#lastError = error instanceof Error ? error.message : String(error);
      settings.log("error", `engine ${this.modelId}: ${this.#lastError}`);
      this.#setStatus("failed");
      return;
    }
    if (this.#stopping || launch !== this.#launches) return;

    const [program = process.execPath, ...leading] = settings.command;
    const args = [
      ...leading,
      "--model",
      settings.modelPath,
      "--id",
      this.modelId,
      "--port",
      "0",
      "--host",
      "127.0.0.1",
    ];
    if (this.#config.threads !== undefined) args.push("--threads", String(this.#config.threads));
    if (this.#config.sequences !== undefined) args.push("--sequences", String(this.#config.sequences));
    if (this.#config.contextSize !== undefined) args.push("--context-size", String(this.#config.contextSize));
    if (settings.gpu) args.push("--gpu");
    if (this.#config.embedding) args.push("--embedding");

    // The IPC channel carries no messages: the engine exits when it closes, so a supervisor that is
    // SIGKILLed leaves no orphan engine holding the model in memory.
    const spawned = spawn(program, args, { stdio: ["ignore", "pipe", "pipe", "ipc"] });
    const tag = `engine ${this.modelId} (pid ${spawned.pid ?? "?"})`;
    let markExited = () => {};
    const child: EngineChild = {
      process: spawned,
      exited: new Promise<void>((resolve) => {
        markExited = resolve;
      }),
      readySince: undefined,
      killReason: undefined,
      stderrTail: [],
    };
    this.#child = child;
    let gone = false;
    const onGone = (why: string) => {
      if (gone) return;
      gone = true;
      markExited();
      this.#onChildGone(child, why);
    };
    spawned.once("exit", (code, signal) =>
      onGone(signal ? `was killed by ${signal}` : `exited with code ${code}`),
    );
    spawned.once("error", (error) => onGone(`could not be run (${program}): ${error.message}`));
    settings.log("info", `${tag}: starting ${[program, ...args].join(" ")}`);

    createInterface({ input: spawned.stderr as NodeJS.ReadableStream }).on("line", (line) => {
      if (line.trim() === "") return;
      child.stderrTail.push(line);
      if (child.stderrTail.length > keptStderrLines) child.stderrTail.shift();
      settings.log("warn", `${tag}: ${line}`);
    });
    createInterface({ input: spawned.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const port = readyPort(line);
      if (port === undefined) {
        if (line.trim() !== "") settings.log("info", `${tag}: ${line}`);
        return;
      }
      if (this.#child !== child || this.#stopping || child.killReason !== undefined) return;
      this.#clearTimers();
      this.#baseURL = `http://127.0.0.1:${port}/v1`;
      child.readySince = Date.now();
      this.#failedStartsInARow = 0;
      settings.log("info", `${tag}: ready at ${this.#baseURL}`);
      this.#setStatus("ready");
      this.#scheduleHealthCheck(child, 0);
    });

    this.#setTimer(() => {
      if (this.#child !== child || child.readySince !== undefined) return;
      this.#kill(child, `it was not ready within ${settings.startTimeoutMs} ms`);
    }, settings.startTimeoutMs);
  }

  /** SIGKILL, because an engine that is hung or stuck loading may not handle SIGTERM. */
  #kill(child: EngineChild, reason: string): void {
    child.killReason = reason;
    this.#settings.log("error", `engine ${this.modelId}: killing it because ${reason}`);
    child.process.kill("SIGKILL");
  }

  #onChildGone(child: EngineChild, why: string): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    this.#clearTimers();
    if (this.#stopping) return;
    const settings = this.#settings;
    const lastWords = child.stderrTail.at(-1);
    this.#lastError = child.killReason
      ? `the engine was killed because ${child.killReason}`
      : `the engine ${why}${lastWords ? `: ${lastWords}` : ""}`;
    settings.log("error", `engine ${this.modelId}: ${this.#lastError}`);

    if (child.readySince === undefined) {
      this.#failedStartsInARow++;
      if (this.#failedStartsInARow >= settings.maxFailedStarts) {
        this.#lastError = `gave up after ${this.#failedStartsInARow} starts in a row failed; the last: ${this.#lastError}`;
        this.#setStatus("failed");
        return;
      }
    } else if (Date.now() - child.readySince >= settings.backoffResetAfterMs) {
      this.#crashesInARow = 0;
    }
    const delay = Math.min(settings.maxRestartDelayMs, settings.restartDelayMs * 2 ** this.#crashesInARow);
    this.#crashesInARow++;
    this.#restarts++;
    this.#setStatus("restarting");
    settings.log("info", `engine ${this.modelId}: restarting in ${delay} ms`);
    this.#setTimer(() => this.#launch(), delay);
  }

  #scheduleHealthCheck(child: EngineChild, failures: number): void {
    const settings = this.#settings;
    this.#setTimer(async () => {
      const problem = await this.#checkHealth();
      if (this.#child !== child || this.#stopping) return;
      if (problem === undefined) {
        this.#scheduleHealthCheck(child, 0);
        return;
      }
      const failed = failures + 1;
      settings.log("warn", `engine ${this.modelId}: health check failed (${failed} in a row): ${problem}`);
      if (failed < settings.healthFailuresBeforeRestart) {
        this.#scheduleHealthCheck(child, failed);
        return;
      }
      this.#setStatus("restarting");
      this.#kill(child, `${failed} health checks in a row failed, the last: ${problem}`);
    }, settings.healthIntervalMs);
  }

  async #checkHealth(): Promise<string | undefined> {
    try {
      const response = await fetch(`${this.#baseURL?.replace(/\/v1$/, "")}/health`, {
        signal: AbortSignal.timeout(this.#settings.healthTimeoutMs),
      });
      await response.arrayBuffer();
      return response.ok ? undefined : `status ${response.status}`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  #unavailable(what = `is ${this.#status}`): ModelUnavailableError {
    return new ModelUnavailableError(
      `The engine for ${this.modelId} ${what}${this.#lastError ? `: ${this.#lastError}` : ""}.`,
    );
  }

  #setStatus(status: EngineStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    for (const listener of [...this.#listeners]) {
      try {
        listener(status, this);
      } catch (error) {
        this.#settings.log("error", `engine ${this.modelId}: a status listener threw: ${String(error)}`);
      }
    }
  }

  #setTimer(callback: () => void | Promise<void>, delayMs: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void callback();
    }, delayMs);
    this.#timers.add(timer);
  }

  #clearTimers(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

function readyPort(line: string): number | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const event = JSON.parse(line) as { event?: unknown; port?: unknown };
    return event.event === "engine.ready" && typeof event.port === "number" ? event.port : undefined;
  } catch {
    return undefined;
  }
}

/** The pipeline benchmark's baseline: node-llama-cpp generating in a child process of its own, driven over IPC. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { guardChildProcess } from "./guard-child-process.js";

export type BareGenerationConfig = {
  modelPath: string;
  threads: number;
  sequences: number;
  contextSize: number;
};

export type BareGenerateRequest = { type: "generate"; prompt: string; tokens: number };

export type BareGenerationResult = {
  promptTokens: number;
  generatedTokens: number;
  /** From before tokenizing the prompt to the first generated token. */
  ttftMs: number;
  /** From the first generated token to the last. */
  firstToLastMs: number;
  /** From before tokenizing the prompt to the last generated token. */
  totalMs: number;
  text: string;
};

export type BareWorkerMessage =
  | { type: "ready" }
  | ({ type: "generated" } & BareGenerationResult)
  | { type: "failed"; message: string };

export type BareGeneration = {
  readonly pid: number | undefined;
  generate(prompt: string, tokens: number): Promise<BareGenerationResult>;
  close(): Promise<void>;
};

const workerPath = fileURLToPath(new URL("./bare-generation-worker.ts", import.meta.url));

/**
 * A separate process, like the engine: it loads the model once, and it runs only while the benchmark asks it
 * to generate, so it never competes with the Parley engine for the two cores.
 */
export async function startBareGeneration(config: BareGenerationConfig): Promise<BareGeneration> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      workerPath,
      config.modelPath,
      String(config.threads),
      String(config.sequences),
      String(config.contextSize),
    ],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  guardChildProcess(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await nextMessage(child, exited);
  return {
    pid: child.pid,
    async generate(prompt, tokens) {
      const request: BareGenerateRequest = { type: "generate", prompt, tokens };
      child.send(request);
      const message = await nextMessage(child, exited);
      if (message.type !== "generated") throw new Error(`bare generation sent ${message.type}`);
      const { type: _type, ...result } = message;
      return result;
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

function nextMessage(child: ChildProcess, exited: Promise<void>): Promise<BareWorkerMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: BareWorkerMessage) => {
      if (message.type === "failed") reject(new Error(`bare generation failed: ${message.message}`));
      else resolve(message);
    };
    child.once("message", onMessage);
    void exited.then(() => {
      child.off("message", onMessage);
      reject(new Error(`bare generation process exited (${child.exitCode ?? child.signalCode})`));
    });
  });
}

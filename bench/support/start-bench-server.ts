/** Starts a real `parley serve` on the tiny test models with a config chosen by the benchmark. */
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { writeTinyModel } from "../../src/engine/tiny-model.js";
import { type ParleyProcess, startParley, temporaryDirectory } from "../../test/support/parley-process.js";
import { guardChildProcess } from "./guard-child-process.js";

export type BenchServerConfig = {
  /** Model ids to serve: `tiny` answers the alphabet once, `tiny-loop` repeats it until max tokens. */
  models: readonly ("tiny" | "tiny-loop")[];
  threads: number;
  sequences: number;
  contextSize: number;
  maxOutputTokens: number;
};

export type BenchServer = ParleyProcess & {
  /** Where a model's tiny GGUF file was written, for a bare baseline on the very same file. */
  modelFile(modelId: "tiny" | "tiny-loop"): string;
  /** The engine's own origin (`http://127.0.0.1:PORT`), read from the line the server logs when it is ready. */
  engineOrigin(modelId: string): string;
};

export async function startBenchServer(config: BenchServerConfig): Promise<BenchServer> {
  const dir = temporaryDirectory("parley-bench-");
  const modelFile = (modelId: "tiny" | "tiny-loop") => path.join(dir, `${modelId}.gguf`);
  for (const modelId of config.models) {
    await writeTinyModel(modelFile(modelId), { loop: modelId === "tiny-loop" });
  }
  writeFileSync(
    path.join(dir, "parley.config.yaml"),
    [
      "engine:",
      `  threads: ${config.threads}`,
      `  sequences: ${config.sequences}`,
      `  contextSize: ${config.contextSize}`,
      "models:",
      ...config.models.flatMap((modelId) => [`  - id: ${modelId}`, `    file: ./${modelId}.gguf`]),
      "runs:",
      `  maxOutputTokens: ${config.maxOutputTokens}`,
      "",
    ].join("\n"),
  );
  const parley = await startParley({
    dataDir: dir,
    env: { PARLEY_THREADS: String(config.threads) },
    waitForModels: false,
  });
  guardChildProcess(parley.child);
  try {
    await parley.waitForModelsReady(60_000);
  } catch (error) {
    await parley.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    ...parley,
    // The models and the database were only for this benchmark.
    async stop(signal) {
      await parley.stop(signal);
      rmSync(dir, { recursive: true, force: true });
    },
    modelFile,
    engineOrigin(modelId) {
      const ready = new RegExp(`^engine ${modelId} \\(pid \\d+\\): ready at (http://[^/]+)/v1$`);
      for (const line of [...parley.logs].reverse()) {
        try {
          const match = ready.exec((JSON.parse(line) as { msg?: string }).msg ?? "");
          if (match?.[1]) return match[1];
        } catch {
          // llama.cpp writes plain text lines too.
        }
      }
      throw new Error(`The server logged no ready line for engine ${modelId}.`);
    },
  };
}

/** Writes the tiny test models and a config that serves both, for tests that start real servers. */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { writeTinyModel } from "../../src/engine/tiny-model.js";

export type TestModelsOptions = {
  sequences?: number;
  contextSize?: number;
  /** The longest reply; the looping model writes this many tokens. */
  maxOutputTokens?: number;
  /** More models to list in the config, as id -> file relative to `dir`. */
  extraModels?: Record<string, string>;
  shutdownGraceSeconds?: number;
};

/** Writes tiny.gguf, tiny-loop.gguf and parley.config.yaml serving them as `tiny` and `tiny-loop`. */
export async function writeTestModels(dir: string, options: TestModelsOptions = {}): Promise<void> {
  await writeTinyModel(path.join(dir, "tiny.gguf"));
  await writeTinyModel(path.join(dir, "tiny-loop.gguf"), { loop: true });
  writeFileSync(
    path.join(dir, "parley.config.yaml"),
    [
      "engine:",
      "  threads: 1",
      `  sequences: ${options.sequences ?? 4}`,
      `  contextSize: ${options.contextSize ?? 2048}`,
      "models:",
      "  - id: tiny",
      "    file: ./tiny.gguf",
      "  - id: tiny-loop",
      "    file: ./tiny-loop.gguf",
      ...Object.entries(options.extraModels ?? {}).flatMap(([id, file]) => [
        `  - id: ${id}`,
        `    file: ${file}`,
      ]),
      "runs:",
      `  maxOutputTokens: ${options.maxOutputTokens ?? 1500}`,
      `  shutdownGraceSeconds: ${options.shutdownGraceSeconds ?? 10}`,
    ].join("\n"),
  );
}

/** `parley models`: what is in the models folder, whether each file is usable, and what can be pulled. */
import path from "node:path";
import { loadConfig } from "../config/load-config.js";
import { assertLoadableGguf } from "../engine/gguf-requirements.js";
import { findModelFiles } from "./find-model-files.js";
import { RECOMMENDED_MODELS } from "./recommended-models.js";

export async function runModelsCommand(options: { modelsDir?: string }): Promise<void> {
  const modelsDir = path.resolve(options.modelsDir ?? loadConfig().modelsDir);
  const files = findModelFiles(modelsDir);
  if (files.length === 0) {
    console.log(`No models in ${modelsDir}.`);
  } else {
    console.log(`Models in ${modelsDir}:`);
    for (const file of files) {
      const size = `${(file.bytes / 1_000_000).toFixed(1)} MB`;
      const verdict = await assertLoadableGguf(file.path).then(
        (summary) => `${summary.architecture}, context ${summary.contextLength ?? "?"}`,
        (error: Error) => `NOT USABLE: ${error.message}`,
      );
      console.log(`  ${file.id.padEnd(24)} ${size.padStart(10)}  ${verdict}`);
    }
  }
  console.log("\nRecommended (parley pull <name>):");
  for (const model of RECOMMENDED_MODELS) {
    console.log(`  ${model.name.padEnd(12)} ${model.tier.padEnd(9)} ${model.description}`);
  }
}

/** `parley dev tiny-model <out.gguf> [--loop]`: writes the tiny test model. */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { writeTinyModel } from "../engine/tiny-model.js";

export async function runDevTinyModel(file: string, options: { loop?: boolean }): Promise<void> {
  const target = path.resolve(file);
  mkdirSync(path.dirname(target), { recursive: true });
  await writeTinyModel(target, { loop: options.loop === true });
  console.log(`Wrote the tiny test model${options.loop ? " (looping)" : ""} to ${target}`);
}

/** `parley engine --model <file.gguf>`: one local model as an OpenAI-compatible server in this process. */
import { assertLoadableGguf } from "../engine/gguf-requirements.js";
import { type RunEngineOptions, runEngine } from "../engine/run-engine.js";

export async function runEngineCommand(options: RunEngineOptions): Promise<void> {
  // A malformed file would abort llama.cpp, and this process with it, without a word: refuse it first.
  await assertLoadableGguf(options.model);
  await runEngine(options);
}

/** `parley engine --model <file.gguf>`: one local model as an OpenAI-compatible server in this process. */
import { type RunEngineOptions, runEngine } from "../engine/run-engine.js";

export async function runEngineCommand(options: RunEngineOptions): Promise<void> {
  await runEngine(options);
}

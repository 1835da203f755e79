/** `parley pull <model>`: downloads a GGUF with a progress bar, leaving no partial file behind on failure. */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { createModelDownloader } from "node-llama-cpp";
import { AppError, BadRequestError } from "../core/app-error.js";
import { loadConfig } from "../config/load-config.js";
import { findRecommendedModel, RECOMMENDED_MODELS } from "./recommended-models.js";

export async function runPullCommand(name: string, options: { modelsDir?: string }): Promise<void> {
  const modelsDir = path.resolve(options.modelsDir ?? loadConfig().modelsDir);
  const recommended = findRecommendedModel(name);
  if (!recommended && !name.startsWith("hf:") && !/^https?:\/\//.test(name)) {
    const names = RECOMMENDED_MODELS.map((model) => model.name).join(", ");
    throw new BadRequestError(`Unknown model ${JSON.stringify(name)}. Pull one of ${names}, or an hf:owner/repo/file.gguf address.`);
  }
  mkdirSync(modelsDir, { recursive: true });
  const before = new Set(readdirSync(modelsDir));
  try {
    const downloader = await createModelDownloader({
      modelUri: recommended?.uri ?? name,
      dirPath: modelsDir,
      ...(recommended && { fileName: recommended.fileName }),
      showCliProgress: process.stderr.isTTY === true,
      deleteTempFileOnCancel: true,
    });
    const file = await downloader.download();
    console.log(`Downloaded ${path.basename(file)} into ${modelsDir}. Start Parley with: npm start`);
  } catch (error) {
    // Whatever the download left (temporary or partial files) goes, so a half model is never served.
    for (const entry of readdirSync(modelsDir)) {
      if (!before.has(entry)) rmSync(path.join(modelsDir, entry), { recursive: true, force: true });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new AppError(
      "download_failed",
      `Could not download ${name}: ${reason}. Check the internet connection (Hugging Face must be reachable), then run the command again; nothing was kept.`,
      { cause: error },
    );
  }
}

/** `parley pull <model>`: downloads a GGUF with a progress bar, leaving no partial file behind on failure. */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { createModelDownloader } from "node-llama-cpp";
import { loadConfig } from "../config/load-config.js";
import { AppError, BadRequestError } from "../core/app-error.js";
import { findRecommendedModel, RECOMMENDED_MODELS } from "./recommended-models.js";

export async function runPullCommand(name: string, options: { modelsDir?: string }): Promise<void> {
  const modelsDir = path.resolve(options.modelsDir ?? loadConfig().modelsDir);
  const recommended = findRecommendedModel(name);
  if (!recommended && !name.startsWith("hf:") && !/^https?:\/\//.test(name)) {
    const names = RECOMMENDED_MODELS.map((model) => model.name).join(", ");
    throw new BadRequestError(
      `Unknown model ${JSON.stringify(name)}. Pull one of ${names}, or an hf:owner/repo/file.gguf address.`,
    );
  }
  const modelUri = recommended?.uri ?? name;
  // The downloader retries an unreachable host for minutes; a quick look first fails fast and says why.
  await assertReachable(modelUri.startsWith("hf:") ? "https://huggingface.co/" : modelUri, name);
  mkdirSync(modelsDir, { recursive: true });
  const before = new Set(readdirSync(modelsDir));
  try {
    const downloader = await createModelDownloader({
      modelUri,
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

const REACHABILITY_TIMEOUT_MS = 15_000;

async function assertReachable(url: string, name: string): Promise<void> {
  try {
    await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(REACHABILITY_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new AppError(
      "download_failed",
      `Could not download ${name}: ${new URL(url).host} is not reachable (${cause}). Check the internet connection and run the command again; nothing was written.`,
      { cause: error },
    );
  }
}

/**
 * Counts a prompt's tokens for a model: exactly where the model can say (Parley's engine tokenizes with the
 * model's own tokenizer and template), otherwise estimated from characters and calibrated by the usage each
 * upstream reports, so the estimate converges on that model's real tokenizer.
 */
import type { ChatImage, ChatPrompt } from "../providers/chat-model.js";
import type { CatalogEntry } from "./model-catalog.js";

/** Before any calibration: cautious, since modern tokenizers average 3.5-4 characters per English token. */
const DEFAULT_CHARACTERS_PER_TOKEN = 3;
/** Role markers and separators each message costs in chat templates. */
const TOKENS_PER_MESSAGE = 4;
/** How far one observation moves the calibration. */
const CALIBRATION_WEIGHT = 0.3;
/**
 * Images are billed by their pixels, not their bytes. Anthropic scales an image to fit 1568 px and about
 * 1.15 megapixels, then counts width x height / 750 tokens (at most ~1600); OpenAI counts 85 plus 170 per
 * 512 px tile (at most ~1450). The larger of the two rules is the estimate, and an image of unknown size
 * counts as the largest.
 */
const IMAGE_LONG_EDGE = 1568;
const IMAGE_MAX_PIXELS = 1_150_000;
const PIXELS_PER_IMAGE_TOKEN = 750;
const IMAGE_BASE_TOKENS = 85;
const IMAGE_MAX_TOKENS = 1600;

export class TokenCounter {
  readonly #charactersPerToken = new Map<string, number>();

  async count(entry: CatalogEntry, prompt: ChatPrompt): Promise<number> {
    if (entry.countTokens) {
      try {
        return await entry.countTokens(prompt);
      } catch {
        // A restarting engine cannot count; the estimate is good enough to decide on.
      }
    }
    return this.estimate(entry.info.id, prompt);
  }

  estimate(modelId: string, prompt: ChatPrompt): number {
    const perToken = this.#charactersPerToken.get(modelId) ?? DEFAULT_CHARACTERS_PER_TOKEN;
    return (
      Math.ceil(charactersOf(prompt) / perToken) + TOKENS_PER_MESSAGE * prompt.length + imageTokensOf(prompt)
    );
  }

  /** Learns from what the upstream reported for a prompt it was sent. */
  calibrate(modelId: string, prompt: ChatPrompt, inputTokens: number): void {
    const textTokens = inputTokens - TOKENS_PER_MESSAGE * prompt.length - imageTokensOf(prompt);
    if (textTokens <= 0) return;
    const observed = charactersOf(prompt) / textTokens;
    const previous = this.#charactersPerToken.get(modelId);
    this.#charactersPerToken.set(
      modelId,
      previous === undefined ? observed : previous + CALIBRATION_WEIGHT * (observed - previous),
    );
  }
}

/** What one image is likely to cost, by the rules above. */
export function imageTokens(image: Pick<ChatImage, "width" | "height">): number {
  const { width, height } = image;
  if (width === undefined || height === undefined || width <= 0 || height <= 0) return IMAGE_MAX_TOKENS;
  const scale = Math.min(
    1,
    IMAGE_LONG_EDGE / Math.max(width, height),
    Math.sqrt(IMAGE_MAX_PIXELS / (width * height)),
  );
  const pixels = Math.round(width * scale) * Math.round(height * scale);
  return Math.min(IMAGE_MAX_TOKENS, Math.max(IMAGE_BASE_TOKENS, Math.ceil(pixels / PIXELS_PER_IMAGE_TOKEN)));
}

function imageTokensOf(prompt: ChatPrompt): number {
  return prompt.reduce(
    (sum, message) => sum + (message.images ?? []).reduce((total, image) => total + imageTokens(image), 0),
    0,
  );
}

/** The text a model reads: each message's content, and the names and arguments of the tools it called. */
function charactersOf(prompt: ChatPrompt): number {
  return prompt.reduce((sum, message) => {
    let characters = sum + message.content.length;
    for (const call of message.toolCalls ?? []) characters += call.name.length + call.arguments.length;
    return characters;
  }, 0);
}

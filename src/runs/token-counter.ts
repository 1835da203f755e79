/**
 * Counts a prompt's tokens for a model: exactly where the model can say (Parley's engine tokenizes with the
 * model's own tokenizer and template), otherwise estimated from characters and calibrated by the usage each
 * upstream reports, so the estimate converges on that model's real tokenizer.
 */
import type { ChatPrompt } from "../providers/chat-model.js";
import type { CatalogEntry } from "./model-catalog.js";

/** Before any calibration: cautious, since modern tokenizers average 3.5-4 characters per English token. */
const DEFAULT_CHARACTERS_PER_TOKEN = 3;
/** Role markers and separators each message costs in chat templates. */
const TOKENS_PER_MESSAGE = 4;
/** How far one observation moves the calibration. */
const CALIBRATION_WEIGHT = 0.3;

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
    return Math.ceil(charactersOf(prompt) / perToken) + TOKENS_PER_MESSAGE * prompt.length;
  }

  /** Learns from what the upstream reported for a prompt it was sent. */
  calibrate(modelId: string, prompt: ChatPrompt, inputTokens: number): void {
    const textTokens = inputTokens - TOKENS_PER_MESSAGE * prompt.length;
    if (textTokens <= 0) return;
    const observed = charactersOf(prompt) / textTokens;
    const previous = this.#charactersPerToken.get(modelId);
    this.#charactersPerToken.set(
      modelId,
      previous === undefined ? observed : previous + CALIBRATION_WEIGHT * (observed - previous),
    );
  }
}

function charactersOf(prompt: ChatPrompt): number {
  return prompt.reduce((sum, message) => sum + message.content.length, 0);
}

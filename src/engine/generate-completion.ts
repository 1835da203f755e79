/** The token loop of one reply: evaluates the new prompt tokens, samples, detokenizes and stops. */
import type { LlamaModel, Token } from "node-llama-cpp";
import type { SequenceLease } from "./sequence-pool.js";
import { StopTextBuffer } from "./stop-text-buffer.js";

export type CompletionOptions = {
  /** Already limited to what fits in the sequence after the prompt. */
  maxTokens: number;
  /** 0 is greedy. */
  temperature: number;
  topP: number;
  seed?: number;
  stopTexts: readonly string[];
  stopTokenSequences: readonly Token[][];
  /** Checked after every token: generation ends within one token's time of the abort. */
  signal: AbortSignal;
  /** Called once per sampled token, for the engine's counters. */
  onToken?: () => void;
};

export type CompletionEnd = {
  finishReason: "stop" | "length";
  /** Sampled tokens, stop strings included, the end-of-generation token not. */
  completionTokens: number;
  aborted: boolean;
};

const unknownUnicodeCharacter = "\uFFFD";
/** Enough preceding tokens for detokenizers that decide on a leading space from context. */
const detokenizerTrailLength = 16;

/** Yields text deltas; returns how and after how many tokens the reply ended. */
export async function* generateCompletion(
  model: LlamaModel,
  lease: SequenceLease,
  promptTokens: readonly Token[],
  options: CompletionOptions,
): AsyncGenerator<string, CompletionEnd, void> {
  const stopBuffer = new StopTextBuffer(options.stopTexts);
  const trail: Token[] = promptTokens.slice(-detokenizerTrailLength);
  const generated: Token[] = [];
  let pending: Token[] = [];
  let finishReason: CompletionEnd["finishReason"] = "stop";
  let aborted = options.signal.aborted;
  if (aborted || options.maxTokens <= 0) {
    return { finishReason: aborted ? "stop" : "length", completionTokens: 0, aborted };
  }

  const tokens = lease.sequence.evaluate(promptTokens.slice(lease.reusedTokens), {
    temperature: options.temperature,
    topP: options.topP,
    seed: options.seed,
  });
  try {
    while (true) {
      const next = await tokens.next();
      if (next.done) break;
      const token = next.value;
      if (options.signal.aborted) {
        aborted = true;
        break;
      }
      if (model.isEogToken(token)) break;
      generated.push(token);
      options.onToken?.();
      const atLimit = generated.length >= options.maxTokens;
      if (endsWithAny(generated, options.stopTokenSequences)) break;

      pending.push(token);
      const text = model.detokenize(pending, false, trail);
      // A multi-byte character split over tokens detokenizes to U+FFFD until its last byte arrives.
      if (text.endsWith(unknownUnicodeCharacter) && !atLimit) continue;
      trail.push(...pending);
      if (trail.length > detokenizerTrailLength) trail.splice(0, trail.length - detokenizerTrailLength);
      pending = [];
      const checked = stopBuffer.push(text);
      if (checked.text !== "") yield checked.text;
      if (checked.stopped) break;
      if (atLimit) {
        finishReason = "length";
        break;
      }
    }
  } finally {
    await tokens.return();
  }
  if (!aborted) {
    const rest = stopBuffer.flush();
    if (rest !== "") yield rest;
  }
  return { finishReason, completionTokens: generated.length, aborted };
}

function endsWithAny(generated: readonly Token[], sequences: readonly Token[][]): boolean {
  return sequences.some(
    (sequence) =>
      sequence.length <= generated.length &&
      sequence.every((token, index) => generated[generated.length - sequence.length + index] === token),
  );
}

/**
 * OpenAI's `presence_penalty` and `frequency_penalty` in llama.cpp's terms: lower the logits of tokens the reply has
 * already used, by a flat amount once used (presence) or by the amount times each use (frequency). llama.cpp's own
 * multiplicative repeat penalty stays off, as OpenAI has none; the reply's own tokens are punished, never the
 * prompt's, as OpenAI's are.
 */
import type { LLamaContextualRepeatPenalty, LlamaContextSequenceRepeatPenalty, Token } from "node-llama-cpp";

export type TokenPenalties = { presencePenalty: number; frequencyPenalty: number };

/**
 * How far back the penalties look, in the reply's tokens: llama.cpp copies them for every token sampled, so a long
 * reply is punished for its recent repetitions (OpenAI's count the whole reply).
 */
const PUNISHED_TOKENS = 256;

function isOff({ presencePenalty, frequencyPenalty }: TokenPenalties): boolean {
  return presencePenalty === 0 && frequencyPenalty === 0;
}

/** For a sequence's own `evaluate` loop; undefined when both penalties are 0. */
export function sequencePenalty(
  penalties: TokenPenalties,
  generated: readonly Token[],
): LlamaContextSequenceRepeatPenalty | undefined {
  if (isOff(penalties)) return undefined;
  return {
    punishTokens: () => generated.slice(-PUNISHED_TOKENS),
    maxPunishTokens: PUNISHED_TOKENS,
    penalty: 1,
    ...penalties,
  };
}

/** For `LlamaChat`, which keeps the reply's tokens itself; false (off) when both penalties are 0. */
export function chatPenalty(penalties: TokenPenalties): LLamaContextualRepeatPenalty | false {
  if (isOff(penalties)) return false;
  return { lastTokens: PUNISHED_TOKENS, penalizeNewLine: true, penalty: 1, ...penalties };
}

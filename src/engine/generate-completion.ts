/** The token loop of one reply: evaluates the new prompt tokens, samples, detokenizes and stops. */
import type { LlamaModel, Token } from "node-llama-cpp";
import type { SequenceLease } from "./sequence-pool.js";
import { StopTextBuffer } from "./stop-text-buffer.js";
import { TokenTextDecoder } from "./token-text-decoder.js";

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

/** Yields text deltas; returns how and after how many tokens the reply ended. */
export async function* generateCompletion(
  model: LlamaModel,
  lease: SequenceLease,
  promptTokens: readonly Token[],
  options: CompletionOptions,
): AsyncGenerator<string, CompletionEnd, void> {
  const stopBuffer = new StopTextBuffer(options.stopTexts);
  const decoder = new TokenTextDecoder(model, promptTokens);
  const generated: Token[] = [];
  let finishReason: CompletionEnd["finishReason"] = "stop";
  let aborted = options.signal.aborted;
  /** Ended by a stop string or token: the text held back is part of it and is dropped. */
  let stopped = false;
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
      if (endsWithAny(generated, options.stopTokenSequences)) {
        stopped = true;
        break;
      }

      const checked = stopBuffer.push(decoder.push(token));
      if (checked.text !== "") yield checked.text;
      if (checked.stopped) {
        stopped = true;
        break;
      }
      if (atLimit) {
        finishReason = "length";
        break;
      }
    }
  } finally {
    await tokens.return();
  }
  if (!aborted && !stopped) {
    const checked = stopBuffer.push(decoder.flush());
    const rest = checked.stopped ? checked.text : checked.text + stopBuffer.flush();
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

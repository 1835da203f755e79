/** The token loop of one reply: evaluates the new prompt tokens, samples, detokenizes and stops. */
import { LlamaGrammarEvaluationState, type LlamaModel, type Token } from "node-llama-cpp";
import type { ResponseGrammar } from "./response-grammar-cache.js";
import type { SequenceLease } from "./sequence-pool.js";
import { StopTextBuffer } from "./stop-text-buffer.js";
import { sequencePenalty, type TokenPenalties } from "./token-penalties.js";
import { TokenTextDecoder } from "./token-text-decoder.js";
import { TrailingWhitespaceBuffer } from "./trailing-whitespace-buffer.js";

export type CompletionOptions = {
  /** Already limited to what fits in the sequence after the prompt. */
  maxTokens: number;
  /** 0 is greedy. */
  temperature: number;
  topP: number;
  /** Absent: llama.cpp's default (40). */
  topK?: number;
  seed?: number;
  /** OpenAI's penalties on tokens the reply already used (0 for none). */
  penalties: TokenPenalties;
  stopTexts: readonly string[];
  stopTokenSequences: readonly Token[][];
  /** Constrains sampling to what the grammar allows (JSON mode, structured outputs). */
  grammar?: ResponseGrammar;
  /** Checked after every token: generation ends within one token's time of the abort. */
  signal: AbortSignal;
  /** Called once per sampled token, for the engine's counters. */
  onToken?: () => void;
};

export type CompletionEnd = {
  /** "tool_calls" only for replies that called tools (see generate-tool-reply.ts). */
  finishReason: "stop" | "length" | "tool_calls";
  /** Sampled tokens, stop strings included, the end-of-generation token not. */
  completionTokens: number;
  aborted: boolean;
};

/** A piece of a reply that calls tools: a call begins (its name known), or a piece of its arguments' JSON text. */
export type ToolCallPart =
  | { type: "tool_call"; index: number; id: string; name: string }
  | { type: "tool_call.arguments"; index: number; text: string };

/** What a reply generator yields: text deltas, and the pieces of any tool calls after them. */
export type ReplyPart = string | ToolCallPart;

/** Yields text deltas; returns how and after how many tokens the reply ended. */
export async function* generateCompletion(
  model: LlamaModel,
  lease: SequenceLease,
  promptTokens: readonly Token[],
  options: CompletionOptions,
): AsyncGenerator<string, CompletionEnd, void> {
  const { grammar } = options;
  const stopBuffer = new StopTextBuffer([...options.stopTexts, ...(grammar?.stopTexts ?? [])]);
  const trailing = grammar?.trimWhitespaceSuffix ? new TrailingWhitespaceBuffer() : undefined;
  const sendable = (text: string) => trailing?.push(text) ?? text;
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
    ...(options.topK !== undefined && { topK: options.topK }),
    seed: options.seed,
    repeatPenalty: sequencePenalty(options.penalties, generated),
    // The state follows this reply's tokens through the grammar, so every reply needs its own.
    grammarEvaluationState: grammar && new LlamaGrammarEvaluationState({ model, grammar: grammar.grammar }),
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
      const text = sendable(checked.text);
      if (text !== "") yield text;
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
    let rest = sendable(checked.stopped ? checked.text : checked.text + stopBuffer.flush());
    // Whitespace after a complete value is the grammar's padding; in a value cut off by the limit it may be content.
    if (finishReason === "length" && !checked.stopped) rest += trailing?.flush() ?? "";
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

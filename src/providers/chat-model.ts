/** The one interface every model provider implements: a chat request in, a stream of tagged parts out. */
import type { FinishReason } from "../core/run-event.js";

export type ChatPrompt = readonly ChatPromptMessage[];

export type ChatPromptMessage = {
  role: "system" | "user" | "assistant";
  content: string;
};

export type ChatCallOptions = {
  prompt: ChatPrompt;
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: readonly string[];
  seed?: number;
  /** Aborting ends the upstream request; the stream then ends with a `finish` of reason `stopped`. */
  signal?: AbortSignal;
};

/**
 * The parts of a streamed reply, in order: any number of `text.delta`, at most one `usage`, then exactly one
 * `finish` or `error` as the last part. A stream that ends without either was cut and is not complete.
 */
export type ChatStreamPart =
  | { type: "text.delta"; text: string }
  | { type: "usage"; inputTokens: number; outputTokens: number; cachedInputTokens?: number }
  | { type: "finish"; reason: FinishReason }
  | { type: "error"; error: unknown };

export interface ChatModel {
  /** The provider's name for the model, as sent upstream. */
  readonly modelId: string;
  stream(options: ChatCallOptions): AsyncIterable<ChatStreamPart>;
}

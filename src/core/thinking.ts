/**
 * Extended thinking, as Anthropic's models give it: blocks of reasoning before the answer, each signed by the API so
 * that it can be sent back (as it must be within a turn of tool calls) and checked there. Parley passes them between
 * a client and an Anthropic model as they are; other models neither give nor read them.
 */

/** A block of the model's reasoning, or one the API redacted (its `data` is opaque, for the API alone to read). */
export type ThinkingBlock =
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "redacted_thinking"; data: string };

/** How a request asks the model to think: within a budget of tokens, or as much as it judges (adaptive). */
export type ThinkingConfig =
  | { type: "enabled"; budget_tokens: number }
  | { type: "adaptive"; display?: "summarized" | "omitted" };

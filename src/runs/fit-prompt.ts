/**
 * Fits a conversation into a model's context window by leaving out its oldest turns, never the system prompt
 * or the last message, and never silently: the caller learns how many were left out.
 */
import type { ChatPrompt, ChatPromptMessage } from "../providers/chat-model.js";
import { withoutOrphanToolResults } from "../providers/without-orphan-tool-results.js";

export type FittedPrompt = { prompt: ChatPrompt; promptTokens: number; trimmedMessages: number };

/**
 * `promptTokens`: the whole prompt's count, when the caller has it already (routing counted it to choose the
 * model): a count may be a call to an engine, made before the model is called.
 */
export async function fitPrompt(
  prompt: ChatPrompt,
  limitTokens: number,
  count: (prompt: ChatPrompt) => Promise<number>,
  promptTokensKnown?: number,
): Promise<FittedPrompt | null> {
  let kept: ChatPromptMessage[] = [...prompt];
  let promptTokens = promptTokensKnown ?? (await count(kept));
  while (promptTokens > limitTokens) {
    const shorter = withoutOldestTurn(kept);
    if (!shorter) return null;
    kept = shorter;
    promptTokens = await count(kept);
  }
  return { prompt: kept, promptTokens, trimmedMessages: prompt.length - kept.length };
}

/**
 * Drops the oldest message that is neither a system message nor the last; then whatever assistant reply it left
 * first, and the results of tool calls it took away.
 */
function withoutOldestTurn(prompt: ChatPromptMessage[]): ChatPromptMessage[] | null {
  const last = prompt.length - 1;
  const oldest = prompt.findIndex((message, index) => message.role !== "system" && index < last);
  if (oldest < 0) return null;
  const rest = prompt.filter((_, index) => index !== oldest);
  // A conversation must not open with the model speaking (Anthropic refuses it), nor with a tool's result, so an
  // orphaned reply goes too, with what followed it up to the next user message.
  for (;;) {
    const next = rest.findIndex((message, index) => message.role !== "system" && index < rest.length - 1);
    const role = next >= 0 ? rest[next]?.role : undefined;
    if (role !== "assistant" && role !== "tool") break;
    rest.splice(next, 1);
  }
  return [...withoutOrphanToolResults(rest)];
}

/**
 * Makes room in a prompt by leaving out the oldest turns of the conversation before it, never its instructions.
 */
import type { ChatPrompt } from "../providers/chat-model.js";
import { withoutOrphanToolResults } from "../providers/without-orphan-tool-results.js";

/**
 * The earlier turns, oldest left out first (never a system message), until the prompt `build` makes of them fits
 * `limit`; undefined when even none fit. A reply orphaned at the start goes too: some APIs refuse to open with one;
 * and so do the results of tool calls whose reply went (both APIs refuse a result that answers nothing).
 */
export async function fitHistory(
  earlier: ChatPrompt,
  build: (history: ChatPrompt) => ChatPrompt,
  limit: number,
  count: (prompt: ChatPrompt) => Promise<number>,
): Promise<{ history: ChatPrompt; prompt: ChatPrompt } | undefined> {
  const kept = [...earlier];
  for (;;) {
    const prompt = build(kept);
    if ((await count(prompt)) <= limit) return { history: kept, prompt };
    const oldest = kept.findIndex((message) => message.role !== "system");
    if (oldest < 0) return undefined;
    kept.splice(oldest, 1);
    if (kept[oldest]?.role === "assistant") kept.splice(oldest, 1);
    const answered = withoutOrphanToolResults(kept);
    if (answered !== kept) kept.splice(0, kept.length, ...answered);
  }
}

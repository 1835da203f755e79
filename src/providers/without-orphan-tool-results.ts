/**
 * A prompt trimmed to fit a window may have lost a reply that called tools while keeping the results of those calls:
 * both APIs refuse a tool result that answers no call before it, so such results go too.
 */
import type { ChatPrompt } from "./chat-model.js";

export function withoutOrphanToolResults(prompt: ChatPrompt): ChatPrompt {
  if (!prompt.some((message) => message.role === "tool")) return prompt;
  const called = new Set<string>();
  return prompt.filter((message) => {
    for (const call of message.toolCalls ?? []) called.add(call.id);
    return message.role !== "tool" || called.has(message.toolCallId ?? "");
  });
}

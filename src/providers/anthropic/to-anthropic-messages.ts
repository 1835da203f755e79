/** Turns Parley's chat prompt into the `system` and `messages` of an Anthropic Messages request. */
import type { MessageParam } from "@anthropic-ai/sdk/resources/messages";
import type { ChatPrompt } from "../chat-model.js";

export type AnthropicMessages = {
  system: string | undefined;
  messages: MessageParam[];
  /**
   * Whitespace cut from the end of a final assistant message (a prefill): the API refuses a prefill that ends in
   * whitespace, and the continuation then starts with the whitespace the caller already has.
   */
  trimmedPrefillWhitespace: string;
};

/**
 * System messages become the one top-level `system` prompt, wherever they stood. Consecutive turns of one role are
 * joined (the API wants user and assistant to alternate), and empty turns are dropped (the API refuses them).
 * Content is text only: ChatPromptMessage has no image parts yet; when it gains them, they become `image` blocks here.
 */
export function toAnthropicMessages(prompt: ChatPrompt): AnthropicMessages {
  const system = prompt
    .filter((message) => message.role === "system" && message.content !== "")
    .map((message) => message.content);
  const turns: { role: "user" | "assistant"; content: string }[] = [];
  for (const message of prompt) {
    if (message.role === "system" || message.content === "") continue;
    const previous = turns.at(-1);
    if (previous?.role === message.role) previous.content += `\n\n${message.content}`;
    else turns.push({ role: message.role, content: message.content });
  }
  let trimmedPrefillWhitespace = "";
  const last = turns.at(-1);
  if (last?.role === "assistant") {
    const trimmed = last.content.trimEnd();
    trimmedPrefillWhitespace = last.content.slice(trimmed.length);
    if (trimmed === "") turns.pop();
    else last.content = trimmed;
  }
  return {
    system: system.length > 0 ? system.join("\n\n") : undefined,
    messages: turns.map((turn) => ({ role: turn.role, content: turn.content })),
    trimmedPrefillWhitespace: turns.at(-1)?.role === "assistant" ? trimmedPrefillWhitespace : "",
  };
}

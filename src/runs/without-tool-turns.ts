/**
 * A prompt whose earlier turns called tools, for a request that offers none (a conversation with tools continued in
 * the web app, or a client's last turn sent without its tools): the calls and their results become text. Servers
 * refuse tool turns without tool definitions (Anthropic's does), and a model that cannot call tools cannot read
 * them; as text, every model sees what was called and what came back.
 */
import type { ChatPrompt, ChatPromptMessage } from "../providers/chat-model.js";

export function hasToolTurns(prompt: ChatPrompt): boolean {
  return prompt.some((message) => message.role === "tool" || (message.toolCalls?.length ?? 0) > 0);
}

export function withoutToolTurns(prompt: ChatPrompt): ChatPrompt {
  if (!hasToolTurns(prompt)) return prompt;
  const names = new Map<string, string>();
  for (const message of prompt) for (const call of message.toolCalls ?? []) names.set(call.id, call.name);
  return prompt.map((message): ChatPromptMessage => {
    if (message.role === "tool") {
      const name = message.toolCallId === undefined ? undefined : names.get(message.toolCallId);
      const what = name === undefined ? "a tool" : `the tool ${name}`;
      return {
        role: "user",
        content: `${message.isError ? `Error from ${what}` : `Result from ${what}`}:\n${message.content}`,
      };
    }
    if (!message.toolCalls?.length) return message;
    const { toolCalls, ...rest } = message;
    const calls = toolCalls.map((call) => `Called the tool ${call.name} with ${call.arguments || "{}"}`);
    return { ...rest, content: [message.content, ...calls].filter((part) => part !== "").join("\n\n") };
  });
}

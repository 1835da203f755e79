/** Parley's chat prompt in the OpenAI Chat Completions wire shape. */
import type { ChatPrompt } from "../chat-model.js";

export type OpenAIWireMessage = { role: "system" | "user" | "assistant"; content: string };

export function toOpenAIMessages(prompt: ChatPrompt): OpenAIWireMessage[] {
  return prompt.map((message) => ({ role: message.role, content: message.content }));
}

/** Parley's chat prompt in the OpenAI Chat Completions wire shape. */
import type { ChatPrompt, ChatPromptMessage } from "../chat-model.js";

export type OpenAIContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string } };

export type OpenAIWireMessage =
  | { role: "system" | "assistant"; content: string }
  | { role: "user"; content: string | OpenAIContentPart[] };

/**
 * A message without images keeps its content a plain string, which every OpenAI-compatible server (and
 * Parley's own engine) takes. One with images becomes content parts: the images first, as data URLs, then
 * the text, the order vision models are documented to read best.
 */
export function toOpenAIMessages(prompt: ChatPrompt): OpenAIWireMessage[] {
  return prompt.map(toOpenAIMessage);
}

function toOpenAIMessage(message: ChatPromptMessage): OpenAIWireMessage {
  if (message.role !== "user" || !message.images?.length) {
    return { role: message.role, content: message.content };
  }
  return {
    role: "user",
    content: [
      ...message.images.map(
        (image): OpenAIContentPart => ({
          type: "image_url",
          image_url: { url: `data:${image.mediaType};base64,${image.data}` },
        }),
      ),
      ...(message.content === "" ? [] : [{ type: "text" as const, text: message.content }]),
    ],
  };
}

/** Parley's chat prompt in the OpenAI Chat Completions wire shape. */
import type { ChatPrompt, ChatPromptMessage } from "../chat-model.js";

export type OpenAIContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string } };

export type OpenAIWireToolCall = {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
};

export type OpenAIWireMessage =
  | { role: "system" | "user" | "assistant"; content: string }
  | { role: "user"; content: OpenAIContentPart[] }
  | { role: "assistant"; content: string | null; tool_calls: OpenAIWireToolCall[] }
  /** `tool_call_id` is left out only when the prompt had none: the upstream's refusal then names the field. */
  | { role: "tool"; tool_call_id?: string; content: string };

/**
 * A message without images keeps its content a plain string, which every OpenAI-compatible server (and
 * Parley's own engine) takes. One with images becomes content parts: the images first, as data URLs, then
 * the text, the order vision models are documented to read best.
 */
export function toOpenAIMessages(prompt: ChatPrompt): OpenAIWireMessage[] {
  return prompt.map(toOpenAIMessage);
}

function toOpenAIMessage(message: ChatPromptMessage): OpenAIWireMessage {
  if (message.role === "tool") {
    // OpenAI has no field for a failed call (Anthropic's `is_error`): the content says how it failed.
    return { role: "tool", tool_call_id: message.toolCallId, content: message.content };
  }
  if (message.role === "assistant" && message.toolCalls?.length) {
    return {
      role: "assistant",
      // Null rather than "" for a reply that only called tools: the API's own shape for one, and some servers'
      // chat templates would otherwise render an empty text turn before the calls.
      content: message.content === "" ? null : message.content,
      tool_calls: message.toolCalls.map((call) => ({
        id: call.id,
        type: "function",
        function: { name: call.name, arguments: call.arguments },
      })),
    };
  }
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

/** What a prompt's images ask of the model that reads it, and the prompt for a model that cannot see them. */
import type { ChatPrompt, ChatPromptMessage } from "../providers/chat-model.js";

export function hasImages(prompt: ChatPrompt | readonly ChatPromptMessage[]): boolean {
  return prompt.some((message) => (message.images?.length ?? 0) > 0);
}

/**
 * The prompt without its images, each message saying how many it had: a text-only model then knows there was
 * something it cannot see, rather than answering about a picture as if there were none.
 */
export function withoutImages(prompt: ChatPrompt): ChatPrompt {
  return prompt.map(({ images, ...message }) => {
    if (!images?.length) return message;
    const note = `[${images.length === 1 ? "An image was" : `${images.length} images were`} attached here, which this model cannot see.]`;
    return { ...message, content: message.content === "" ? note : `${message.content}\n\n${note}` };
  });
}

/** The prompt of a conversation turn: the thread up to the user message, as the model sees it. */
import type { Message } from "../core/message.js";
import { threadTo } from "../core/message-thread.js";
import type { ParleyStore, StoredFile } from "../core/parley-store.js";
import type { FileService } from "../files/file-service.js";
import type { ChatPrompt, ChatPromptMessage } from "../providers/chat-model.js";

export type ConversationPromptConfig = {
  store: ParleyStore;
  files: FileService;
};

/**
 * Each message of the thread with the images of the files it carries, and its tool calls; empty replies (failed
 * before any text or call) are left out. `newFiles` are those of the user message when it is new, not yet stored.
 */
export async function conversationPrompt(
  config: ConversationPromptConfig,
  conversationId: string,
  messages: readonly Message[],
  userMessageId: string,
  newFiles: readonly StoredFile[] = [],
): Promise<ChatPrompt> {
  const attached = await config.store.files.listAttached(conversationId);
  if (newFiles.length > 0) attached.set(userMessageId, [...newFiles]);
  const thread = threadTo(messages, userMessageId);
  const prompt: ChatPromptMessage[] = [];
  for (const message of thread) {
    const files = attached.get(message.id) ?? [];
    if (message.content === "" && files.length === 0 && !message.toolCalls?.length) continue;
    const images = files.length > 0 ? await config.files.promptImages(files) : [];
    prompt.push({
      role: message.role,
      content: message.content,
      ...(images.length > 0 && { images }),
      // Kept as they were: routing turns them into text for a request that offers no tools.
      ...(message.toolCalls?.length && { toolCalls: message.toolCalls }),
      ...(message.toolCallId !== undefined && { toolCallId: message.toolCallId }),
    });
  }
  return prompt;
}

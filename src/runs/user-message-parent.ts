/** Where a new user message hangs in a conversation's tree. */
import { BadRequestError } from "../core/app-error.js";
import type { Message } from "../core/message.js";

/**
 * `parentId` as the request gave it: undefined takes the newest message of the conversation, null makes a new root
 * (an edit of the first message), and any other must be a message of the conversation.
 */
export function userMessageParent(
  messages: readonly Message[],
  conversationId: string,
  parentId: string | null | undefined,
): string | null {
  if (parentId === undefined) return messages.at(-1)?.id ?? null;
  if (parentId === null) return null;
  if (!messages.some((message) => message.id === parentId)) {
    throw new BadRequestError(
      `parentId ${JSON.stringify(parentId)} is not a message of conversation ${conversationId}.`,
      { code: "invalid_parent" },
    );
  }
  return parentId;
}

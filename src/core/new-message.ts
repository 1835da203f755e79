/** A message of a conversation as it is first written: complete, with no model, run or usage of its own. */
import { newId } from "./ids.js";
import type { Message } from "./message.js";

export function newMessage(
  conversationId: string,
  parentId: string | null,
  role: Message["role"],
  content: string,
  now: number,
  id: string = newId("msg"),
): Message {
  return {
    id,
    conversationId,
    parentId,
    role,
    content,
    status: "complete",
    model: null,
    runId: null,
    finishReason: null,
    usage: null,
    timings: null,
    error: null,
    createdAt: now,
    updatedAt: now,
  };
}

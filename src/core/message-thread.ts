/** Walks a conversation's message tree: the thread from the root to one message, and each message's children. */
import type { Message } from "./message.js";

/** The messages from the root down to `messageId`, oldest first; empty when the id is not in the list. */
export function threadTo(messages: readonly Message[], messageId: string): Message[] {
  const byId = new Map(messages.map((message) => [message.id, message]));
  const thread: Message[] = [];
  const seen = new Set<string>();
  let current = byId.get(messageId);
  while (current && !seen.has(current.id)) {
    seen.add(current.id);
    thread.push(current);
    current = current.parentId === null ? undefined : byId.get(current.parentId);
  }
  return thread.reverse();
}

/** The ids of each message's children, in the order they were written. */
export function childrenOf(messages: readonly Message[]): Map<string, string[]> {
  const children = new Map<string, string[]>();
  for (const message of messages) {
    if (message.parentId === null) continue;
    const siblings = children.get(message.parentId);
    if (siblings) siblings.push(message.id);
    else children.set(message.parentId, [message.id]);
  }
  return children;
}

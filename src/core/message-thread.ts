/**
 * Walks a conversation's message tree: the thread from the root to one message, each message's children, and what
 * deleting one exchange of it removes.
 */
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

/**
 * What deleting the reply `replyId` and its exchange removes: the reply, then each message above it that nothing
 * else would follow, up to the reply a run wrote before it (the exchange before, which stays), or the root. A
 * message another branch goes on from stays, with everything above it. Undefined when a message follows the reply
 * itself: later turns would lose their way to the root.
 */
export function exchangeToDelete(messages: readonly Message[], replyId: string): string[] | undefined {
  const children = childrenOf(messages);
  if (children.has(replyId)) return undefined;
  const thread = threadTo(messages, replyId);
  const deleted = [replyId];
  for (let index = thread.length - 2; index >= 0; index--) {
    const message = thread[index] as Message;
    const wroteReply = message.role === "assistant" && message.runId !== null;
    if (wroteReply || (children.get(message.id) ?? []).length > 1) break;
    deleted.push(message.id);
  }
  return deleted;
}

/** Sorts conversations into Today, Yesterday, Previous 7 days and Older by when they last changed. */
import type { Conversation } from "../../../src/core/conversation.js";

export type ConversationGroupName = "today" | "yesterday" | "previous7Days" | "older";

export type ConversationGroup = { name: ConversationGroupName; conversations: Conversation[] };

const DAY_MS = 24 * 60 * 60 * 1000;

export function groupConversations(
  conversations: readonly Conversation[],
  now = new Date(),
): ConversationGroup[] {
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const boundaries: [ConversationGroupName, number][] = [
    ["today", startOfToday],
    ["yesterday", startOfToday - DAY_MS],
    ["previous7Days", startOfToday - 7 * DAY_MS],
    ["older", Number.NEGATIVE_INFINITY],
  ];
  const groups = new Map<ConversationGroupName, Conversation[]>(boundaries.map(([name]) => [name, []]));
  const newestFirst = [...conversations].sort((a, b) => b.updatedAt - a.updatedAt);
  for (const conversation of newestFirst) {
    const [name] = boundaries.find(([, since]) => conversation.updatedAt >= since) ?? ["older"];
    groups.get(name)?.push(conversation);
  }
  return boundaries
    .map(([name]) => ({ name, conversations: groups.get(name) ?? [] }))
    .filter((group) => group.conversations.length > 0);
}

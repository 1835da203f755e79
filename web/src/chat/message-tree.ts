/** A conversation's messages as a tree, and the one thread through it that the page shows. */
import type { TreeMessage } from "../api/parley-api.js";

export type MessageTree = {
  readonly messages: Readonly<Record<string, TreeMessage>>;
  /** Messages without a parent, oldest first: editing the first message adds a root. */
  readonly rootIds: readonly string[];
};

/** For each parent (or ROOT for the roots), the child the user chose; the newest child when none was chosen. */
export type BranchSelection = Readonly<Record<string, string>>;

export const ROOT = "";

export const EMPTY_TREE: MessageTree = { messages: {}, rootIds: [] };

export function treeFrom(messages: readonly TreeMessage[]): MessageTree {
  const byId: Record<string, TreeMessage> = {};
  const rootIds: string[] = [];
  for (const message of messages) {
    byId[message.id] = message;
    if (message.parentId === null) rootIds.push(message.id);
  }
  return { messages: byId, rootIds };
}

export function parentKey(message: Pick<TreeMessage, "parentId">): string {
  return message.parentId ?? ROOT;
}

export function siblingIds(tree: MessageTree, message: Pick<TreeMessage, "parentId">): readonly string[] {
  if (message.parentId === null) return tree.rootIds;
  return tree.messages[message.parentId]?.children ?? [];
}

export function visibleThread(tree: MessageTree, selection: BranchSelection): TreeMessage[] {
  const thread: TreeMessage[] = [];
  let choices = tree.rootIds;
  let key = ROOT;
  const seen = new Set<string>();
  while (choices.length > 0) {
    const chosen = selection[key];
    const id = chosen !== undefined && choices.includes(chosen) ? chosen : choices.at(-1);
    const message = id === undefined ? undefined : tree.messages[id];
    if (!message || seen.has(message.id)) break;
    seen.add(message.id);
    thread.push(message);
    choices = message.children;
    key = message.id;
  }
  return thread;
}

export function addMessage(tree: MessageTree, message: TreeMessage): MessageTree {
  const messages = { ...tree.messages, [message.id]: message };
  if (message.parentId === null) return { messages, rootIds: [...tree.rootIds, message.id] };
  const parent = messages[message.parentId];
  if (parent) messages[parent.id] = { ...parent, children: [...parent.children, message.id] };
  return { messages, rootIds: tree.rootIds };
}

export function updateMessage(tree: MessageTree, id: string, patch: Partial<TreeMessage>): MessageTree {
  const message = tree.messages[id];
  if (!message) return tree;
  return { ...tree, messages: { ...tree.messages, [id]: { ...message, ...patch } } };
}

/** Gives a message the id the server chose for it, everywhere the tree refers to it. */
export function renameMessage(tree: MessageTree, fromId: string, toId: string): MessageTree {
  const message = tree.messages[fromId];
  if (!message || fromId === toId) return tree;
  if (tree.messages[toId]) return removeMessage(tree, fromId);
  const messages: Record<string, TreeMessage> = {};
  for (const [id, current] of Object.entries(tree.messages)) {
    if (id === fromId) continue;
    let next = current;
    if (current.children.includes(fromId)) {
      next = { ...next, children: current.children.map((child) => (child === fromId ? toId : child)) };
    }
    if (current.parentId === fromId) next = { ...next, parentId: toId };
    messages[id] = next;
  }
  messages[toId] = { ...message, id: toId };
  return { messages, rootIds: tree.rootIds.map((id) => (id === fromId ? toId : id)) };
}

/** Removes a message that was never stored (its POST failed), with anything hung under it. */
export function removeMessage(tree: MessageTree, id: string): MessageTree {
  const message = tree.messages[id];
  if (!message) return tree;
  let result: MessageTree = tree;
  for (const child of message.children) result = removeMessage(result, child);
  const messages = { ...result.messages };
  delete messages[id];
  const parent = message.parentId === null ? undefined : messages[message.parentId];
  if (parent) messages[parent.id] = { ...parent, children: parent.children.filter((child) => child !== id) };
  return { messages, rootIds: result.rootIds.filter((root) => root !== id) };
}

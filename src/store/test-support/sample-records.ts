/** Sample conversations, messages and runs for tests, with fresh ids; each field can be overridden. */
import type { Conversation } from "../../core/conversation.js";
import { newId } from "../../core/ids.js";
import type { Message } from "../../core/message.js";
import { newMessage } from "../../core/new-message.js";
import type { Run } from "../../core/run.js";

export function sampleConversation(overrides: Partial<Conversation> = {}): Conversation {
  const now = Date.now();
  return {
    id: newId("conv"),
    userId: "local",
    title: "A conversation",
    botId: null,
    botVersion: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

export function sampleMessage(conversationId: string, overrides: Partial<Message> = {}): Message {
  return { ...newMessage(conversationId, null, "user", "Hello", Date.now()), ...overrides };
}

export function sampleRun(conversationId: string, overrides: Partial<Run> = {}): Run {
  return {
    id: newId("run"),
    userId: "local",
    conversationId,
    userMessageId: newId("msg"),
    assistantMessageId: newId("msg"),
    model: "tiny",
    status: "running",
    createdAt: Date.now(),
    endedAt: null,
    ...overrides,
  };
}

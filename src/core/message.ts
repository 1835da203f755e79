/** A message in a conversation's tree; an assistant message is written by exactly one run. */
import type { FinishReason, Timings, Usage } from "./run-event.js";

export type MessageRole = "system" | "user" | "assistant";

/**
 * `streaming` while its run goes on; `complete` when the model finished; `stopped` when a user stopped it;
 * `incomplete` when the reply was cut (an error); `interrupted` when the server died under it.
 */
export type MessageStatus = "complete" | "streaming" | "stopped" | "incomplete" | "interrupted";

export type Message = {
  id: string;
  conversationId: string;
  parentId: string | null;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  model: string | null;
  runId: string | null;
  finishReason: FinishReason | null;
  usage: Usage | null;
  timings: Timings | null;
  error: { code: string; message: string } | null;
  createdAt: number;
  updatedAt: number;
};

/** The fields a run may change on its assistant message. */
export type MessagePatch = Partial<
  Pick<Message, "content" | "status" | "model" | "finishReason" | "usage" | "timings" | "error" | "updatedAt">
>;

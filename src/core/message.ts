/** A message in a conversation's tree; an assistant message is written by exactly one run. */
import type { Citation } from "./citation-check.js";
import type { FinishReason, Timings, Usage } from "./run-event.js";
import type { ToolCall } from "./tool-call.js";

/** `tool`: a tool's result, as the client that ran it sent it back (see tool-call.ts). */
export type MessageRole = "system" | "user" | "assistant" | "tool";

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
  /**
   * A bot's reply from its knowledge: the citations its run sent (each checked against its source), in the order
   * the reply first cites them. Absent for any other message.
   */
  citations?: Citation[];
  /** The tools an assistant message called, in order (its `content` is any text it wrote before them). */
  toolCalls?: ToolCall[];
  /** For a `tool` message: the call it answers. */
  toolCallId?: string;
  createdAt: number;
  updatedAt: number;
};

/**
 * A file a user message carries (an image, for now): what the uploader called it and what its bytes are.
 * Stored apart from the message (a file can be attached to several messages), and listed with it.
 */
export type Attachment = {
  id: string;
  /** The name it was uploaded with; only for showing. */
  name: string;
  /** Judged from the bytes, never taken from the upload's name or declared type. */
  mediaType: string;
  bytes: number;
  /** Pixels, read from the image's header. */
  width?: number;
  height?: number;
};

/** The fields a run may change on its assistant message. */
export type MessagePatch = Partial<
  Pick<
    Message,
    | "content"
    | "status"
    | "model"
    | "finishReason"
    | "usage"
    | "timings"
    | "error"
    | "citations"
    | "toolCalls"
    | "updatedAt"
  >
>;

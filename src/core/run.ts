/** A run: one generation of an assistant message, owned by the server, with a replayable event log. */

export type RunStatus = "running" | "completed" | "stopped" | "failed" | "interrupted";

export type Run = {
  id: string;
  /** The owner, as of its conversation; kept on the run so an unstored exchange is guarded too. */
  userId: string;
  conversationId: string;
  userMessageId: string;
  assistantMessageId: string;
  model: string;
  status: RunStatus;
  createdAt: number;
  endedAt: number | null;
};

export type RunPatch = Partial<Pick<Run, "status" | "endedAt">>;

/**
 * A run with the server instance writing it, as crash recovery sees it; null for a run stored before instances
 * were recorded. Kept apart from `Run`, which clients are shown: which process writes a reply is no concern of theirs.
 */
export type OwnedRun = Run & { instanceId: string | null };

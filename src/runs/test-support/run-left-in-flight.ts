/** Test support: a run as a server that died mid-reply leaves it: running, its reply streaming, its events logged. */
import type { ParleyStore, StoredRunEvent } from "../../core/parley-store.js";
import type { Run } from "../../core/run.js";
import type { RunEvent, RunEventDataMap } from "../../core/run-event.js";
import { sampleConversation, sampleMessage, sampleRun } from "../../store/test-support/sample-records.js";

/** `instanceId`: the server the run is listed as written by; none (a plain run) if not given. */
export async function runLeftInFlight(
  store: ParleyStore,
  events: readonly RunEvent[],
  instanceId?: string,
): Promise<{ run: Run; assistantId: string }> {
  const conversation = sampleConversation();
  await store.conversations.create(conversation);
  const user = sampleMessage(conversation.id, { role: "user" });
  const assistant = sampleMessage(conversation.id, {
    role: "assistant",
    parentId: user.id,
    content: "",
    status: "streaming",
  });
  await store.messages.create(user);
  await store.messages.create(assistant);
  const run = sampleRun(conversation.id, { userMessageId: user.id, assistantMessageId: assistant.id });
  await store.runs.create(run, instanceId);
  await store.runEvents.append(events.map((event): StoredRunEvent => ({ ...event, runId: run.id })));
  return { run, assistantId: assistant.id };
}

/** A run's first event, as every run's log opens (its ids are the log's own: recovery reads the stored run's). */
export function runStartEvent(model: string): RunEvent {
  return {
    id: 1,
    event: "run.start",
    data: {
      runId: "run_x",
      conversationId: "conv_x",
      userMessageId: "msg_u",
      assistantMessageId: "msg_a",
      model,
    },
  };
}

/** A run's end with some usage and timings: what a run that ended, but whose outcome was not written, logged last. */
export function runEndEvent(
  id: number,
  data: Pick<RunEventDataMap["run.end"], "finishReason" | "model" | "citations">,
): RunEvent {
  return {
    id,
    event: "run.end",
    data: {
      usage: { inputTokens: 3, outputTokens: 5 },
      timings: { ttftMs: 1, tokensPerSecond: null },
      ...data,
    },
  };
}

/** Test support: a run as a server that died mid-reply leaves it: running, its reply streaming, its events logged. */
import type { ParleyStore, StoredRunEvent } from "../../core/parley-store.js";
import type { Run } from "../../core/run.js";
import type { RunEvent } from "../../core/run-event.js";
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

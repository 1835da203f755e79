import { describe, expect, it } from "vitest";
import type { RunEvent } from "../core/run-event.js";
import { useTemporaryStores } from "../store/test-support/use-temporary-stores.js";
import { recoverRun } from "./recover-run.js";
import { runEndEvent, runLeftInFlight, runStartEvent } from "./test-support/run-left-in-flight.js";

const stores = useTemporaryStores();

const startAndCall: RunEvent[] = [
  runStartEvent("gpt"),
  { id: 2, event: "text.delta", data: { text: "Let me check." } },
  { id: 3, event: "tool_call.start", data: { index: 0, id: "call_1", name: "get_weather" } },
  { id: 4, event: "tool_call.delta", data: { index: 0, arguments: '{"city":' } },
  { id: 5, event: "tool_call.delta", data: { index: 0, arguments: '"Paris"}' } },
];

describe("recovering a run that called tools", () => {
  it("keeps the calls its event log holds with the interrupted reply, as far as they were written", async () => {
    const store = await stores.open();
    const { run, assistantId } = await runLeftInFlight(store, startAndCall);
    await recoverRun(store, run, "inst_test");
    expect(await store.messages.get(assistantId)).toMatchObject({
      status: "interrupted",
      content: "Let me check.",
      toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' }],
    });
  });

  it("keeps them, with finish reason tool_calls, when the run had ended but its outcome was not yet written", async () => {
    const store = await stores.open();
    const { run, assistantId } = await runLeftInFlight(store, [
      ...startAndCall,
      runEndEvent(6, { finishReason: "tool_calls", model: "gpt" }),
    ]);
    await recoverRun(store, run, "inst_test");
    expect(await store.messages.get(assistantId)).toMatchObject({
      status: "complete",
      finishReason: "tool_calls",
      toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' }],
    });
  });
});

import { describe, expect, it } from "vitest";
import type { RunEvent } from "../core/run-event.js";
import { useTemporaryStores } from "../store/test-support/use-temporary-stores.js";
import { recoverRun } from "./recover-run.js";
import { runEndEvent, runLeftInFlight, runStartEvent } from "./test-support/run-left-in-flight.js";

const stores = useTemporaryStores();

const citation = {
  documentId: "doc_1",
  title: "Guide",
  start: 27,
  end: 45,
  citedText: "Timers fire later.",
  marker: "S1",
};

const startAndCite: RunEvent[] = [
  runStartEvent("tiny"),
  { id: 2, event: "text.delta", data: { text: "Timers fire later [S1]." } },
  { id: 3, event: "citation", data: citation },
];

describe("recovering a run a dead server left in flight", () => {
  it("keeps the citations its event log holds with the interrupted reply", async () => {
    const store = await stores.open();
    const { run, assistantId } = await runLeftInFlight(store, startAndCite);
    await recoverRun(store, run, "inst_test");
    expect(await store.messages.get(assistantId)).toMatchObject({
      status: "interrupted",
      content: "Timers fire later [S1].",
      citations: [citation],
    });
  });

  it("keeps them when the run had ended but its outcome was not yet written", async () => {
    const store = await stores.open();
    const { run, assistantId } = await runLeftInFlight(store, [
      ...startAndCite,
      runEndEvent(4, { finishReason: "stop", model: "tiny", citations: { sent: 1, dropped: 0 } }),
    ]);
    await recoverRun(store, run, "inst_test");
    expect(await store.messages.get(assistantId)).toMatchObject({
      status: "complete",
      citations: [citation],
    });
  });
});

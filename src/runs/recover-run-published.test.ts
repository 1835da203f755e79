import { describe, expect, it } from "vitest";
import type { RunEvent } from "../core/run-event.js";
import { useTemporaryStores } from "../store/test-support/use-temporary-stores.js";
import { recoverRun } from "./recover-run.js";
import { runLeftInFlight } from "./test-support/run-left-in-flight.js";

const stores = useTemporaryStores();

const delta = (id: number, text: string): RunEvent => ({ id, event: "text.delta", data: { text } });

describe("recovering a run whose server had published more than it stored", () => {
  it("keeps the text only the other servers' readers had seen, and closes after the last id they saw", async () => {
    const store = await stores.open();
    const stored = [delta(1, "Hello"), delta(2, " from")];
    const { run, assistantId } = await runLeftInFlight(store, stored);

    // Redis held the stored two and two more the server published before it died.
    const published = [...stored, delta(3, " the"), delta(4, " stream")];
    expect(await recoverRun(store, run, "inst_recovering", published)).toBe(true);

    expect(await store.messages.get(assistantId)).toMatchObject({
      status: "interrupted",
      content: "Hello from the stream",
    });
    const events = await store.runEvents.listAfter(run.id, 0);
    expect(events.map((event) => [event.id, event.event])).toEqual([
      [1, "text.delta"],
      [2, "text.delta"],
      [3, "text.delta"],
      [4, "text.delta"],
      [5, "run.error"],
    ]);
  });
});

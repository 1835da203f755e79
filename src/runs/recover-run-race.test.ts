import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runTogether } from "../../test/support/child-processes.js";
import type { RunEvent } from "../core/run-event.js";
import { storeDialects, useTemporaryStores } from "../store/test-support/use-temporary-stores.js";
import { INTERRUPTED_MESSAGE } from "./recover-run.js";
import { runLeftInFlight } from "./test-support/run-left-in-flight.js";

const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
const recoverScript = fileURLToPath(new URL("./test-support/recover-when-told.ts", import.meta.url));

const RECOVERERS = 4;

describe.each(storeDialects)("instances recovering the same orphaned run at once on %s", (dialect) => {
  const stores = useTemporaryStores(dialect);

  it("lets exactly one of them end it: one run.error, the reply interrupted with its text, the run theirs", async () => {
    const location = await stores.newDatabase();
    const store = await stores.open(location);
    // Its instance died and is forgotten, so the run is orphaned for every recoverer whatever the clock says.
    const { run, assistantId } = await runLeftInFlight(
      store,
      ["Half ", "a reply"].map(
        (text, index): RunEvent => ({ id: index + 1, event: "text.delta", data: { text } }),
      ),
      "inst_dead",
    );

    const outputs = await runTogether(
      recoverScript,
      Array.from({ length: RECOVERERS }, (_, index) => [location, run.id, `inst_${index}`]),
      projectRoot,
    );
    const answers = outputs.map((output) => output.replace("ready\n", "").trim());

    expect(answers.filter((answer) => answer === "recovered")).toHaveLength(1);
    expect(answers.filter((answer) => answer === "taken")).toHaveLength(RECOVERERS - 1);
    const winner = `inst_${answers.indexOf("recovered")}`;
    const [row] = await stores.query(location, "select status, instance_id from runs where id = ?", [run.id]);
    expect(row).toEqual({ status: "interrupted", instance_id: winner });
    expect(await store.messages.get(assistantId)).toMatchObject({
      status: "interrupted",
      content: "Half a reply",
      error: { code: "interrupted", message: INTERRUPTED_MESSAGE },
    });
    const events = await store.runEvents.listAfter(run.id, 0);
    expect(events.map((event) => [event.id, event.event])).toEqual([
      [1, "text.delta"],
      [2, "text.delta"],
      [3, "run.error"],
    ]);
  });
});

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { lineFrom, outputOf } from "../../test/support/child-processes.js";
import type { StoredRunEvent } from "../core/parley-store.js";
import { sampleConversation, sampleMessage, sampleRun } from "../store/test-support/sample-records.js";
import { storeDialects, useTemporaryStores } from "../store/test-support/use-temporary-stores.js";
import { INTERRUPTED_MESSAGE } from "./recover-run.js";

const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
const recoverScript = fileURLToPath(new URL("./test-support/recover-when-told.ts", import.meta.url));

const RECOVERERS = 4;

describe.each(storeDialects)("instances recovering the same orphaned run at once on %s", (dialect) => {
  const stores = useTemporaryStores(dialect);

  it("lets exactly one of them end it: one run.error, the reply interrupted with its text, the run theirs", async () => {
    const location = await stores.newDatabase();
    const store = await stores.open(location);
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    const user = sampleMessage(conversation.id);
    const reply = sampleMessage(conversation.id, {
      role: "assistant",
      parentId: user.id,
      content: "",
      status: "streaming",
    });
    await store.messages.create(user);
    await store.messages.create(reply);
    const run = sampleRun(conversation.id, { userMessageId: user.id, assistantMessageId: reply.id });
    // Its instance died and is forgotten, so the run is orphaned for every recoverer whatever the clock says.
    await store.runs.create(run, "inst_dead");
    await store.runEvents.append(
      ["Half ", "a reply"].map(
        (text, index): StoredRunEvent => ({
          runId: run.id,
          id: index + 1,
          event: "text.delta",
          data: { text },
        }),
      ),
    );

    const children = Array.from({ length: RECOVERERS }, (_, index) =>
      spawn(process.execPath, ["--import", "tsx", recoverScript, location, run.id, `inst_${index}`], {
        cwd: projectRoot,
        stdio: ["pipe", "pipe", "inherit"],
      }),
    );
    const outputs = children.map(outputOf);
    try {
      await Promise.all(children.map((child) => lineFrom(child, "ready")));
    } finally {
      for (const child of children) child.stdin?.end("go\n");
    }
    const answers = (await Promise.all(outputs)).map((output) => output.replace("ready\n", "").trim());

    expect(answers.filter((answer) => answer === "recovered")).toHaveLength(1);
    expect(answers.filter((answer) => answer === "taken")).toHaveLength(RECOVERERS - 1);
    const winner = `inst_${answers.indexOf("recovered")}`;
    const [row] = await stores.query(location, "select status, instance_id from runs where id = ?", [run.id]);
    expect(row).toEqual({ status: "interrupted", instance_id: winner });
    expect(await store.messages.get(reply.id)).toMatchObject({
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

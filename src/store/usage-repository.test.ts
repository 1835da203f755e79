import { describe, expect, it } from "vitest";
import { sampleConversation, sampleMessage } from "./test-support/sample-records.js";
import { storeDialects, useTemporaryStores } from "./test-support/use-temporary-stores.js";

const DAY = 86_400_000;
const day1 = Date.UTC(2026, 10, 27, 10);
const day2 = Date.UTC(2026, 10, 28, 23, 59);

describe.each(storeDialects)("usage totals on %s", (dialect) => {
  const stores = useTemporaryStores(dialect);

  it("sums assistant replies by UTC day and model, with exact cost, leaving out user messages and other days", async () => {
    const store = await stores.open();
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    const reply = (
      model: string,
      createdAt: number,
      inputTokens: number,
      outputTokens: number,
      costUsd?: number,
    ) =>
      store.messages.create(
        sampleMessage(conversation.id, {
          role: "assistant",
          model,
          createdAt,
          usage: { inputTokens, outputTokens, ...(costUsd !== undefined && { costUsd }) },
        }),
      );
    await reply("big", day1, 100, 10, 0.00045);
    await reply("big", day1 + 3600_000, 200, 20, 0.0009);
    await reply("small", day1, 50, 5, 0);
    await reply("big", day2, 1, 1, 0.1);
    await reply("big", day2 + DAY, 999, 999, 9);
    await store.messages.create(
      sampleMessage(conversation.id, { role: "user", createdAt: day1, usage: null }),
    );

    const totals = await store.usage.totals({ from: Date.UTC(2026, 10, 27), to: Date.UTC(2026, 10, 29) });
    expect(totals).toEqual([
      { day: "2026-11-27", model: "big", replies: 2, inputTokens: 300, outputTokens: 30, costUsd: 0.00135 },
      { day: "2026-11-27", model: "small", replies: 1, inputTokens: 50, outputTokens: 5, costUsd: 0 },
      { day: "2026-11-28", model: "big", replies: 1, inputTokens: 1, outputTokens: 1, costUsd: 0.1 },
    ]);
  });

  it("counts usage written by an update, as a run does when it ends", async () => {
    const store = await stores.open();
    const conversation = sampleConversation();
    await store.conversations.create(conversation);
    const message = sampleMessage(conversation.id, {
      role: "assistant",
      model: "m",
      createdAt: day1,
      usage: null,
    });
    await store.messages.create(message);
    expect(await store.usage.totals({ from: 0, to: day2 })).toEqual([]);
    await store.messages.update(message.id, { usage: { inputTokens: 7, outputTokens: 3, costUsd: 0.25 } });
    expect(await store.usage.totals({ from: 0, to: day2 })).toMatchObject([
      { replies: 1, inputTokens: 7, costUsd: 0.25 },
    ]);
  });
});

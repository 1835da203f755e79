import { Kysely, Migrator, sql } from "kysely";
import { describe, expect, it } from "vitest";
import type { UsageKind } from "../core/parley-store.js";
import { openSqliteDatabase } from "./open-sqlite-database.js";
import { parleyMigrations } from "./parley-migrations.js";
import { ParleySqliteDialect } from "./parley-sqlite-dialect.js";
import { storeDialects, useTemporaryStores } from "./test-support/use-temporary-stores.js";
import { writeAtMigration } from "./test-support/write-at-migration.js";

const DAY = 86_400_000;
const day1 = Date.UTC(2026, 10, 27, 10);
const day2 = Date.UTC(2026, 10, 28, 23, 59);

describe.each(storeDialects)("usage ledger on %s", (dialect) => {
  const stores = useTemporaryStores(dialect);

  it("sums replies by UTC day and model, with exact cost, for one user or everyone, leaving out other days", async () => {
    const store = await stores.open();
    const charge = (
      userId: string,
      model: string,
      at: number,
      input: number,
      output: number,
      costUsd: number,
    ) => store.usage.record({ userId, model, at, inputTokens: input, outputTokens: output, costUsd });
    await charge("user_a", "big", day1, 100, 10, 0.00045);
    await charge("user_a", "big", day1 + 3600_000, 200, 20, 0.0009);
    await charge("user_a", "small", day1, 50, 5, 0);
    await charge("user_b", "big", day1, 7, 3, 0.25);
    await charge("user_a", "big", day2, 1, 1, 0.1);
    await charge("user_a", "big", day2 + DAY, 999, 999, 9);

    const range = { from: Date.UTC(2026, 10, 27), to: Date.UTC(2026, 10, 29) };
    expect(await store.usage.totals({ ...range, userId: "user_a" })).toEqual([
      {
        day: "2026-11-27",
        model: "big",
        replies: 2,
        embeddingRequests: 0,
        inputTokens: 300,
        outputTokens: 30,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0.00135,
      },
      {
        day: "2026-11-27",
        model: "small",
        replies: 1,
        embeddingRequests: 0,
        inputTokens: 50,
        outputTokens: 5,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0,
      },
      {
        day: "2026-11-28",
        model: "big",
        replies: 1,
        embeddingRequests: 0,
        inputTokens: 1,
        outputTokens: 1,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0.1,
      },
    ]);
    expect((await store.usage.totals(range))[0]).toEqual({
      day: "2026-11-27",
      model: "big",
      replies: 3,
      embeddingRequests: 0,
      inputTokens: 307,
      outputTokens: 33,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 0.25135,
    });
  });

  it("counts embeddings requests apart from replies, and their tokens with the replies' toward the day's quotas", async () => {
    const store = await stores.open();
    const charge = (kind: UsageKind | undefined, input: number, output: number, costUsd: number) =>
      store.usage.record({
        ...(kind && { kind }),
        userId: "user_a",
        apiKeyId: "key_a",
        model: "both",
        at: day1,
        inputTokens: input,
        outputTokens: output,
        costUsd,
      });
    await charge(undefined, 100, 10, 0.001);
    await charge("embeddings", 40, 0, 0.0002);
    await charge("embeddings", 60, 0, 0.0003);
    await charge("reply", 5, 5, 0);

    expect(await store.usage.totals({ from: day1, to: day1 + DAY, userId: "user_a" })).toEqual([
      {
        day: "2026-11-27",
        model: "both",
        replies: 2,
        embeddingRequests: 2,
        inputTokens: 205,
        outputTokens: 15,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0.0015,
      },
    ]);
    expect(await store.usage.tokensOnDay("user_a", day1)).toBe(220);
    expect(await store.usage.keyTokensOnDay("key_a", day1)).toBe(220);
  });

  it("sums what the prompt cache served and stored by UTC day and model, within the input tokens quotas count", async () => {
    const store = await stores.open();
    const charge = (model: string, at: number, cacheReadTokens: number, cacheWriteTokens: number) =>
      store.usage.record({
        userId: "user_a",
        apiKeyId: "key_a",
        model,
        at,
        inputTokens: 5000,
        outputTokens: 10,
        cacheReadTokens,
        cacheWriteTokens,
        costUsd: 0.001,
      });
    await charge("claude", day1, 3000, 1000);
    await charge("claude", day1 + 60_000, 4000, 0);
    await charge("claude", day2, 0, 2500);
    // A reply that used no cache, and an embeddings request, which never does: nothing to add.
    await charge("local", day1, 0, 0);
    await store.usage.record({
      kind: "embeddings",
      userId: "user_a",
      model: "embed",
      at: day1,
      inputTokens: 40,
      outputTokens: 0,
      costUsd: 0,
    });
    await store.usage.record({
      userId: "user_b",
      model: "claude",
      at: day1,
      inputTokens: 900,
      outputTokens: 1,
      cacheReadTokens: 700,
      cacheWriteTokens: 200,
      costUsd: 0,
    });

    const cacheOf = (
      rows: { day: string; model: string; cacheReadTokens: number; cacheWriteTokens: number }[],
    ) =>
      rows.map(({ day, model, cacheReadTokens, cacheWriteTokens }) => ({
        day,
        model,
        cacheReadTokens,
        cacheWriteTokens,
      }));
    const range = { from: day1, to: day2 + DAY };
    expect(cacheOf(await store.usage.totals({ ...range, userId: "user_a" }))).toEqual([
      { day: "2026-11-27", model: "claude", cacheReadTokens: 7000, cacheWriteTokens: 1000 },
      { day: "2026-11-27", model: "embed", cacheReadTokens: 0, cacheWriteTokens: 0 },
      { day: "2026-11-27", model: "local", cacheReadTokens: 0, cacheWriteTokens: 0 },
      { day: "2026-11-28", model: "claude", cacheReadTokens: 0, cacheWriteTokens: 2500 },
    ]);
    expect(cacheOf(await store.usage.totals(range))[0]).toEqual({
      day: "2026-11-27",
      model: "claude",
      cacheReadTokens: 7700,
      cacheWriteTokens: 1200,
    });
    // The cache's tokens are part of the input, not added to it again.
    expect(await store.usage.tokensOnDay("user_a", day1)).toBe(3 * 5010 + 40);
    expect(await store.usage.keyTokensOnDay("key_a", day1)).toBe(3 * 5010);
  });

  it("tells a user's tokens on one UTC day, from a few rows whatever the number of replies", async () => {
    const store = await stores.open();
    for (let reply = 0; reply < 50; reply++) {
      await store.usage.record({
        userId: "user_a",
        model: reply % 2 === 0 ? "big" : "small",
        at: day1 + reply * 1000,
        inputTokens: 10,
        outputTokens: 2,
        costUsd: 0.001,
      });
    }
    await store.usage.record({
      userId: "user_b",
      model: "big",
      at: day1,
      inputTokens: 5,
      outputTokens: 5,
      costUsd: 0,
    });
    expect(await store.usage.tokensOnDay("user_a", day1)).toBe(600);
    expect(await store.usage.tokensOnDay("user_a", day2)).toBe(0);
    expect(await store.usage.tokensOnDay("user_c", day1)).toBe(0);
  });

  it("tells an API key's tokens on one UTC day, apart from its user's and counting only replies asked for with it", async () => {
    const store = await stores.open();
    const charge = (apiKeyId: string | undefined, at: number, input: number, output: number) =>
      store.usage.record({
        userId: "user_a",
        ...(apiKeyId && { apiKeyId }),
        model: "big",
        at,
        inputTokens: input,
        outputTokens: output,
        costUsd: 0,
      });
    await charge("key_a", day1, 100, 10);
    await charge("key_a", day1 + 60_000, 200, 20);
    await charge("key_b", day1, 7, 3);
    await charge(undefined, day1, 1000, 1000);
    await charge("key_a", day2, 5, 5);

    expect(await store.usage.keyTokensOnDay("key_a", day1)).toBe(330);
    expect(await store.usage.keyTokensOnDay("key_b", day1)).toBe(10);
    expect(await store.usage.keyTokensOnDay("key_a", day2)).toBe(10);
    expect(await store.usage.keyTokensOnDay("key_unused", day1)).toBe(0);
    // The user's own total counts every reply, whichever key (or none) asked for it.
    expect(await store.usage.tokensOnDay("user_a", day1)).toBe(2340);
  });
});

describe("migration 0009-usage-daily", () => {
  const stores = useTemporaryStores();

  it("carries over the usage of replies stored before it, by user, day and model", async () => {
    const sqlitePath = stores.databasePath();
    const sqlite = openSqliteDatabase(sqlitePath);
    const database = new Kysely<unknown>({ dialect: new ParleySqliteDialect({ database: sqlite }) });
    try {
      const migrator = new Migrator({
        db: database,
        provider: { getMigrations: async () => parleyMigrations },
      });
      expect((await migrator.migrateTo("0008-run-instances")).error).toBeUndefined();
      const addConversation = sqlite.prepare(
        "insert into conversations (id, user_id, title, created_at, updated_at) values (?, ?, 'Old chat', 1, 1)",
      );
      addConversation.run("conv_a", "user_a");
      addConversation.run("conv_b", "user_b");
      const addMessage = sqlite.prepare(
        `insert into messages (id, conversation_id, parent_id, role, content, status, model, created_at, updated_at,
           input_tokens, output_tokens, cost_nano_usd)
         values (?, ?, null, ?, '', 'complete', ?, ?, ?, ?, ?, ?)`,
      );
      addMessage.run("msg_1", "conv_a", "assistant", "big", day1, day1, 100, 10, 450_000);
      addMessage.run("msg_2", "conv_a", "assistant", "big", day1 + 1, day1 + 1, 200, 20, 900_000);
      addMessage.run("msg_3", "conv_a", "user", null, day1, day1, null, null, null);
      addMessage.run("msg_4", "conv_b", "assistant", "small", day2, day2, 5, 1, null);
      addMessage.run("msg_5", "conv_b", "assistant", "small", day2, day2, null, null, null);
    } finally {
      await database.destroy();
    }

    const store = await stores.open(sqlitePath);
    expect(await store.usage.totals({ from: 0, to: day2 + DAY, userId: "user_a" })).toEqual([
      {
        day: "2026-11-27",
        model: "big",
        replies: 2,
        embeddingRequests: 0,
        inputTokens: 300,
        outputTokens: 30,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0.00135,
      },
    ]);
    expect(await store.usage.tokensOnDay("user_b", day2)).toBe(6);
  });
});

describe.each(storeDialects)("migration 0018-usage-cache-tokens on %s", (dialect) => {
  const stores = useTemporaryStores(dialect);

  it("keeps the ledger's rows, with nothing read from or written to the cache, and adds new replies' to them", async () => {
    const location = await stores.newDatabase();
    const dayNumber = Math.floor(day1 / DAY);
    await writeAtMigration(dialect, location, "0017-api-key-models", (database) =>
      sql`
        insert into usage_daily
          (user_id, day_number, model, replies, embedding_requests, input_tokens, output_tokens, cost_nano_usd)
        values ('user_a', ${dayNumber}, 'claude', 2, 0, 300, 30, 1350000),
               ('user_a', ${dayNumber}, 'embed', 0, 1, 40, 0, 0)
      `.execute(database),
    );

    const store = await stores.open(location);
    const oneDay = { from: day1, to: day1 + DAY, userId: "user_a" };
    expect(await store.usage.totals(oneDay)).toEqual([
      {
        day: "2026-11-27",
        model: "claude",
        replies: 2,
        embeddingRequests: 0,
        inputTokens: 300,
        outputTokens: 30,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0.00135,
      },
      {
        day: "2026-11-27",
        model: "embed",
        replies: 0,
        embeddingRequests: 1,
        inputTokens: 40,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0,
      },
    ]);

    await store.usage.record({
      userId: "user_a",
      model: "claude",
      at: day1,
      inputTokens: 4000,
      outputTokens: 5,
      cacheReadTokens: 3000,
      cacheWriteTokens: 900,
      costUsd: 0,
    });
    expect((await store.usage.totals(oneDay))[0]).toMatchObject({
      replies: 3,
      inputTokens: 4300,
      cacheReadTokens: 3000,
      cacheWriteTokens: 900,
    });
  });
});

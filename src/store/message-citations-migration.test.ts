import { Kysely, Migrator } from "kysely";
import { describe, expect, it } from "vitest";
import { openSqliteDatabase } from "./open-sqlite-database.js";
import { parleyMigrations } from "./parley-migrations.js";
import { ParleySqliteDialect } from "./parley-sqlite-dialect.js";
import { useTemporaryStores } from "./test-support/use-temporary-stores.js";

const stores = useTemporaryStores();

const timers = {
  documentId: "doc_1",
  title: "Guide",
  start: 27,
  end: 45,
  citedText: "Timers fire later.",
  marker: "S2",
};
const loops = {
  documentId: "doc_1",
  title: "Guide",
  start: 0,
  end: 26,
  citedText: "Event loops run callbacks.",
  marker: "S1",
};

describe("migration 0006-message-citations", () => {
  it("copies the citations of replies written before it from their runs' event logs, in the order sent", async () => {
    const sqlitePath = stores.databasePath();
    const sqlite = openSqliteDatabase(sqlitePath);
    const database = new Kysely<unknown>({ dialect: new ParleySqliteDialect({ database: sqlite }) });
    try {
      const migrator = new Migrator({
        db: database,
        provider: { getMigrations: async () => parleyMigrations },
      });
      const { error } = await migrator.migrateTo("0005-files");
      expect(error).toBeUndefined();

      // A database as the previous version left it: one cited reply, one reply without citations.
      sqlite
        .prepare("insert into conversations (id, title, created_at, updated_at) values (?, ?, 1, 1)")
        .run("conv_1", "Old chat");
      const addMessage = sqlite.prepare(
        `insert into messages (id, conversation_id, parent_id, role, content, status, run_id, created_at, updated_at)
         values (?, 'conv_1', ?, ?, ?, 'complete', ?, ?, ?)`,
      );
      addMessage.run("msg_q", null, "user", "When do timers fire?", null, 1, 1);
      addMessage.run("msg_cited", "msg_q", "assistant", "Later [S2]. Loops [S1].", "run_cited", 2, 2);
      addMessage.run("msg_plain", "msg_q", "assistant", "No sources here.", "run_plain", 3, 3);
      const addRun = sqlite.prepare(
        `insert into runs (id, conversation_id, user_message_id, assistant_message_id, model, status, created_at)
         values (?, 'conv_1', 'msg_q', ?, 'tiny', 'completed', 2)`,
      );
      addRun.run("run_cited", "msg_cited");
      addRun.run("run_plain", "msg_plain");
      const addEvent = sqlite.prepare(
        "insert into run_events (run_id, id, event, data_json) values (?, ?, ?, ?)",
      );
      addEvent.run("run_cited", 1, "run.start", "{}");
      addEvent.run("run_cited", 3, "text.delta[]", JSON.stringify(["Later ", "[S2]."]));
      addEvent.run("run_cited", 4, "citation", JSON.stringify(timers));
      addEvent.run("run_cited", 5, "text.delta", JSON.stringify({ text: " Loops [S1]." }));
      addEvent.run("run_cited", 6, "citation", JSON.stringify(loops));
      addEvent.run("run_cited", 7, "run.end", "{}");
      addEvent.run("run_plain", 1, "run.start", "{}");
      addEvent.run("run_plain", 2, "text.delta", JSON.stringify({ text: "No sources here." }));
      addEvent.run("run_plain", 3, "run.end", "{}");
    } finally {
      await database.destroy();
    }

    const store = await stores.open(sqlitePath);
    const messages = await store.messages.listByConversation("conv_1");
    const citationsOf = (id: string) => messages.find((message) => message.id === id)?.citations;
    expect(citationsOf("msg_cited")).toEqual([timers, loops]);
    expect(citationsOf("msg_plain")).toBeUndefined();
    expect(citationsOf("msg_q")).toBeUndefined();
  });
});

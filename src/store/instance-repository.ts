/** The server instances sharing the database and their heartbeats, by which crash recovery tells the dead. */
import { type Kysely, sql } from "kysely";
import type { InstanceRepository } from "../core/parley-store.js";
import { databaseNow, databaseNowMinus } from "./database-now.js";
import type { ParleyDatabase } from "./parley-database.js";

export function createInstanceRepository(database: Kysely<ParleyDatabase>): InstanceRepository {
  return {
    async beat(instance) {
      const now = databaseNow(database);
      // One statement whether the row is new or not; it also brings back an instance whose row was removed
      // while it was thought dead, so the runs it starts later are not taken for orphans.
      await database
        .insertInto("instances")
        .values({
          id: instance.id,
          pid_namespace: instance.pidNamespace,
          pid: instance.pid,
          started_at: now,
          last_seen_at: now,
        })
        .onConflict((conflict) =>
          conflict.column("id").doUpdateSet({ last_seen_at: (row) => row.ref("excluded.last_seen_at") }),
        )
        .execute();
    },

    async list() {
      const rows = await database
        .selectFrom("instances")
        .select(["id", "pid_namespace", "pid"])
        .orderBy("id")
        .execute();
      return rows.map((row) => ({ id: row.id, pidNamespace: row.pid_namespace, pid: row.pid }));
    },

    async remove(id) {
      await database.deleteFrom("instances").where("id", "=", id).execute();
    },

    async removeStale(staleAfterMs) {
      const result = await database
        .deleteFrom("instances")
        .where("last_seen_at", "<", databaseNowMinus(database, staleAfterMs))
        .where(({ exists, not, selectFrom }) =>
          not(
            exists(
              selectFrom("runs")
                .select(sql<number>`1`.as("one"))
                .whereRef("runs.instance_id", "=", "instances.id")
                .where("runs.status", "=", "running"),
            ),
          ),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

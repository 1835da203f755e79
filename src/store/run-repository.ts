/** Runs in the database, mapped to and from the core `Run`. */
import type { Kysely, Selectable, Updateable } from "kysely";
import { ConflictError, NotFoundError } from "../core/app-error.js";
import type { RunRepository } from "../core/parley-store.js";
import type { OwnedRun, Run, RunStatus } from "../core/run.js";
import { constraintViolationOf } from "./constraint-violation.js";
import { databaseNowMinus } from "./database-now.js";
import type { ParleyDatabase, RunTable } from "./parley-database.js";

export function createRunRepository(database: Kysely<ParleyDatabase>): RunRepository {
  return {
    async create(run, instanceId) {
      try {
        await database
          .insertInto("runs")
          .values({
            id: run.id,
            user_id: run.userId,
            conversation_id: run.conversationId,
            user_message_id: run.userMessageId,
            assistant_message_id: run.assistantMessageId,
            model: run.model,
            status: run.status,
            created_at: run.createdAt,
            ended_at: run.endedAt,
            instance_id: instanceId ?? null,
          })
          .execute();
      } catch (error) {
        const violation = constraintViolationOf(error);
        if (violation === "unique") {
          throw new ConflictError(`Run ${JSON.stringify(run.id)} already exists.`, { cause: error });
        }
        if (violation === "foreign_key") throw new NotFoundError("Conversation", run.conversationId);
        throw error;
      }
    },

    async get(id) {
      const row = await database.selectFrom("runs").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : toRun(row);
    },

    async delete(id) {
      const result = await database.deleteFrom("runs").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async update(id, patch) {
      const values: Updateable<RunTable> = {};
      if (patch.status !== undefined) values.status = patch.status;
      if (patch.endedAt !== undefined) values.ended_at = patch.endedAt;
      if (Object.keys(values).length === 0) return;
      const result = await database.updateTable("runs").set(values).where("id", "=", id).executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new NotFoundError("Run", id);
    },

    async end(id, outcome) {
      const result = await database
        .updateTable("runs")
        .set({ status: outcome.status, ended_at: outcome.endedAt })
        .where("id", "=", id)
        .where("status", "=", "running")
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async listByStatus(status) {
      const rows = await database
        .selectFrom("runs")
        .selectAll()
        .where("status", "=", status)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(toRun);
    },

    async listOrphaned(staleAfterMs) {
      // The left join finds no instance both for a run without one and for one whose instance was removed.
      const rows = await database
        .selectFrom("runs")
        .leftJoin("instances", "instances.id", "runs.instance_id")
        .selectAll("runs")
        .where("runs.status", "=", "running")
        .where((where) =>
          where.or([
            where("instances.id", "is", null),
            where("instances.last_seen_at", "<", databaseNowMinus(database, staleAfterMs)),
          ]),
        )
        .orderBy("runs.created_at")
        .orderBy("runs.id")
        .execute();
      return rows.map((row): OwnedRun => ({ ...toRun(row), instanceId: row.instance_id }));
    },

    async takeOver(id, from, to) {
      // The condition is checked against the row as it is when the update runs: on PostgreSQL a second
      // instance's update waits for the first one's transaction and then finds the run no longer `from`'s.
      const result = await database
        .updateTable("runs")
        .set({ instance_id: to })
        .where("id", "=", id)
        .where("status", "=", "running")
        .where("instance_id", from === null ? "is" : "=", from)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}

function toRun(row: Selectable<RunTable>): Run {
  return {
    id: row.id,
    userId: row.user_id,
    conversationId: row.conversation_id,
    userMessageId: row.user_message_id,
    assistantMessageId: row.assistant_message_id,
    model: row.model,
    status: row.status as RunStatus,
    createdAt: Number(row.created_at),
    endedAt: row.ended_at === null ? null : Number(row.ended_at),
  };
}

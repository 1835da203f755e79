/** Messages of conversation trees in the database, mapped to and from the core `Message`. */
import type { Kysely, Selectable, Updateable } from "kysely";
import { ConflictError, NotFoundError } from "../core/app-error.js";
import type { Citation } from "../core/citation-check.js";
import type { Message, MessageRole, MessageStatus } from "../core/message.js";
import type { MessageRepository } from "../core/parley-store.js";
import type { FinishReason, Timings, Usage } from "../core/run-event.js";
import type { ToolCall } from "../core/tool-call.js";
import { constraintViolationOf } from "./constraint-violation.js";
import { fromJsonColumn, toJsonColumn } from "./json-column.js";
import type { MessageTable, ParleyDatabase } from "./parley-database.js";

export function createMessageRepository(database: Kysely<ParleyDatabase>): MessageRepository {
  return {
    async create(message) {
      try {
        await database
          .insertInto("messages")
          .values({
            id: message.id,
            conversation_id: message.conversationId,
            parent_id: message.parentId,
            role: message.role,
            content: message.content,
            status: message.status,
            model: message.model,
            run_id: message.runId,
            finish_reason: message.finishReason,
            usage_json: toJsonColumn(message.usage),
            ...usageColumns(message.usage),
            timings_json: toJsonColumn(message.timings),
            error_json: toJsonColumn(message.error),
            citations_json: toJsonColumn(message.citations),
            tool_calls_json: toJsonColumn(message.toolCalls),
            tool_call_id: message.toolCallId ?? null,
            created_at: message.createdAt,
            updated_at: message.updatedAt,
          })
          .execute();
      } catch (error) {
        const violation = constraintViolationOf(error);
        if (violation === "unique") {
          throw new ConflictError(`Message ${JSON.stringify(message.id)} already exists.`, { cause: error });
        }
        if (violation === "foreign_key") throw new NotFoundError("Conversation", message.conversationId);
        throw error;
      }
    },

    async get(id) {
      const row = await database.selectFrom("messages").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : toMessage(row);
    },

    async listByConversation(conversationId) {
      const rows = await database
        .selectFrom("messages")
        .selectAll()
        .where("conversation_id", "=", conversationId)
        // Ids are time-ordered, so they keep messages made in the same millisecond in creation order.
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(toMessage);
    },

    async update(id, patch) {
      const values: Updateable<MessageTable> = {};
      if (patch.content !== undefined) values.content = patch.content;
      if (patch.status !== undefined) values.status = patch.status;
      if (patch.model !== undefined) values.model = patch.model;
      if (patch.finishReason !== undefined) values.finish_reason = patch.finishReason;
      if (patch.usage !== undefined)
        Object.assign(values, { usage_json: toJsonColumn(patch.usage), ...usageColumns(patch.usage) });
      if (patch.timings !== undefined) values.timings_json = toJsonColumn(patch.timings);
      if (patch.error !== undefined) values.error_json = toJsonColumn(patch.error);
      if (patch.citations !== undefined) values.citations_json = toJsonColumn(patch.citations);
      if (patch.toolCalls !== undefined) values.tool_calls_json = toJsonColumn(patch.toolCalls);
      if (patch.updatedAt !== undefined) values.updated_at = patch.updatedAt;
      if (Object.keys(values).length === 0) return;
      const result = await database
        .updateTable("messages")
        .set(values)
        .where("id", "=", id)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new NotFoundError("Message", id);
    },

    async delete(ids) {
      if (ids.length === 0) return 0;
      const result = await database.deleteFrom("messages").where("id", "in", ids).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function toMessage(row: Selectable<MessageTable>): Message {
  const citations = fromJsonColumn<Citation[]>(row.citations_json);
  const toolCalls = fromJsonColumn<ToolCall[]>(row.tool_calls_json);
  return {
    id: row.id,
    conversationId: row.conversation_id,
    parentId: row.parent_id,
    role: row.role as MessageRole,
    content: row.content,
    status: row.status as MessageStatus,
    model: row.model,
    runId: row.run_id,
    finishReason: row.finish_reason as FinishReason | null,
    usage: fromJsonColumn<Usage>(row.usage_json),
    timings: fromJsonColumn<Timings>(row.timings_json),
    error: fromJsonColumn<{ code: string; message: string }>(row.error_json),
    ...(citations && { citations }),
    ...(toolCalls && { toolCalls }),
    ...(row.tool_call_id !== null && { toolCallId: row.tool_call_id }),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function usageColumns(usage: Usage | null) {
  return {
    input_tokens: usage?.inputTokens ?? null,
    output_tokens: usage?.outputTokens ?? null,
    cost_nano_usd: usage?.costUsd === undefined ? null : Math.round(usage.costUsd * 1e9),
  };
}

/** Accounts in the database, mapped to and from the core `User`. */
import type { Kysely, Selectable, Updateable } from "kysely";
import { ConflictError, NotFoundError } from "../core/app-error.js";
import type { UserRepository } from "../core/parley-store.js";
import type { User, UserRole } from "../core/user.js";
import { constraintViolationOf } from "./constraint-violation.js";
import type { ParleyDatabase, UserTable } from "./parley-database.js";

export function createUserRepository(database: Kysely<ParleyDatabase>): UserRepository {
  return {
    async create(user) {
      try {
        await database
          .insertInto("users")
          .values({
            id: user.id,
            email: user.email,
            role: user.role,
            password_hash: user.passwordHash,
            requests_per_minute: user.requestsPerMinute,
            tokens_per_day: user.tokensPerDay,
            created_at: user.createdAt,
            disabled_at: user.disabledAt,
          })
          .execute();
      } catch (error) {
        if (constraintViolationOf(error) === "unique") {
          throw new ConflictError(`An account for ${user.email} already exists.`, { cause: error });
        }
        throw error;
      }
    },

    async get(id) {
      const row = await database.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
    },

    async getByEmail(email) {
      const row = await database
        .selectFrom("users")
        .selectAll()
        .where("email", "=", email.trim().toLowerCase())
        .executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
    },

    async list() {
      const rows = await database
        .selectFrom("users")
        .selectAll()
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(toUser);
    },

    async count() {
      const row = await database
        .selectFrom("users")
        .select((expression) => expression.fn.countAll<number | string>().as("count"))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async update(id, patch) {
      const values: Updateable<UserTable> = {};
      if (patch.role !== undefined) values.role = patch.role;
      if (patch.passwordHash !== undefined) values.password_hash = patch.passwordHash;
      if (patch.requestsPerMinute !== undefined) values.requests_per_minute = patch.requestsPerMinute;
      if (patch.tokensPerDay !== undefined) values.tokens_per_day = patch.tokensPerDay;
      if (patch.disabledAt !== undefined) values.disabled_at = patch.disabledAt;
      if (Object.keys(values).length === 0) return;
      const result = await database.updateTable("users").set(values).where("id", "=", id).executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new NotFoundError("User", id);
    },

    async delete(id) {
      // Its sessions and API keys go with it through ON DELETE CASCADE.
      const result = await database.deleteFrom("users").where("id", "=", id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

function toUser(row: Selectable<UserTable>): User {
  return {
    id: row.id,
    email: row.email,
    role: row.role as UserRole,
    passwordHash: row.password_hash,
    requestsPerMinute: row.requests_per_minute,
    tokensPerDay: row.tokens_per_day === null ? null : Number(row.tokens_per_day),
    createdAt: Number(row.created_at),
    disabledAt: row.disabled_at === null ? null : Number(row.disabled_at),
  };
}

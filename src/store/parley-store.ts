/** The storage port of `src/core/parley-store.ts` over a Kysely database or one of its transactions. */
import type { ControlledTransaction, Kysely } from "kysely";
import { AppError } from "../core/app-error.js";
import type { ParleyStore, ParleyRepositories as Repositories } from "../core/parley-store.js";
import { createApiKeyRepository } from "./api-key-repository.js";
import { createBotRepository } from "./bot-repository.js";
import { createConversationRepository } from "./conversation-repository.js";
import { createFileRepository } from "./file-repository.js";
import { createInstanceRepository } from "./instance-repository.js";
import { createKnowledgeRepository } from "./knowledge-repository.js";
import { createMessageRepository } from "./message-repository.js";
import type { ParleyDatabase } from "./parley-database.js";
import { createRunEventRepository } from "./run-event-repository.js";
import { createRunRepository } from "./run-repository.js";
import { createSessionRepository } from "./session-repository.js";
import { createUsageRepository } from "./usage-repository.js";
import { createUserRepository } from "./user-repository.js";

type OpenTransaction = ControlledTransaction<ParleyDatabase, string[]>;

/**
 * The store that owns `database`: `close()` destroys it.
 *
 * Work inside `transaction()` must use the store it is given. On SQLite the transaction holds the single
 * connection, so a query through the outer store would wait for the transaction to end, forever; on PostgreSQL it
 * would run on another connection of the pool, outside the transaction, and could wait on its locks just the same.
 */
export function createParleyStore(database: Kysely<ParleyDatabase>): ParleyStore {
  return {
    ...createRepositories(database),
    async transaction(work) {
      const transaction: OpenTransaction = await database.startTransaction().execute();
      try {
        const result = await work(createTransactionStore(transaction, 1));
        await transaction.commit().execute();
        return result;
      } catch (error) {
        if (!transaction.isCommitted && !transaction.isRolledBack) await rollbackQuietly(transaction);
        throw error;
      }
    },
    close: () => database.destroy(),
  };
}

/**
 * A store bound to an open transaction. A nested `transaction()` becomes a savepoint, so code that wraps its
 * own writes in a transaction can be called from inside another one and still undo only its own part.
 */
function createTransactionStore(transaction: OpenTransaction, depth: number): ParleyStore {
  return Object.assign(lazyRepositories(transaction), {
    async transaction(work: Parameters<ParleyStore["transaction"]>[0]) {
      const name = `parley_savepoint_${depth}`;
      await transaction.savepoint(name).execute();
      try {
        const result = await work(createTransactionStore(transaction, depth + 1));
        await transaction.releaseSavepoint(name).execute();
        return result;
      } catch (error) {
        await transaction.rollbackToSavepoint(name).execute();
        await transaction.releaseSavepoint(name).execute();
        throw error;
      }
    },
    async close() {
      throw new AppError(
        "invalid_operation",
        "close() was called on the store of a transaction; close the store that opened the transaction.",
      );
    },
  }) as ParleyStore;
}

const repositoryFactories: {
  [Name in keyof Repositories]: (database: Kysely<ParleyDatabase>) => Repositories[Name];
} = {
  conversations: createConversationRepository,
  messages: createMessageRepository,
  runs: createRunRepository,
  runEvents: createRunEventRepository,
  instances: createInstanceRepository,
  usage: createUsageRepository,
  users: createUserRepository,
  sessions: createSessionRepository,
  apiKeys: createApiKeyRepository,
  bots: createBotRepository,
  knowledge: createKnowledgeRepository,
  files: createFileRepository,
};

function createRepositories(database: Kysely<ParleyDatabase>): Repositories {
  const repositories = {} as Record<keyof Repositories, unknown>;
  for (const name of Object.keys(repositoryFactories) as (keyof Repositories)[]) {
    repositories[name] = repositoryFactories[name](database);
  }
  return repositories as Repositories;
}

/**
 * Repositories made on first use. A transaction store is made for every batch of writes, which touches two or
 * three of the twelve; making them all each time cost more than some of the writes. The getters live on one
 * shared prototype, so a transaction store is two fields rather than a closure and a property per repository.
 */
function lazyRepositories(database: Kysely<ParleyDatabase>): Repositories {
  const repositories: LazyRepositories = Object.create(lazyRepositoryGetters);
  repositories.database = database;
  repositories.made = {};
  return repositories as unknown as Repositories;
}

type LazyRepositories = { database: Kysely<ParleyDatabase>; made: Partial<Repositories> };

const lazyRepositoryGetters: object = Object.create(null);
for (const name of Object.keys(repositoryFactories) as (keyof Repositories)[]) {
  Object.defineProperty(lazyRepositoryGetters, name, {
    get(this: LazyRepositories) {
      const made = this.made as Record<keyof Repositories, unknown>;
      made[name] ??= repositoryFactories[name](this.database);
      return made[name];
    },
  });
}

/** The error that made the transaction fail matters more than one from rolling it back. */
async function rollbackQuietly(transaction: OpenTransaction): Promise<void> {
  try {
    await transaction.rollback().execute();
  } catch {
    // Nothing to add: the original error is rethrown by the caller.
  }
}

/**
 * Writes to the store as plain data: a repository, a method and its arguments. Unlike a closure, a batch of them
 * can be handed to another thread whole, and written there in one transaction.
 */
import { ConflictError } from "./app-error.js";
import type { ParleyStore, ParleyRepositories as Repositories } from "./parley-store.js";

type MethodCall<R extends keyof Repositories> = {
  [M in keyof Repositories[R]]: Repositories[R][M] extends (...args: infer A) => Promise<unknown>
    ? { repository: R; method: M; args: A; expect?: Expectation }
    : never;
}[keyof Repositories[R]];

/** What the call must return for the write to stand: anything else undoes the write with a ConflictError. */
type Expectation = { result: unknown; conflict: string };

export type WriteCommand = { [R in keyof Repositories]: MethodCall<R> }[keyof Repositories];

/**
 * Writes a batch of writes in one transaction, each write's commands in order; resolves with each write's error,
 * or undefined for one that was written (see executeWriteBatch).
 */
export type WriteBatchExecutor = (writes: readonly (readonly WriteCommand[])[]) => Promise<unknown[]>;

/** A call of `store[repository][method](...args)`, to run later, maybe elsewhere. */
export function writeCommand<
  R extends keyof Repositories,
  M extends keyof Repositories[R],
  A extends Repositories[R][M] extends (...args: infer P) => Promise<unknown> ? P : never,
>(repository: R, method: M, ...args: A): WriteCommand {
  return { repository, method, args } as unknown as WriteCommand;
}

/** Runs a write's commands in order on `store` (a transaction's, as a rule). */
export async function runWriteCommands(store: ParleyStore, commands: readonly WriteCommand[]): Promise<void> {
  for (const command of commands) {
    const repository = store[command.repository] as unknown as Record<
      string,
      (...args: unknown[]) => Promise<unknown>
    >;
    const method = repository[command.method as string];
    // A command made by writeCommand always names a method; one that does not must fail, never write nothing.
    if (!method)
      throw new Error(`The store has no ${command.repository}.${String(command.method)} to write with.`);
    const result = await method.apply(repository, command.args);
    if (command.expect && result !== command.expect.result) throw new ConflictError(command.expect.conflict);
  }
}

/**
 * Writes several writes' commands in one transaction. If one fails, all are undone and each is written again in a
 * transaction of its own, so that only the one that fails fails. Returns each write's error, or undefined for
 * one that was written. Rare, so the common case pays for no savepoint per write.
 */
export async function executeWriteBatch(
  store: ParleyStore,
  writes: readonly (readonly WriteCommand[])[],
): Promise<unknown[]> {
  try {
    await store.transaction(async (transaction) => {
      for (const commands of writes) await runWriteCommands(transaction, commands);
    });
    return writes.map(() => undefined);
  } catch (error) {
    if (writes.length === 1) return [error];
    const errors: unknown[] = [];
    for (const commands of writes) {
      errors.push(
        await store
          .transaction((transaction) => runWriteCommands(transaction, commands))
          .then(
            () => undefined,
            (failure: unknown) => failure,
          ),
      );
    }
    return errors;
  }
}

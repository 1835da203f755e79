/**
 * Kysely's SQLite driver with every write on a writer thread (SqliteWriterThread): the server's thread reads, as
 * before, and never executes or commits a write. It is then also never the one waiting for SQLite's write lock,
 * so it cannot block on a transaction that waits for it to send its next statement.
 */
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SelectQueryNode,
  type SqliteDatabase,
} from "kysely";
import type { SqliteWriterThread } from "./sqlite-writer-thread.js";

export class WriterThreadSqliteDriver implements Driver {
  readonly #database: SqliteDatabase;
  readonly #writer: SqliteWriterThread;
  readonly #writes = new WriteTurns();

  /** `database`: the main connection, for reads; `writer`: a connection to the same file, for everything else. */
  constructor(database: SqliteDatabase, writer: SqliteWriterThread) {
    this.#database = database;
    this.#writer = writer;
  }

  async init(): Promise<void> {}

  // Reads need no turn: each query gets a connection of its own, which takes the writer's turn while it writes.
  async acquireConnection(): Promise<DatabaseConnection> {
    return new SplitConnection(this.#database, this.#writer, this.#writes);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as SplitConnection).begin();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as SplitConnection).end("commit");
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as SplitConnection).end("rollback");
  }

  // Savepoint names are Parley's own (parley_savepoint_N), so they are written into the SQL as they are.
  async savepoint(connection: DatabaseConnection, savepointName: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint "${savepointName}"`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, savepointName: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to "${savepointName}"`));
  }

  async releaseSavepoint(connection: DatabaseConnection, savepointName: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release "${savepointName}"`));
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    await this.#writer.stop();
    this.#database.close();
  }
}

/**
 * The writer thread's one connection serves one transaction at a time, and a write sent outside it must not land
 * inside another caller's: each takes its turn, in order.
 */
class WriteTurns {
  #last: Promise<void> = Promise.resolve();

  /** Resolves when it is the caller's turn, with the function that ends it. */
  take(): Promise<() => void> {
    let end!: () => void;
    const turn = new Promise<void>((resolve) => {
      end = resolve;
    });
    const previous = this.#last;
    this.#last = turn;
    return previous.then(() => end);
  }
}

class SplitConnection implements DatabaseConnection {
  readonly #database: SqliteDatabase;
  readonly #writer: SqliteWriterThread;
  readonly #writes: WriteTurns;
  /** Ends the transaction's turn; set while this connection holds one. */
  #endTurn: (() => void) | undefined;
  /** The transaction is begun with its first statement, in the same message to the writer. */
  #beginPending = false;

  constructor(database: SqliteDatabase, writer: SqliteWriterThread, writes: WriteTurns) {
    this.#database = database;
    this.#writer = writer;
    this.#writes = writes;
  }

  // Immediate, as on the main connection: the write lock is taken at once, or waited for (see
  // ParleySqliteDialect); the writer runs it just before the transaction's first statement.
  async begin(): Promise<void> {
    this.#endTurn = await this.#writes.take();
    this.#beginPending = true;
  }

  async end(command: "commit" | "rollback"): Promise<void> {
    const endTurn = this.#endTurn;
    // A rollback after a failed commit finds the transaction already ended.
    if (!endTurn) return;
    const begun = !this.#beginPending;
    this.#endTurn = undefined;
    this.#beginPending = false;
    try {
      // No statement ran, so no transaction was begun.
      if (!begun) return;
      if (command === "commit") {
        try {
          await this.#writer.execute("commit", []);
        } catch (error) {
          // A commit that failed leaves SQLite's transaction open: it is undone before the turn passes on.
          await this.#rollback();
          throw error;
        }
      } else {
        await this.#rollback();
      }
    } finally {
      endTurn();
    }
  }

  /**
   * Finds nothing to undo when the begin itself failed, or SQLite already rolled back on the error; its own
   * failure would only hide the error that led to it.
   */
  async #rollback(): Promise<void> {
    await this.#writer.execute("rollback", []).catch(() => {});
  }

  async executeQuery<Row>(compiledQuery: CompiledQuery): Promise<QueryResult<Row>> {
    const { sql, parameters } = compiledQuery;
    // Inside a transaction everything goes to the writer, so its reads see its own writes.
    if (this.#endTurn) {
      const begin = this.#beginPending;
      this.#beginPending = false;
      return (await this.#writer.execute(sql, parameters, begin)) as QueryResult<Row>;
    }
    const statement = this.#database.prepare(sql);
    if (!isReadOnly(statement)) {
      const endTurn = await this.#writes.take();
      try {
        return (await this.#writer.execute(sql, parameters)) as QueryResult<Row>;
      } finally {
        endTurn();
      }
    }
    if (statement.reader) return { rows: statement.all(parameters) as Row[] };
    statement.run(parameters);
    return { rows: [] };
  }

  async *streamQuery<Row>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<Row>> {
    if (!SelectQueryNode.is(compiledQuery.query)) {
      throw new Error("Only select queries can be streamed from SQLite.");
    }
    const statement = this.#database.prepare(compiledQuery.sql);
    for (const row of statement.iterate(compiledQuery.parameters)) yield { rows: [row as Row] };
  }
}

/** better-sqlite3's `readonly`: SQLite's own word on whether the statement may write. */
function isReadOnly(statement: ReturnType<SqliteDatabase["prepare"]>): boolean {
  return (statement as { readonly?: boolean }).readonly === true;
}

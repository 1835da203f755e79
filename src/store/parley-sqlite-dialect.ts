/** Kysely's SQLite dialect with the two changes Parley needs when more than one connection opens the same file. */
import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";

export class ParleySqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateTransactionSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalSchemaSqliteAdapter();
  }
}

/**
 * A plain `begin` takes the write lock only at the first write. When another connection (the CLI, a second
 * server, a backup) wrote in between, SQLite then fails with SQLITE_BUSY at once, without waiting out the
 * busy timeout. `begin immediate` takes the write lock up front, so a busy database makes us wait instead.
 */
class ImmediateTransactionSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

/**
 * Kysely runs SQLite migrations outside a transaction, so a failed migration would leave half a schema, and
 * two processes opening a new file together would both create the tables. SQLite's DDL is transactional:
 * inside one immediate transaction a migration is all or nothing, and the second process waits, then finds
 * it done.
 */
class TransactionalSchemaSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

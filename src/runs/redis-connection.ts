/** The Redis that servers sharing a database also share: one connection for commands, others for blocking reads. */
import type { Redis } from "ioredis";
import { ConfigError } from "../core/app-error.js";

/** How long a server waits for Redis at start before it gives up, saying where it looked. */
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * How long one command may take. Redis answers in well under a millisecond; past this the caller falls back (the
 * database's event log, this process's rate limits) rather than holding up a request or a reply.
 */
const COMMAND_TIMEOUT_MS = 2_000;

export class RedisConnection {
  /** For ordinary commands. Fails at once while Redis is unreachable, rather than queueing without bound. */
  readonly client: Redis;
  readonly #dedicated = new Set<Redis>();

  private constructor(client: Redis) {
    this.client = client;
  }

  /** Connects and checks that Redis answers; a server it cannot reach fails the start with where it looked. */
  static async open(url: string, onError: (error: unknown) => void): Promise<RedisConnection> {
    // Loaded here, not with the module: a server without Redis never needs the client's memory or start-up time.
    const { Redis } = await import("ioredis");
    const client = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectionName: "parley",
    });
    // Without a listener ioredis prints every failed reconnection. At start the first error is the one worth
    // telling (connect() itself only says "Connection is closed"); later, the first of each outage.
    let started = false;
    let startError: unknown;
    let answering = true;
    client.on("ready", () => {
      answering = true;
    });
    client.on("error", (error) => {
      if (!started) startError ??= error;
      else if (answering) onError(error);
      answering = false;
    });
    try {
      await client.connect();
      await client.ping();
    } catch (error) {
      client.disconnect();
      const reason = startError ?? error;
      throw new ConfigError(
        `Cannot connect to Redis at ${withoutPassword(url)}: ${reasonOf(reason)}. ` +
          "Check that it runs and that the URL's host, port and password are right, or leave `redis` " +
          "(PARLEY_REDIS_URL) unset to run without it.",
        { cause: error },
      );
    }
    started = true;
    return new RedisConnection(client);
  }

  /**
   * A connection of its own, for a read that blocks (XREAD BLOCK) or a subscription, which would hold up every
   * other command on the shared one. `blockMs`: the longest block it will be asked for. Close it with `release`.
   */
  async dedicated(blockMs = 0): Promise<Redis> {
    const connection = this.client.duplicate({
      commandTimeout: blockMs > 0 ? blockMs + COMMAND_TIMEOUT_MS : COMMAND_TIMEOUT_MS,
    });
    // Its failures reach whoever issued the command; a dropped connection is the caller's to retry.
    connection.on("error", () => {});
    this.#dedicated.add(connection);
    try {
      await connection.connect();
    } catch (error) {
      this.release(connection);
      throw error;
    }
    return connection;
  }

  /** Closes a dedicated connection, ending a read blocked on it. */
  release(connection: Redis): void {
    this.#dedicated.delete(connection);
    connection.disconnect();
  }

  async close(): Promise<void> {
    for (const connection of this.#dedicated) this.release(connection);
    try {
      await this.client.quit();
    } catch {
      // Already gone: nothing is left to close.
      this.client.disconnect();
    }
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map(reasonOf))].join("; ");
  }
  const message = error instanceof Error && error.message !== "" ? error.message : String(error);
  return message.replace(/\.$/, "");
}

/** The URL as it may appear in logs and error messages. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
  }
}

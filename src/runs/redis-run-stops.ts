/**
 * Stop requests between servers: a server asked to stop a run another one writes publishes the run's id, and the
 * server writing it stops it. One channel for all servers; stops are rare, and a server ignores the runs it has not.
 */
import type { Redis } from "ioredis";
import type { RedisConnection } from "./redis-connection.js";

const CHANNEL = "parley:run-stops";

export class RedisRunStops {
  readonly #connection: RedisConnection;
  #subscriber: Redis | undefined;

  constructor(connection: RedisConnection) {
    this.#connection = connection;
  }

  /** Calls `onStop` with each run any server is asked to stop, from now until `close`. */
  async listen(onStop: (runId: string) => void): Promise<void> {
    const subscriber = await this.#connection.dedicated();
    this.#subscriber = subscriber;
    subscriber.on("message", (channel: string, runId: string) => {
      if (channel === CHANNEL) onStop(runId);
    });
    await subscriber.subscribe(CHANNEL);
  }

  /** Asks the server writing the run to stop it; resolves once Redis has passed the request on. */
  async request(runId: string): Promise<void> {
    await this.#connection.client.publish(CHANNEL, runId);
  }

  close(): void {
    if (this.#subscriber) this.#connection.release(this.#subscriber);
    this.#subscriber = undefined;
  }
}

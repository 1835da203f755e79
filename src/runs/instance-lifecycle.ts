/**
 * This server's life among those sharing the database: it joins (its heartbeat), watches for runs that dead
 * instances left in flight and ends them, and leaves cleanly when it stops.
 */
import type { ParleyStore } from "../core/parley-store.js";
import type { OwnedRun } from "../core/run.js";
import type { RunEvent } from "../core/run-event.js";
import { InstanceHeartbeat } from "./instance-heartbeat.js";
import { isRunningHere, localInstance } from "./local-process.js";
import { PeriodicTask } from "./periodic-task.js";
import { recoverRun } from "./recover-run.js";

/**
 * How a server owns the runs it writes, and recovers those of servers that died: each run records the instance
 * that writes it, each instance beats in the database while it lives, and a run whose instance stopped beating
 * (or died on this machine, or left no trace) is ended as interrupted by whichever live instance sees it first.
 */
export type RunInstanceConfig = {
  /**
   * New at each start (newId("inst")): a restarted server is another instance, its earlier life a dead one
   * whose runs it recovers like any other's.
   */
  id: string;
  heartbeatMs: number;
  /** How long an instance may go without a heartbeat before its runs are recovered: a few heartbeats. */
  staleAfterMs: number;
  /** How often to look for runs to recover, besides at start. */
  recoveryIntervalMs: number;
  /** Told of the runs this instance ended for dead ones. */
  onRecovered?: (runs: OwnedRun[]) => void;
};

export type InstanceLifecycleConfig = {
  store: ParleyStore;
  instance: RunInstanceConfig;
  onError: (error: unknown, context: string) => void;
  /**
   * A run's events as its server published them to the other servers (Redis): newer than its stored event log
   * when that server died between two writes of the log. Followers elsewhere may have seen them already.
   */
  publishedEvents?: (runId: string) => Promise<RunEvent[]>;
};

export class InstanceLifecycle {
  readonly #config: InstanceLifecycleConfig;
  readonly #heartbeat: InstanceHeartbeat;
  readonly #recovery: PeriodicTask;

  constructor(config: InstanceLifecycleConfig) {
    this.#config = config;
    this.#heartbeat = new InstanceHeartbeat({
      store: config.store,
      instance: localInstance(config.instance.id),
      intervalMs: config.instance.heartbeatMs,
      onError: (error) => config.onError(error, "recording this instance's heartbeat"),
    });
    this.#recovery = new PeriodicTask({
      intervalMs: config.instance.recoveryIntervalMs,
      task: async () => {
        await this.recoverInterrupted();
      },
      onError: (error) => config.onError(error, "recovering runs of dead instances"),
    });
  }

  /** Records this instance and starts its heartbeat: before it writes any run, so none is without a live owner. */
  async join(): Promise<void> {
    await this.#heartbeat.start();
  }

  /** Ends the runs dead instances left in flight, then goes on looking for such runs. Returns how many it ended now. */
  async watch(): Promise<number> {
    const recovered = await this.recoverInterrupted();
    this.#recovery.start();
    return recovered;
  }

  /** Looks for no more runs to recover; resolves once a look under way has ended. */
  async stopWatching(): Promise<void> {
    await this.#recovery.stop();
  }

  /** Stops the heartbeat and forgets this instance; called once its own runs have ended. */
  async leave(): Promise<void> {
    await this.#heartbeat.stop();
  }

  /**
   * Ends as `interrupted`, keeping the text their event log holds, the runs that servers which died (a crash,
   * SIGKILL, a lost machine) left in flight; the replies live instances are writing are left alone. Returns how
   * many this instance ended: of several instances looking at once, each run is ended by one.
   */
  async recoverInterrupted(): Promise<number> {
    const { store, instance } = this.#config;
    // An instance of this machine whose process is gone is known dead without waiting for its heartbeat to go
    // stale (a server restarted after a crash; the one server of a SQLite file): forgotten, its runs are orphans.
    for (const other of await store.instances.list()) {
      if (other.id !== instance.id && isRunningHere(other) === false) await store.instances.remove(other.id);
    }
    const recovered: OwnedRun[] = [];
    for (const run of await store.runs.listOrphaned(instance.staleAfterMs)) {
      // Never this instance's own: they are live here, even if its heartbeat lagged behind a slow database.
      if (run.instanceId === instance.id) continue;
      try {
        // Redis down costs only the text it alone held; the run is still ended.
        const published = await (this.#config.publishedEvents?.(run.id) ?? Promise.resolve([])).catch(
          (error: unknown) => {
            this.#config.onError(error, `reading run ${run.id}'s published events`);
            return [];
          },
        );
        if (await recoverRun(store, run, instance.id, published)) recovered.push(run);
      } catch (error) {
        // The others are still recovered; this one is tried again at the next look.
        this.#config.onError(error, `recovering run ${run.id}`);
      }
    }
    await store.instances.removeStale(instance.staleAfterMs);
    if (recovered.length > 0) instance.onRecovered?.(recovered);
    return recovered.length;
  }
}

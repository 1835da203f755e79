/** Keeps this server's row in the instances table fresh while it serves, and removes it when it stops cleanly. */
import type { ParleyStore, ServerInstance } from "../core/parley-store.js";
import { PeriodicTask } from "./periodic-task.js";

export type InstanceHeartbeatConfig = {
  store: ParleyStore;
  instance: ServerInstance;
  intervalMs: number;
  onError: (error: unknown) => void;
};

export class InstanceHeartbeat {
  readonly #config: InstanceHeartbeatConfig;
  readonly #task: PeriodicTask;

  constructor(config: InstanceHeartbeatConfig) {
    this.#config = config;
    this.#task = new PeriodicTask({
      intervalMs: config.intervalMs,
      task: () => config.store.instances.beat(config.instance),
      onError: config.onError,
    });
  }

  /** Records the instance (before it starts any run, so none is ever without a live owner), then beats. */
  async start(): Promise<void> {
    await this.#config.store.instances.beat(this.#config.instance);
    this.#task.start();
  }

  /**
   * Stops beating and forgets the instance. Called once its runs have ended: any still marked `running` (its
   * outcome failed to be written) is then another instance's to recover at once, not after the staleness limit.
   */
  async stop(): Promise<void> {
    await this.#task.stop();
    await this.#config.store.instances.remove(this.#config.instance.id);
  }
}

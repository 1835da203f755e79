/** Work repeated on a timer in the background of a server: never overlapping itself, never keeping the process up. */

export type PeriodicTaskConfig = {
  intervalMs: number;
  task: () => Promise<void>;
  /** A failed round is reported here, and the next one still comes. */
  onError: (error: unknown) => void;
};

export class PeriodicTask {
  readonly #config: PeriodicTaskConfig;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #stopped = true;

  constructor(config: PeriodicTaskConfig) {
    this.#config = config;
  }

  /** The first round comes one interval from now. */
  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  /** No round starts after this; resolves once the one under way, if any, has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#round;
  }

  #schedule(): void {
    if (this.#stopped) return;
    // The next round is timed from the end of this one, so a slow round (a database that hangs) never piles up.
    this.#timer = setTimeout(() => {
      this.#round = this.#config
        .task()
        .catch((error: unknown) => this.#config.onError(error))
        .finally(() => {
          this.#round = undefined;
          this.#schedule();
        });
    }, this.#config.intervalMs);
    // A timer alone must not keep a process alive that has nothing else left to do (a test, a CLI command).
    this.#timer.unref();
  }
}

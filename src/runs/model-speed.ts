/** How fast each model has been lately, measured in process from the replies that finished: a rolling window per model. */
import type { Timings } from "../core/run-event.js";

export type SpeedSummary = {
  /** Median time to first token over the recent replies that wrote text, in ms; null when there are none. */
  ttftMsP50: number | null;
  /** Median output tokens per second over the recent replies long enough to say; null when there are none. */
  tokensPerSecondP50: number | null;
  /** Replies in the window. */
  samples: number;
};

/** Enough replies for a steady median, few enough that a model that got slower shows it within minutes. */
export const SPEED_WINDOW = 200;

export class ModelSpeed {
  readonly #window: number;
  readonly #recent = new Map<string, Timings[]>();

  constructor(window = SPEED_WINDOW) {
    this.#window = Math.max(1, window);
  }

  record(modelId: string, timings: Timings): void {
    let recent = this.#recent.get(modelId);
    if (!recent) {
      recent = [];
      this.#recent.set(modelId, recent);
    }
    recent.push(timings);
    if (recent.length > this.#window) recent.shift();
  }

  summary(modelId: string): SpeedSummary {
    const recent = this.#recent.get(modelId) ?? [];
    return {
      ttftMsP50: median(recent.map((timings) => timings.ttftMs)),
      tokensPerSecondP50: median(recent.map((timings) => timings.tokensPerSecond)),
      samples: recent.length,
    };
  }
}

/** The nearest-rank median of the values that were measured (a reply without text has no time to first token). */
function median(values: readonly (number | null)[]): number | null {
  const measured = values.filter((value): value is number => value !== null).sort((a, b) => a - b);
  if (measured.length === 0) return null;
  return measured[Math.ceil(measured.length / 2) - 1] as number;
}

/** Cuts streamed text at the first stop string, holding back text that may be the start of one. */

export type StopTextResult = {
  /** Text that can be sent now: it is no part of any stop string. */
  text: string;
  /** A stop string was found; `text` ends just before it and nothing more should be generated. */
  stopped: boolean;
};

export class StopTextBuffer {
  readonly #stops: readonly string[];
  #pending = "";

  constructor(stops: readonly string[]) {
    this.#stops = stops.filter((stop) => stop !== "");
  }

  push(text: string): StopTextResult {
    if (this.#stops.length === 0) return { text, stopped: false };
    const pending = this.#pending + text;
    let stopIndex = -1;
    for (const stop of this.#stops) {
      const index = pending.indexOf(stop);
      if (index >= 0 && (stopIndex < 0 || index < stopIndex)) stopIndex = index;
    }
    if (stopIndex >= 0) {
      this.#pending = "";
      return { text: pending.slice(0, stopIndex), stopped: true };
    }
    const held = this.#heldLength(pending);
    this.#pending = pending.slice(pending.length - held);
    return { text: pending.slice(0, pending.length - held), stopped: false };
  }

  /** The held-back text, once generation ended without completing a stop string. */
  flush(): string {
    const rest = this.#pending;
    this.#pending = "";
    return rest;
  }

  /** Length of the longest tail of `text` that is a proper prefix of some stop string. */
  #heldLength(text: string): number {
    let held = 0;
    for (const stop of this.#stops) {
      for (let length = Math.min(stop.length - 1, text.length); length > held; length--) {
        if (text.endsWith(stop.slice(0, length))) {
          held = length;
          break;
        }
      }
    }
    return held;
  }
}

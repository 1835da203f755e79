/** How a run's consecutive text deltas become one entry (StoredTextDeltas), the one rule for the event log and the store. */
import type { AppendedRunEvent, StoredRunEvent } from "./parley-store.js";

/**
 * Adds the delta to the entry before it when that entry holds its run's deltas up to the one before this; starts
 * an entry of its own otherwise. Grows the last entry in place: `entries` must own it.
 */
export function foldTextDelta(
  entries: AppendedRunEvent[],
  delta: StoredRunEvent & { event: "text.delta" },
): void {
  const last = entries.at(-1);
  if (last?.event === "text.delta[]" && last.runId === delta.runId && last.id === delta.id - 1) {
    last.texts.push(delta.data.text);
    last.id = delta.id;
  } else entries.push({ runId: delta.runId, id: delta.id, event: "text.delta[]", texts: [delta.data.text] });
}

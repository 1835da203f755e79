/**
 * V8's old generation, sized for a server that streams. What a run keeps while it streams (its events, its
 * state, its connections' objects) outlives the young generation's collections and moves to the old one, so a
 * busy server fills the old generation steadily; and each major collection stops every stream at once, for
 * 5-11 ms on this machine, far longer than any other pause a token meets. V8 sets the next major collection at
 * a multiple of what was live after the last one, a multiple it adapts as it goes: here, with 100 open streams,
 * that meant one major collection for every 200-300 streams served, and the frames it held set the worst
 * gaps. At a fixed multiple of four (the most V8 itself would choose) it was one per ~1,800 streams. The cost is
 * memory, and only under load: the old generation grows to up to four times what is live before it is collected.
 */
import v8 from "node:v8";

/** The growth allowed after a major collection, in percent of what was live: 300 is a multiple of four. */
const HEAP_GROWING_PERCENT = 300;

export function tuneHeapForStreaming(): void {
  // V8 reads this at every major collection, so setting it while the process runs takes effect at the next one;
  // unlike a command-line flag, it holds however Parley is started.
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

/** Identifiers: a short type prefix, then a time-ordered random part, so ids sort by creation. */
import { randomFillSync } from "node:crypto";

export type IdPrefix = "conv" | "msg" | "run" | "user" | "key" | "bot" | "doc" | "file" | "inst";

let lastTime = 0;
let counter = 0;
/** Random bytes drawn a page at a time: one call into the system's generator per few hundred ids, not per id. */
const random = Buffer.alloc(4096);
let randomOffset = random.length;
const RANDOM_BYTES_PER_ID = 6;

export function newId(prefix: IdPrefix): string {
  const now = Date.now();
  counter = now === lastTime ? counter + 1 : 0;
  lastTime = now;
  const time = now.toString(36).padStart(9, "0");
  const sequence = counter.toString(36).padStart(3, "0");
  if (randomOffset + RANDOM_BYTES_PER_ID > random.length) {
    randomFillSync(random);
    randomOffset = 0;
  }
  const randomPart = random.toString("hex", randomOffset, randomOffset + RANDOM_BYTES_PER_ID);
  randomOffset += RANDOM_BYTES_PER_ID;
  return `${prefix}_${time}${sequence}${randomPart}`;
}

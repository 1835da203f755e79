/** Identifiers: a short type prefix, then a time-ordered random part, so ids sort by creation. */
import { randomBytes } from "node:crypto";

export type IdPrefix = "conv" | "msg" | "run" | "user" | "key" | "bot" | "doc" | "file";

let lastTime = 0;
let counter = 0;

export function newId(prefix: IdPrefix): string {
  const now = Date.now();
  counter = now === lastTime ? counter + 1 : 0;
  lastTime = now;
  const time = now.toString(36).padStart(9, "0");
  const sequence = counter.toString(36).padStart(3, "0");
  return `${prefix}_${time}${sequence}${randomBytes(6).toString("hex")}`;
}

/** Refuses a resume from an event the run has not (yet) sent. */
import { BadRequestError } from "../core/app-error.js";

export function assertWithinRun(afterId: number, lastId: number, ended: boolean): void {
  if (afterId > lastId) {
    throw new BadRequestError(
      `Last-Event-ID ${afterId} is beyond the end of this run: its last event so far is ${lastId}${ended ? " and it has ended" : ""}.`,
      { code: "invalid_last_event_id" },
    );
  }
}

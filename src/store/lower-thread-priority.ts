/**
 * Lowers the calling thread's scheduling priority: on Linux, where each thread has a nice value of its own. The
 * store's writer thread is woken by the server's thread (a batch posted to it) and, at the process's priority, the
 * kernel often ran it at once on that same core, in place of the thread that woke it: the server's thread then held
 * every stream's tokens while the writer committed. Measured at 100 streams on two cores over the same load, posting a
 * batch took over 0.5 ms 485 times at the process's priority, 136 times at nice 10, and 41 times at nice 19. A lower
 * priority costs the writer only when the cores are saturated, when it is the right thread to wait.
 */
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";

/** Nice value of the store's background threads (the server's own thread keeps the process's, 0 by default). */
export const BACKGROUND_THREAD_NICE = 19;

export function lowerThreadPriority(nice = BACKGROUND_THREAD_NICE): void {
  if (process.platform !== "linux") return;
  try {
    // /proc/thread-self is the calling thread's own entry, "<pid>/task/<tid>"; setpriority takes a thread id.
    const threadId = Number(readlinkSync("/proc/thread-self").split("/").at(-1));
    setPriority(threadId, nice);
  } catch {
    // A container that forbids it: the thread keeps the process's priority, as before.
  }
}

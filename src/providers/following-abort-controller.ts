/**
 * A call's own AbortController, which a wrapper aborts for reasons of its own (a timeout, a reader that left) and
 * which also aborts, with the same reason, when the caller's signal does. `release` stops following the caller's
 * signal once the call is over, so a long-lived signal does not keep a listener per call.
 */
export function followingAbortController(signal: AbortSignal | undefined): {
  controller: AbortController;
  release: () => void;
} {
  const controller = new AbortController();
  if (signal?.aborted) {
    controller.abort(signal.reason);
    return { controller, release: () => {} };
  }
  const follow = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", follow, { once: true });
  return { controller, release: () => signal?.removeEventListener("abort", follow) };
}

/** Tells whether an OpenAI-format event stream really ended with `data: [DONE]`, which the openai SDK keeps to itself. */

export type StreamEnd = { sawDone: boolean };

/**
 * A copy of `response` whose body passes every byte through untouched while noting whether the `[DONE]` line
 * arrived. A stream that closes without it was cut, even when a finish_reason came before.
 */
export function watchStreamEnd(response: Response): { response: Response; end: StreamEnd } {
  const end: StreamEnd = { sawDone: false };
  if (!response.body) return { response, end };
  const decoder = new TextDecoder();
  // The unfinished last line, starting at its line break, so a `[DONE]` split across chunks is still seen.
  let pending = "\n";
  const watched = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        controller.enqueue(chunk);
        if (end.sawDone) return;
        pending += decoder.decode(chunk, { stream: true });
        if (/[\r\n]data: ?\[DONE\]/.test(pending)) {
          end.sawDone = true;
          return;
        }
        pending = pending.slice(Math.max(pending.lastIndexOf("\n"), pending.lastIndexOf("\r")));
      },
    }),
  );
  const copy = new Response(watched, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  return { response: copy, end };
}

/** A `fetch` for the openai SDK that watches every event stream it returns, remembered per response. */
export function fetchWatchingStreamEnd(ends: WeakMap<Response, StreamEnd>): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!response.headers.get("content-type")?.includes("text/event-stream")) return response;
    const watched = watchStreamEnd(response);
    ends.set(watched.response, watched.end);
    return watched.response;
  };
}

/**
 * An HTTP call to a model's upstream on undici's dispatcher, its response body read chunk by chunk as undici
 * parses it. Every token of every remote reply comes through here: undici's `request` would put a Node Readable
 * and its async iterator (an async generator, several promises per chunk) between the socket and the reader,
 * where this puts one queue.
 */
import type { Dispatcher } from "undici";

export type UpstreamRequest = {
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  /** Aborting it cancels the call, before or during the response. */
  signal?: AbortSignal;
  dispatcher: Dispatcher;
  /** Milliseconds to wait for the response headers. */
  headersTimeout: number;
  /** Milliseconds to wait between body chunks; 0 for no limit. */
  bodyTimeout: number;
};

export type UpstreamResponse = {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body's chunks in order. Leaving it before its end cancels the call, which closes the connection. */
  body: UpstreamBody;
};

/** Resolves once the upstream answered with headers; rejects if it could not be reached or the call was aborted. */
export function callUpstream(url: string, request: UpstreamRequest): Promise<UpstreamResponse> {
  const { origin, path } = targetOf(url);
  const { signal } = request;
  return new Promise((resolve, reject) => {
    const body = new UpstreamBody();
    let responded = false;
    const onAbort = () => body.controller?.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const settled = () => signal?.removeEventListener("abort", onAbort);
    try {
      request.dispatcher.dispatch(
        {
          origin,
          path,
          method: request.method,
          headers: request.headers,
          body: request.body ?? null,
          headersTimeout: request.headersTimeout,
          bodyTimeout: request.bodyTimeout,
        },
        {
          onRequestStart(controller) {
            body.controller = controller;
            if (signal?.aborted) controller.abort(signal.reason);
          },
          onResponseStart(_controller, statusCode, headers) {
            responded = true;
            resolve({ statusCode, headers, body });
          },
          onResponseData(_controller, chunk) {
            body.push(chunk);
          },
          onResponseEnd() {
            settled();
            body.end();
          },
          onResponseError(_controller, error) {
            settled();
            if (responded) body.fail(error);
            else reject(error);
          },
        },
      );
    } catch (error) {
      settled();
      reject(error);
    }
  });
}

/** URLs parsed so far: a server calls the same few, and parsing one on every call showed in its request path. */
const targets = new Map<string, { origin: string; path: string }>();
const MAX_TARGETS = 64;

function targetOf(url: string): { origin: string; path: string } {
  let target = targets.get(url);
  if (target === undefined) {
    const { origin, pathname, search } = new URL(url);
    target = { origin, path: pathname + search };
    // Many more URLs than a configuration names: start over rather than keep them all.
    if (targets.size >= MAX_TARGETS) targets.clear();
    targets.set(url, target);
  }
  return target;
}

/** Chunks queued beyond this pause the connection until the reader catches up: a slow reader holds no more. */
const HIGH_WATER_CHUNKS = 64;

type Pipe = { onChunk: (chunk: Buffer) => void; resolve: () => void; reject: (error: unknown) => void };

/**
 * The body's chunks, queued as undici hands them over and read as an async iterator; or, once `pipeTo` is
 * called, handed on as they come.
 */
export class UpstreamBody implements AsyncIterableIterator<Buffer> {
  controller: Dispatcher.DispatchController | undefined;
  #chunks: Buffer[] = [];
  #ended = false;
  #failure: Error | undefined;
  #paused = false;
  /** Where the chunks go once piped, and how the pipe settles. */
  #pipe: Pipe | undefined;
  /** Settle the read waiting for the next chunk, if one is (plain fields: a wait comes with every chunk). */
  #resolve: ((result: IteratorResult<Buffer>) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;

  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    return this;
  }

  push(chunk: Buffer): void {
    if (this.#ended) return;
    if (this.#pipe) {
      this.#handOn(this.#pipe, chunk);
      return;
    }
    const resolve = this.#settle();
    if (resolve) {
      resolve({ done: false, value: chunk });
      return;
    }
    this.#chunks.push(chunk);
    if (this.#chunks.length >= HIGH_WATER_CHUNKS && !this.#paused) {
      this.#paused = true;
      this.controller?.pause();
    }
  }

  end(): void {
    this.#ended = true;
    this.#settle()?.({ done: true, value: undefined });
    this.#pipe?.resolve();
  }

  fail(error: Error): void {
    if (this.#ended) return;
    this.#failure = error;
    const reject = this.#reject;
    if (this.#settle()) reject?.(error);
    this.#pipe?.reject(error);
  }

  /**
   * Hands `onChunk` every chunk, those queued first, each as undici hands it over (within undici's own callback);
   * settles when the body ends or fails. A throw from `onChunk` cancels the call and rejects with what it threw.
   * For a reader that handles each chunk at once: it costs no promise per chunk.
   */
  pipeTo(onChunk: (chunk: Buffer) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const pipe = { onChunk, resolve, reject };
      this.#pipe = pipe;
      const queued = this.#chunks;
      this.#chunks = [];
      for (const chunk of queued) if (!this.#handOn(pipe, chunk)) return;
      if (this.#paused) {
        this.#paused = false;
        this.controller?.resume();
      }
      if (this.#failure) reject(this.#failure);
      else if (this.#ended) resolve();
    });
  }

  /** False if the reader threw: the call is then cancelled and the pipe rejected. */
  #handOn(pipe: Pipe, chunk: Buffer): boolean {
    try {
      pipe.onChunk(chunk);
      return true;
    } catch (error) {
      this.#cancel(error instanceof Error ? error : new Error(String(error)));
      pipe.reject(error);
      return false;
    }
  }

  next(): Promise<IteratorResult<Buffer>> {
    const chunk = this.#chunks.shift();
    if (chunk !== undefined) {
      if (this.#paused && this.#chunks.length === 0) {
        this.#paused = false;
        this.controller?.resume();
      }
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Takes the waiting read off the body, returning how to resolve it; undefined if no read is waiting. */
  #settle(): ((result: IteratorResult<Buffer>) => void) | undefined {
    const resolve = this.#resolve;
    this.#resolve = undefined;
    this.#reject = undefined;
    return resolve;
  }

  return(): Promise<IteratorResult<Buffer>> {
    this.#cancel(READER_LEFT);
    this.#pipe?.resolve();
    return Promise.resolve({ done: true, value: undefined });
  }

  /**
   * Ends the body here and cancels the call if it is still going. This may run within undici's own callback (a
   * piped reader that throws, or leaves at an error chunk), as an abort through the call's signal may too.
   */
  #cancel(reason: Error): void {
    const going = !this.#ended && !this.#failure;
    this.#ended = true;
    this.#chunks = [];
    if (going) this.controller?.abort(reason);
  }
}

/** Why the call is cancelled when its reader leaves: made once, as an abort without a reason builds an error. */
const READER_LEFT = new Error("The reader left the response.");

/**
 * The parts a model pushes (its `streamTo`) as an async iterator: how a model that pushes serves a reader that
 * pulls. Parts wait here for a slow reader; a reader that leaves early cancels the call, through a signal of its
 * own, as leaving a pulled stream does.
 */
import type { ChatCallOptions, ChatStreamPart, ChatStreamSink } from "./chat-model.js";
import { followingAbortController } from "./following-abort-controller.js";

type StreamTo = (options: ChatCallOptions, sink: ChatStreamSink) => Promise<void>;

export function pulledParts(options: ChatCallOptions, streamTo: StreamTo): AsyncIterable<ChatStreamPart> {
  return { [Symbol.asyncIterator]: () => new PulledParts(options, streamTo) };
}

/** Why the call is cancelled when its reader leaves: made once, as an abort without a reason builds an error. */
const READER_LEFT = new Error("The reader left the stream before it ended.");

class PulledParts implements AsyncIterator<ChatStreamPart> {
  readonly #controller: AbortController;
  /** Stops following the caller's signal. */
  readonly #release: () => void;
  #parts: ChatStreamPart[] = [];
  /** The call settled (or the reader left): nothing more will come. */
  #over = false;
  #failure: { error: unknown } | undefined;
  #resolve: ((result: IteratorResult<ChatStreamPart>) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;

  constructor(options: ChatCallOptions, streamTo: StreamTo) {
    const following = followingAbortController(options.signal);
    this.#controller = following.controller;
    this.#release = following.release;
    streamTo({ ...options, signal: this.#controller.signal }, (part) => this.#push(part)).then(
      () => this.#end(undefined),
      (error: unknown) => this.#end({ error }),
    );
  }

  next(): Promise<IteratorResult<ChatStreamPart>> {
    const part = this.#parts.shift();
    if (part !== undefined) return Promise.resolve({ done: false, value: part });
    if (this.#failure) {
      const { error } = this.#failure;
      this.#failure = undefined;
      return Promise.reject(error);
    }
    if (this.#over) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  return(): Promise<IteratorResult<ChatStreamPart>> {
    if (!this.#over) this.#controller.abort(READER_LEFT);
    this.#end(undefined);
    this.#parts = [];
    this.#failure = undefined;
    return Promise.resolve({ done: true, value: undefined });
  }

  #push(part: ChatStreamPart): void {
    if (this.#over) return;
    const resolve = this.#resolve;
    if (resolve === undefined) {
      this.#parts.push(part);
      return;
    }
    this.#resolve = undefined;
    this.#reject = undefined;
    resolve({ done: false, value: part });
  }

  #end(failure: { error: unknown } | undefined): void {
    if (this.#over) return;
    this.#over = true;
    this.#release();
    const resolve = this.#resolve;
    const reject = this.#reject;
    this.#resolve = undefined;
    this.#reject = undefined;
    if (failure && reject) reject(failure.error);
    else if (failure) this.#failure = failure;
    else resolve?.({ done: true, value: undefined });
  }
}

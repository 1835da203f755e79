/**
 * The tool calls of a streamed Chat Completions reply: the `delta.tool_calls` pieces of its chunks, as Parley's
 * `tool_call.start` and `tool_call.delta` parts.
 *
 * Upstreams split a call in different ways: OpenAI sends its id and name first and then its arguments in pieces,
 * some servers send a whole call in one piece, some several calls in one chunk, and their `index` values need not
 * start at 0 or follow each other. Parley's parts number the calls 0, 1, 2... in the order they begin, and a call
 * begins once both its id and its name have come: arguments that come before that are held until it does.
 *
 * Parley's parts give one call after another (Anthropic's stream, which a reply may be passed on in, cannot
 * interleave them), while a server may interleave the pieces of parallel calls. So the first call is handed on as
 * it comes, and any later ones whole, in order, by `flush` once the upstream has sent them all: the client runs
 * calls after the reply ends anyway.
 */
import { ProviderError } from "../../core/app-error.js";
import type { ChatStreamPart, ChatStreamSink } from "../chat-model.js";

/** One item of `delta.tool_calls` as it may come: every field is checked, as upstreams differ. */
type WirePiece = {
  index?: unknown;
  id?: unknown;
  function?: { name?: unknown; arguments?: unknown } | null;
};

type Call = {
  /** The upstream's id and name for the call, once they came. */
  id: string | undefined;
  name: string | undefined;
  /** Parley's index for the call, once it began. */
  index: number | undefined;
  /** Arguments that came before the call could begin. */
  held: string[];
};

export class OpenAIToolCallStream {
  /** The calls by the upstream's index. */
  readonly #byIndex = new Map<number, Call>();
  /** Every call, in the order the upstream first sent a piece of it. */
  readonly #calls: Call[] = [];
  #begun = 0;
  /** The parts of the calls after the first, held until `flush`. */
  #later: ChatStreamPart[][] = [];
  #flushed = false;

  /** How many calls began (a `tool_call.start` was handed on for each). */
  get begun(): number {
    return this.#begun;
  }

  /** Hands `sink` the parts one chunk's `delta.tool_calls` makes, in the order of its pieces. */
  push(pieces: readonly unknown[], sink: ChatStreamSink): void {
    for (const piece of pieces) {
      if (typeof piece !== "object" || piece === null) {
        throw new ProviderError(`The model sent a malformed tool call: ${JSON.stringify(piece)}`, {
          isRetryable: true,
        });
      }
      const { index, id, function: fields } = piece as WirePiece;
      const call = this.#callOf(index, id);
      const pieceOfArguments = fields?.arguments;
      if (call.index !== undefined) {
        if (isText(pieceOfArguments))
          this.#send({ type: "tool_call.delta", index: call.index, arguments: pieceOfArguments }, sink);
        // The id and name some servers repeat on every piece are the ones that began the call.
        continue;
      }
      if (call.id === undefined && isText(id)) call.id = id;
      if (call.name === undefined && isText(fields?.name)) call.name = fields.name;
      if (isText(pieceOfArguments)) call.held.push(pieceOfArguments);
      if (call.id !== undefined && call.name !== undefined) this.#begin(call, call.id, call.name, sink);
    }
  }

  /**
   * The error to end the reply with when a call never got its id or its name: the client could neither run it nor
   * answer it. Undefined when every call began.
   */
  incompleteCallError(): ProviderError | undefined {
    const call = this.#calls.find((each) => each.index === undefined);
    if (call === undefined) return undefined;
    const missing =
      call.id === undefined ? (call.name === undefined ? "an id or a name" : "an id") : "a name";
    const known = call.name ?? call.id;
    return new ProviderError(
      `The model's stream sent a tool call without ${missing}${known === undefined ? "" : ` (${known})`}.`,
      // The upstream's server breaks the protocol, which another try would not change; another model may serve.
      { isRetryable: false },
    );
  }

  #callOf(index: unknown, id: unknown): Call {
    if (typeof index === "number") {
      let call = this.#byIndex.get(index);
      if (call === undefined) {
        call = newCall();
        this.#byIndex.set(index, call);
        this.#calls.push(call);
      }
      return call;
    }
    // Without an index (some servers leave it out, sending each call whole), a piece with a new id is another
    // call and a piece without one goes on with the last.
    const last = this.#calls.at(-1);
    if (last !== undefined && !(isText(id) && id !== last.id)) return last;
    const call = newCall();
    this.#calls.push(call);
    return call;
  }

  #begin(call: Call, id: string, name: string, sink: ChatStreamSink): void {
    const index = this.#begun++;
    call.index = index;
    if (index > 0 && !this.#flushed) this.#later[index - 1] = [];
    this.#send({ type: "tool_call.start", index, id, name }, sink);
    for (const pieceOfArguments of call.held)
      this.#send({ type: "tool_call.delta", index, arguments: pieceOfArguments }, sink);
    call.held = [];
  }

  /** Hands on the calls after the first, whole and in order: when the upstream has sent every piece of them. */
  flush(sink: ChatStreamSink): void {
    if (this.#flushed) return;
    this.#flushed = true;
    for (const parts of this.#later) for (const part of parts) sink(part);
    this.#later = [];
  }

  #send(part: ChatStreamPart & { index: number }, sink: ChatStreamSink): void {
    const held = part.index > 0 ? this.#later[part.index - 1] : undefined;
    if (held) held.push(part);
    else sink(part);
  }
}

function newCall(): Call {
  return { id: undefined, name: undefined, index: undefined, held: [] };
}

function isText(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

/**
 * The usage of a reply written in several model calls: each call's usage is taken out of its stream and summed,
 * so the reply reports one `usage`, as a reply from one call would.
 */
import type { ChatStreamPart, UsagePart } from "../providers/chat-model.js";
import { sumUsage } from "../providers/sum-usage.js";

export class UsageTally {
  #usage: UsagePart | undefined;

  /** The sum so far; undefined while no call has reported usage. */
  get usage(): UsagePart | undefined {
    return this.#usage;
  }

  /** Passes a stream on without its usage, which is added to the tally instead. */
  async *withoutUsage(
    stream: AsyncIterable<ChatStreamPart>,
  ): AsyncGenerator<Exclude<ChatStreamPart, UsagePart>> {
    for await (const part of stream) {
      if (part.type === "usage") this.#usage = this.#usage ? sumUsage(this.#usage, part) : part;
      else yield part;
    }
  }
}

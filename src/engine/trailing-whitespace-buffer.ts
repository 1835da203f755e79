/** Holds back whitespace at the end of streamed text until more text follows it, so that a reply can end without it. */
export class TrailingWhitespaceBuffer {
  #held = "";

  /** The text that can be sent now: everything but its trailing whitespace, which waits for what comes next. */
  push(text: string): string {
    const pending = this.#held + text;
    const kept = pending.trimEnd();
    this.#held = pending.slice(kept.length);
    return kept;
  }

  /** The whitespace held, for a reply that ends where it may be content (cut off by its token limit). */
  flush(): string {
    const held = this.#held;
    this.#held = "";
    return held;
  }
}

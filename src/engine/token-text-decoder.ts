/** Turns generated tokens into text one token at a time without splitting a multi-byte character. */
import type { LlamaModel, Token } from "node-llama-cpp";

const unknownUnicodeCharacter = "\uFFFD";
/** A UTF-8 character has at most 4 bytes, so it never spans more tokens than this. */
const maxTokensPerCharacter = 4;
/** Enough preceding tokens for detokenizers that decide on a leading space from context. */
const trailLength = 16;

export class TokenTextDecoder {
  readonly #model: LlamaModel;
  readonly #trail: Token[];
  #pending: Token[] = [];

  /** `precedingTokens` (the prompt) lets the detokenizer continue the text as it would inside it. */
  constructor(model: LlamaModel, precedingTokens: readonly Token[]) {
    this.#model = model;
    this.#trail = precedingTokens.slice(-trailLength);
  }

  /** The text the token completes; "" while it only began a character that later tokens finish. */
  push(token: Token): string {
    this.#pending.push(token);
    const text = this.#model.detokenize(this.#pending, false, this.#trail);
    // A UTF-8 character split over byte tokens detokenizes to U+FFFD until its last byte arrives;
    // past 4 tokens the U+FFFD is real (invalid bytes), and holding on would only grow the work.
    if (text.endsWith(unknownUnicodeCharacter) && this.#pending.length < maxTokensPerCharacter) return "";
    this.#commit();
    return text;
  }

  /** Whatever is still pending once generation ended, an unfinished character included. */
  flush(): string {
    if (this.#pending.length === 0) return "";
    const text = this.#model.detokenize(this.#pending, false, this.#trail);
    this.#commit();
    return text;
  }

  #commit(): void {
    this.#trail.push(...this.#pending);
    if (this.#trail.length > trailLength) this.#trail.splice(0, this.#trail.length - trailLength);
    this.#pending = [];
  }
}

/** Hands out the context's sequences to requests, reusing the longest evaluated prompt prefix, with a bounded queue. */
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { AppError } from "../core/app-error.js";

export type SequenceLease = {
  readonly sequence: LlamaContextSequence;
  /** Leading prompt tokens already evaluated in the sequence; evaluation starts after them. */
  readonly reusedTokens: number;
  /** Gives the sequence back; its evaluated tokens stay, for the next turn of the same chat. */
  release(): void;
};

export type SequencePoolConfig = {
  /** Requests that may wait when every sequence is busy; one more is refused at once. */
  maxQueue: number;
};

type Slot = { sequence: LlamaContextSequence; busy: boolean; lastReleased: number };
type Waiter = {
  promptTokens: readonly Token[];
  resolve: (lease: SequenceLease) => void;
  reject: (error: unknown) => void;
};

/** Share of a prompt a sequence must already hold to be taken as the same conversation's earlier turn. */
const SAME_CONVERSATION_SIMILARITY = 0.5;

/** Lower goes first: empty sequences, then the ones released longest ago. */
function rankForEviction(slot: Slot): number {
  return slot.sequence.nextTokenIndex === 0 ? -1 : slot.lastReleased;
}

export class SequencePool {
  readonly #slots: Slot[];
  readonly #waiters: Waiter[] = [];
  readonly #maxQueue: number;
  #releases = 0;
  #closedReason: Error | undefined;

  constructor(sequences: readonly LlamaContextSequence[], config: SequencePoolConfig) {
    this.#slots = sequences.map((sequence) => ({ sequence, busy: false, lastReleased: 0 }));
    this.#maxQueue = config.maxQueue;
  }

  get size(): number {
    return this.#slots.length;
  }

  get busy(): number {
    return this.#slots.filter((slot) => slot.busy).length;
  }

  get queued(): number {
    return this.#waiters.length;
  }

  /**
   * Resolves with a sequence whose state is trimmed to the longest prefix it shares with `promptTokens`,
   * keeping at least the last prompt token unevaluated so that evaluating yields the next token's logits.
   */
  async acquire(promptTokens: readonly Token[], signal?: AbortSignal): Promise<SequenceLease> {
    signal?.throwIfAborted();
    if (this.#closedReason) throw this.#closedReason;
    const slot = this.#bestFreeSlot(promptTokens);
    if (slot) return this.#lease(slot, promptTokens);
    if (this.#waiters.length >= this.#maxQueue) {
      throw new AppError(
        "engine_overloaded",
        `All ${this.#slots.length} sequences are busy and ${this.#waiters.length} requests are waiting; retry later or start the engine with more sequences.`,
        { status: 503 },
      );
    }
    return new Promise<SequenceLease>((resolve, reject) => {
      // Once a waiter left the queue its lease is on the way: the holder sees the abort and releases it.
      const onAbort = () => {
        const index = this.#waiters.indexOf(waiter);
        if (index < 0) return;
        this.#waiters.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        promptTokens,
        resolve: (lease) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(lease);
        },
        reject: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Refuses new and queued requests; sequences already handed out are released by their holders. */
  close(reason: Error): void {
    this.#closedReason = reason;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(reason);
  }

  /**
   * A sequence counts as this prompt's own conversation only when it already holds most of the prompt
   * (llama.cpp's server uses the same similarity rule): every chat shares the template's first tokens, and
   * reusing by longest prefix alone would pile all chats onto one sequence and evict each other's cache
   * while the other sequences sit empty. Otherwise an empty sequence goes, then the least recently used.
   */
  #bestFreeSlot(promptTokens: readonly Token[]): Slot | undefined {
    let continued: Slot | undefined;
    let continuedShared = 0;
    let fallback: Slot | undefined;
    for (const slot of this.#slots) {
      if (slot.busy) continue;
      const shared = slot.sequence.compareContextTokens(promptTokens as Token[]).firstDifferentIndex;
      if (
        shared > 0 &&
        shared >= promptTokens.length * SAME_CONVERSATION_SIMILARITY &&
        shared > continuedShared
      ) {
        continued = slot;
        continuedShared = shared;
      }
      if (!fallback || rankForEviction(slot) < rankForEviction(fallback)) fallback = slot;
    }
    return continued ?? fallback;
  }

  async #lease(slot: Slot, promptTokens: readonly Token[]): Promise<SequenceLease> {
    slot.busy = true;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#release(slot);
    };
    try {
      const { sequence } = slot;
      const shared = sequence.compareContextTokens(promptTokens as Token[]).firstDifferentIndex;
      const keep = Math.max(0, Math.min(shared, promptTokens.length - 1));
      if (sequence.nextTokenIndex > keep) {
        await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
      }
      // When llama.cpp cannot cut the KV cache there, node-llama-cpp rebuilds it: trust the state, not `keep`.
      return { sequence, reusedTokens: Math.min(keep, sequence.nextTokenIndex), release };
    } catch (error) {
      release();
      throw error;
    }
  }

  #release(slot: Slot): void {
    slot.busy = false;
    slot.lastReleased = ++this.#releases;
    const waiter = this.#waiters.shift();
    if (waiter) this.#lease(slot, waiter.promptTokens).then(waiter.resolve, waiter.reject);
  }
}

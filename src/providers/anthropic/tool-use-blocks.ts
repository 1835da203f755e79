/** The `tool_use` content blocks of a streamed Anthropic reply, as Parley's tool call parts. */
import type { ToolUseBlock } from "@anthropic-ai/sdk/resources/messages";
import type { ChatStreamSink } from "../chat-model.js";

/**
 * Anthropic numbers all of a reply's content blocks together (text ones too), and Parley numbers its tool calls
 * alone, 0, 1, 2 ..., so this keeps which block is which call.
 */
export class ToolUseBlocks {
  /** Parley's call index by Anthropic's block index. */
  readonly #calls = new Map<number, number>();
  /**
   * A block's input as `content_block_start` gave it, held until its first `input_json_delta` replaces it or its
   * `content_block_stop` sends it. The API starts every block with `{}` and streams the input, but a compatible
   * server may give it whole at the start; the SDK's own accumulator reads the stream the same way.
   */
  readonly #startInputs = new Map<number, string>();

  start(blockIndex: number, block: ToolUseBlock, sink: ChatStreamSink): void {
    const index = this.#calls.size;
    this.#calls.set(blockIndex, index);
    sink({ type: "tool_call.start", index, id: block.id, name: block.name });
    const input = JSON.stringify(block.input ?? {});
    if (input !== "{}") this.#startInputs.set(blockIndex, input);
  }

  /** A piece of a call's arguments; blocks that are not tool calls (text, thinking) have none. */
  delta(blockIndex: number, partialJson: string, sink: ChatStreamSink): void {
    const index = this.#calls.get(blockIndex);
    // The API opens each input with an empty piece; a part with no text would tell the client nothing.
    if (index === undefined || partialJson === "") return;
    this.#startInputs.delete(blockIndex);
    sink({ type: "tool_call.delta", index, arguments: partialJson });
  }

  stop(blockIndex: number, sink: ChatStreamSink): void {
    const index = this.#calls.get(blockIndex);
    const input = this.#startInputs.get(blockIndex);
    if (index === undefined || input === undefined) return;
    this.#startInputs.delete(blockIndex);
    sink({ type: "tool_call.delta", index, arguments: input });
  }
}

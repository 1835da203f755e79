/** Turns Parley's chat prompt into the `system` and `messages` of an Anthropic Messages request. */
import type {
  Base64ImageSource,
  ImageBlockParam,
  MessageParam,
  TextBlockParam,
} from "@anthropic-ai/sdk/resources/messages";
import type { ChatPrompt } from "../chat-model.js";

export type AnthropicMessages = {
  system: string | undefined;
  messages: MessageParam[];
  /**
   * Whitespace cut from the end of a final assistant message (a prefill): the API refuses a prefill that ends in
   * whitespace, and the continuation then starts with the whitespace the caller already has.
   */
  trimmedPrefillWhitespace: string;
};

type Block = TextBlockParam | ImageBlockParam;

/**
 * System messages become the one top-level `system` prompt, wherever they stood. Consecutive turns of one role are
 * joined (the API wants user and assistant to alternate), and empty turns are dropped (the API refuses them).
 * A user message's images become base64 `image` blocks ahead of its text, the order Anthropic recommends; a turn
 * that is text alone stays a plain string.
 */
export function toAnthropicMessages(prompt: ChatPrompt): AnthropicMessages {
  const system = prompt
    .filter((message) => message.role === "system" && message.content !== "")
    .map((message) => message.content);
  const turns: { role: "user" | "assistant"; blocks: Block[] }[] = [];
  for (const message of prompt) {
    if (message.role === "system") continue;
    const blocks: Block[] = [
      ...(message.role === "user" ? (message.images ?? []) : []).map(
        (image): ImageBlockParam => ({
          type: "image",
          source: {
            type: "base64",
            media_type: image.mediaType as Base64ImageSource["media_type"],
            data: image.data,
          },
        }),
      ),
      ...(message.content === "" ? [] : [{ type: "text" as const, text: message.content }]),
    ];
    if (blocks.length === 0) continue;
    const previous = turns.at(-1);
    if (previous?.role === message.role) appendBlocks(previous.blocks, blocks);
    else turns.push({ role: message.role, blocks });
  }
  let trimmedPrefillWhitespace = "";
  const last = turns.at(-1);
  const lastBlock = last?.blocks.at(-1);
  if (last?.role === "assistant" && lastBlock?.type === "text") {
    const trimmed = lastBlock.text.trimEnd();
    trimmedPrefillWhitespace = lastBlock.text.slice(trimmed.length);
    // An assistant turn is text alone, joined into one block.
    if (trimmed === "") turns.pop();
    else lastBlock.text = trimmed;
  }
  return {
    system: system.length > 0 ? system.join("\n\n") : undefined,
    messages: turns.map((turn) => ({ role: turn.role, content: contentOf(turn.blocks) })),
    trimmedPrefillWhitespace: turns.at(-1)?.role === "assistant" ? trimmedPrefillWhitespace : "",
  };
}

/** Text that meets text is joined into one block, as the messages it came from were one turn each. */
function appendBlocks(blocks: Block[], more: readonly Block[]): void {
  for (const block of more) {
    const previous = blocks.at(-1);
    if (previous?.type === "text" && block.type === "text") previous.text += `\n\n${block.text}`;
    else blocks.push(block.type === "text" ? { ...block } : block);
  }
}

function contentOf(blocks: readonly Block[]): MessageParam["content"] {
  const [only] = blocks;
  return blocks.length === 1 && only?.type === "text" ? only.text : [...blocks];
}

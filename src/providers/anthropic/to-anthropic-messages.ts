/** Turns Parley's chat prompt into the `system` and `messages` of an Anthropic Messages request. */
import type {
  Base64ImageSource,
  ImageBlockParam,
  MessageParam,
  TextBlockParam,
  ToolResultBlockParam,
  ToolUseBlockParam,
} from "@anthropic-ai/sdk/resources/messages";
import type { ChatPrompt, ChatPromptMessage } from "../chat-model.js";
import { toToolUseInput } from "./to-tool-use-input.js";

export type AnthropicMessages = {
  system: string | TextBlockParam[] | undefined;
  messages: MessageParam[];
  /**
   * Whitespace cut from the end of a final assistant message (a prefill): the API refuses a prefill that ends in
   * whitespace, and the continuation then starts with the whitespace the caller already has.
   */
  trimmedPrefillWhitespace: string;
};

type Block = TextBlockParam | ImageBlockParam | ToolUseBlockParam | ToolResultBlockParam;

/** Anthropic's one kind of cache breakpoint: the prefix up to it is kept for five minutes from its last use. */
const EPHEMERAL = { type: "ephemeral" } as const;

/**
 * System messages become the one top-level `system` prompt, wherever they stood. Consecutive turns of one role are
 * joined (the API wants user and assistant to alternate), and empty turns are dropped (the API refuses them).
 * A user message's images become base64 `image` blocks ahead of its text, the order Anthropic recommends; a turn
 * that is text alone stays a plain string.
 *
 * An assistant message's tool calls become `tool_use` blocks after its text. Anthropic has no tool role: a tool
 * message becomes a `tool_result` block of a user turn, joined with the tool messages and the user message around
 * it, and ahead of that turn's other blocks, where the API looks for the answers to the calls just before.
 *
 * With `cacheBreakpoints`, the prompt's cacheable prefixes are marked for Anthropic's prompt cache: the end of the
 * system prompt (tools come before it, so they are cached with it), which every conversation of a bot shares, and
 * the end of the last turn (before a prefill) of a conversation under way, which its next request starts with. A request finds the longest prefix
 * cached at any block boundary shortly before a breakpoint, so marking only the last turn serves a conversation
 * turn after turn. Two breakpoints of the API's four; a prefix shorter than the model's minimum is not cached.
 */
export function toAnthropicMessages(
  prompt: ChatPrompt,
  options: { cacheBreakpoints?: boolean } = {},
): AnthropicMessages {
  const system = prompt
    .filter((message) => message.role === "system" && message.content !== "")
    .map((message) => message.content);
  const turns: { role: "user" | "assistant"; blocks: Block[] }[] = [];
  for (const message of prompt) {
    if (message.role === "system") continue;
    const role = message.role === "assistant" ? "assistant" : "user";
    const blocks = blocksOf(message);
    if (blocks.length === 0) continue;
    const previous = turns.at(-1);
    if (previous?.role === role) appendBlocks(previous.blocks, blocks);
    else turns.push({ role, blocks });
  }
  let trimmedPrefillWhitespace = "";
  const last = turns.at(-1);
  const lastBlock = last?.blocks.at(-1);
  if (last?.role === "assistant" && lastBlock?.type === "text") {
    const trimmed = lastBlock.text.trimEnd();
    trimmedPrefillWhitespace = lastBlock.text.slice(trimmed.length);
    if (trimmed !== "") lastBlock.text = trimmed;
    else if (last.blocks.length > 1) last.blocks.pop();
    else turns.pop();
  }
  // A final assistant turn is a prefill (a reply to continue), which no later request shares: the turn before it is.
  const cachedAt = turns.length - (turns.at(-1)?.role === "assistant" ? 2 : 1);
  const lastCachedBlock = turns[cachedAt]?.blocks.at(-1);
  // Only a conversation already under way (a reply before that turn) is likely to go on and be read back; a
  // prompt of one question alone, as most API calls are, would pay for the writing and never read it.
  const underWay = turns.slice(0, cachedAt).some((turn) => turn.role === "assistant");
  if (options.cacheBreakpoints && lastCachedBlock && underWay) lastCachedBlock.cache_control = EPHEMERAL;
  const systemText = system.length > 0 ? system.join("\n\n") : undefined;
  return {
    system:
      systemText !== undefined && options.cacheBreakpoints
        ? [{ type: "text", text: systemText, cache_control: EPHEMERAL }]
        : systemText,
    messages: turns.map((turn) => ({ role: turn.role, content: contentOf(turn.blocks) })),
    trimmedPrefillWhitespace: turns.at(-1)?.role === "assistant" ? trimmedPrefillWhitespace : "",
  };
}

/** A message's blocks, in the order the API reads them. */
function blocksOf(message: ChatPromptMessage): Block[] {
  if (message.role === "tool") {
    return [
      {
        type: "tool_result",
        // Checked before the prompt gets here; were it missing, the API's refusal would name the block.
        tool_use_id: message.toolCallId ?? "",
        // A result without text goes without `content`: the form the API documents for a tool that returns nothing.
        ...(message.content !== "" && { content: message.content }),
        ...(message.isError === true && { is_error: true }),
      },
    ];
  }
  return [
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
    ...(message.role === "assistant" ? (message.toolCalls ?? []) : []).map(
      (call): ToolUseBlockParam => ({
        type: "tool_use",
        id: call.id,
        name: call.name,
        input: toToolUseInput(call.arguments),
      }),
    ),
  ];
}

/**
 * Text that meets text is joined into one block, as the messages it came from were one turn each. A tool result
 * goes after the turn's other results but ahead of anything else: the API takes a user turn's results only at its
 * start, and a user message may stand between an assistant's calls and their answers.
 */
function appendBlocks(blocks: Block[], more: readonly Block[]): void {
  for (const block of more) {
    const previous = blocks.at(-1);
    if (block.type === "tool_result") {
      const firstOther = blocks.findIndex((other) => other.type !== "tool_result");
      blocks.splice(firstOther === -1 ? blocks.length : firstOther, 0, block);
    } else if (previous?.type === "text" && block.type === "text") previous.text += `\n\n${block.text}`;
    else blocks.push(block.type === "text" ? { ...block } : block);
  }
}

/** A turn that is one text block is sent as a plain string, unless the block marks a cache breakpoint. */
function contentOf(blocks: readonly Block[]): MessageParam["content"] {
  const [only] = blocks;
  return blocks.length === 1 && only?.type === "text" && !only.cache_control ? only.text : [...blocks];
}

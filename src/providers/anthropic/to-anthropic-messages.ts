/** Turns Parley's chat prompt into the `system` and `messages` of an Anthropic Messages request. */
import type {
  Base64ImageSource,
  ImageBlockParam,
  MessageParam,
  RedactedThinkingBlockParam,
  TextBlockParam,
  ThinkingBlockParam,
  ToolResultBlockParam,
  ToolUseBlockParam,
} from "@anthropic-ai/sdk/resources/messages";
import type { CacheBreak, CacheTtl } from "../../core/cache-break.js";
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

type Block =
  | TextBlockParam
  | ImageBlockParam
  | ToolUseBlockParam
  | ToolResultBlockParam
  | ThinkingBlockParam
  | RedactedThinkingBlockParam;

/** A block that can mark a cache breakpoint: any but thinking, which the API caches with the turn around it. */
type MarkableBlock = Exclude<Block, ThinkingBlockParam | RedactedThinkingBlockParam>;

function markable(block: Block | undefined): block is MarkableBlock {
  return block !== undefined && block.type !== "thinking" && block.type !== "redacted_thinking";
}

/**
 * Where the prompt's cache breakpoints go: `auto`, Parley's choice (below); `client`, where the client marked them
 * (the messages' `cacheBreaks`); absent, none.
 */
export type CacheMode = "auto" | "client";

/** Anthropic's one kind of cache breakpoint: the prefix up to it is kept for five minutes from its last use. */
const EPHEMERAL = { type: "ephemeral" } as const;

/** A breakpoint's marker: the default five minutes as the API's plain form, an hour with its `ttl`. */
export function cacheControlOf(ttl: CacheTtl): TextBlockParam["cache_control"] {
  return ttl === "1h" ? { type: "ephemeral", ttl } : EPHEMERAL;
}

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
 * With cache `auto`, the prompt's cacheable prefixes are marked for Anthropic's prompt cache: the end of the
 * system prompt (tools come before it, so they are cached with it), which every conversation of a bot shares, and
 * the end of the last turn (before a prefill) of a conversation under way, which its next request starts with. A request finds the longest prefix
 * cached at any block boundary shortly before a breakpoint, so marking only the last turn serves a conversation
 * turn after turn. Two breakpoints of the API's four; a prefix shorter than the model's minimum is not cached.
 * With cache `client`, the blocks the client marked are marked, and no others.
 */
export function toAnthropicMessages(
  prompt: ChatPrompt,
  options: { cache?: CacheMode } = {},
): AnthropicMessages {
  const client = options.cache === "client";
  const system = prompt.filter((message) => message.role === "system" && message.content !== "");
  const turns: { role: "user" | "assistant"; blocks: Block[] }[] = [];
  for (const message of prompt) {
    if (message.role === "system") continue;
    const role = message.role === "assistant" ? "assistant" : "user";
    const blocks = blocksOf(message, client);
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
  if (options.cache === "auto" && markable(lastCachedBlock) && underWay)
    lastCachedBlock.cache_control = EPHEMERAL;
  return {
    system: systemOf(system, options.cache),
    messages: turns.map((turn) => ({ role: turn.role, content: contentOf(turn.blocks) })),
    trimmedPrefillWhitespace: turns.at(-1)?.role === "assistant" ? trimmedPrefillWhitespace : "",
  };
}

/**
 * The system messages as one prompt, their texts joined by a blank line: a plain string, or one block marked as a
 * breakpoint (`auto`), or blocks split where the client marked them (`client`).
 */
function systemOf(
  system: readonly ChatPromptMessage[],
  cache: CacheMode | undefined,
): AnthropicMessages["system"] {
  if (system.length === 0) return undefined;
  const text = system.map((message) => message.content).join("\n\n");
  if (cache === "auto") return [{ type: "text", text, cache_control: EPHEMERAL }];
  if (cache !== "client" || !system.some((message) => message.cacheBreaks?.length)) return text;
  return system.flatMap((message, index) => {
    const separator = index > 0 ? "\n\n" : "";
    return textBlocks(`${separator}${message.content}`, shifted(message.cacheBreaks, separator.length));
  });
}

/** Breakpoints moved by `by` characters, for a text that gained that much ahead of it. */
function shifted(breaks: readonly CacheBreak[] | undefined, by: number): CacheBreak[] {
  return (breaks ?? []).map((mark) => (typeof mark.at === "number" ? { ...mark, at: mark.at + by } : mark));
}

/**
 * `text` as text blocks cut where a breakpoint falls inside it, each block that ends at one marked; no empty blocks
 * (the API refuses them). A breakpoint at the text's end marks its last block.
 */
function textBlocks(text: string, breaks: readonly CacheBreak[]): TextBlockParam[] {
  if (text === "") return [];
  const cuts = new Map<number, CacheTtl>();
  for (const mark of breaks) {
    if (typeof mark.at !== "number" || mark.at <= 0) continue;
    const at = Math.min(mark.at, text.length);
    // Two marks at one place are one breakpoint; the longer time to live holds.
    if (cuts.get(at) !== "1h") cuts.set(at, mark.ttl);
  }
  const blocks: TextBlockParam[] = [];
  let start = 0;
  for (const at of [...cuts.keys()].sort((a, b) => a - b)) {
    if (at > start)
      blocks.push({
        type: "text",
        text: text.slice(start, at),
        cache_control: cacheControlOf(cuts.get(at) ?? "5m"),
      });
    start = at;
  }
  if (start < text.length) blocks.push({ type: "text", text: text.slice(start) });
  return blocks;
}

/**
 * A message's blocks, in the order the API reads them; with `client`, marked where the client marked them: after a
 * marked text block, after the images (a mark at 0), or on the last block (`end`).
 */
function blocksOf(message: ChatPromptMessage, client: boolean): Block[] {
  const breaks = client ? (message.cacheBreaks ?? []) : [];
  const blocks = contentBlocksOf(message, breaks);
  const images = message.role === "user" ? (message.images?.length ?? 0) : 0;
  for (const mark of breaks) {
    const target =
      mark.at === "end" ? blocks.at(-1) : mark.at === 0 && images > 0 ? blocks[images - 1] : undefined;
    if (markable(target) && target.cache_control?.ttl !== "1h")
      target.cache_control = cacheControlOf(mark.ttl);
  }
  return blocks;
}

/** A message's blocks, its text cut (and marked) at the breakpoints that fall in it (see textBlocks). */
function contentBlocksOf(message: ChatPromptMessage, breaks: readonly CacheBreak[]): Block[] {
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
    // An assistant turn's thinking goes back first, as its model gave it: the API checks each block's signature.
    ...(message.role === "assistant" ? (message.thinking ?? []) : []),
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
    ...textBlocks(message.content, breaks),
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
    } else if (previous?.type === "text" && !previous.cache_control && block.type === "text") {
      // A marked block keeps its end, where the client's cached prefix stops; a mark on the block joined moves along.
      previous.text += `\n\n${block.text}`;
      if (block.cache_control) previous.cache_control = block.cache_control;
    } else blocks.push(block.type === "text" ? { ...block } : block);
  }
}

/** A turn that is one text block is sent as a plain string, unless the block marks a cache breakpoint. */
function contentOf(blocks: readonly Block[]): MessageParam["content"] {
  const [only] = blocks;
  return blocks.length === 1 && only?.type === "text" && !only.cache_control ? only.text : [...blocks];
}

/**
 * Tools a client offers a model, and the model's calls of them: what the OpenAI and Anthropic APIs have in common.
 * Parley passes tools through to the model and hands its calls back to the client, which runs them and answers
 * with their results (messages of role `tool`); Parley itself runs none of them.
 */
import type { CacheTtl } from "./cache-break.js";

/** A tool the model may call: a function with a JSON Schema for its arguments. */
export type ToolDefinition = {
  /** Letters, digits, `_` and `-`, at most 64: the name both APIs accept. */
  name: string;
  description?: string;
  /** A JSON Schema object for the arguments; without one, any object. */
  parameters?: Record<string, unknown>;
  /** OpenAI's strict mode: the arguments follow the schema exactly (its subset of JSON Schema). */
  strict?: boolean;
  /** A breakpoint of the prompt cache the client marked after this tool (tools come first in a prompt). */
  cacheTtl?: CacheTtl;
};

/**
 * Whether the model must call a tool: `auto` lets it choose, `none` forbids it, `required` makes it call one of
 * them, and `{ name }` makes it call that one.
 */
export type ToolChoice = "auto" | "none" | "required" | { name: string };

/** One call the model made: `arguments` is the JSON text it wrote, passed on as written (it may not parse). */
export type ToolCall = {
  id: string;
  name: string;
  arguments: string;
};

/** The tool names both APIs accept. */
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

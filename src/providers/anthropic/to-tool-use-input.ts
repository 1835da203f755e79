/** A tool call's arguments as the `input` of an Anthropic `tool_use` block. */

/** Where arguments that are not a JSON object go, as written (see `toToolUseInput`). */
export const UNPARSED_ARGUMENTS_KEY = "_unparsed_arguments";

/**
 * The Messages API takes a `tool_use` block's `input` only as an object, and a turn it refuses would fail every
 * later request of the conversation, since the turn stays in its history. So:
 * - blank arguments are `{}`: a call without arguments (Anthropic streams no input for an empty one, and OpenAI's
 *   models may write none either);
 * - a JSON object is sent as it is;
 * - anything else (JSON cut short at the token limit, malformed, or not an object) is sent as an object holding the
 *   text under `_unparsed_arguments`. The model then sees what it wrote, and the tool result that says the call
 *   failed makes sense to it; `{}` would show it a call it never made and hide what went wrong.
 */
export function toToolUseInput(args: string): Record<string, unknown> {
  if (args.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(args);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // Not JSON: kept as written, below.
  }
  return { [UNPARSED_ARGUMENTS_KEY]: args };
}

/**
 * The follow-up questions a reply ends with (the Topic explorer asks its model for them,
 * src/bots/built-in/topic-explorer.ts): after a marker line, a Markdown list, one question per item. The page
 * shows the text before the marker as the reply and the questions as chips to click.
 */

/** The same text as FOLLOW_UP_MARKER in src/bots/built-in/topic-explorer.ts (a test holds them equal). */
export const FOLLOW_UP_MARKER = "<!-- follow-up questions -->";

const LIST_ITEM = /^\s*(?:[-*+]|\d{1,2}[.)])\s+(.+?)\s*$/;

export type ReplyWithFollowUps = { body: string; questions: string[] };

/**
 * Splits a reply at its marker. While it streams, a half-written marker is hidden and a question shows only once
 * its line is complete, so a chip never sends half a question.
 */
export function splitFollowUps(content: string, streaming: boolean): ReplyWithFollowUps {
  const at = content.lastIndexOf(FOLLOW_UP_MARKER);
  if (at === -1) return { body: streaming ? withoutOpenMarker(content) : content, questions: [] };
  let lines = content.slice(at + FOLLOW_UP_MARKER.length).split("\n");
  if (streaming) lines = lines.slice(0, -1);
  const questions = lines
    .map((line) => LIST_ITEM.exec(line)?.[1]?.replace(/^\*\*(.+)\*\*$/, "$1"))
    .filter((question): question is string => question !== undefined && question !== "");
  return { body: content.slice(0, at).trimEnd(), questions };
}

function withoutOpenMarker(content: string): string {
  const at = content.lastIndexOf("<!--");
  if (at === -1) return content;
  return FOLLOW_UP_MARKER.startsWith(content.slice(at)) ? content.slice(0, at) : content;
}

/** The title a conversation takes from its first message. */

const TITLE_LENGTH = 80;

export function conversationTitle(content: string): string {
  const line = content.trim().replace(/\s+/g, " ");
  return line.length <= TITLE_LENGTH ? line : `${line.slice(0, TITLE_LENGTH - 1)}…`;
}

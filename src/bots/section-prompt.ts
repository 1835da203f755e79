/**
 * The prompt for one part of an article translated in several calls: the translator's instructions with a note on
 * which part this is and on the translation so far, the earlier turns, and the part itself as the last message.
 */
import type { ChatPrompt, ChatPromptMessage } from "../providers/chat-model.js";
import type { ArticleMessage, ArticlePart } from "./article-message.js";

/** The note on the translation so far: its latest headings and its last words, bounded. */
export const MAX_CONTINUITY_CHARACTERS = 800;
const CONTINUITY_HEADINGS = 6;
const CONTINUITY_TAIL_CHARACTERS = 200;
const HEADING_CHARACTERS = 100;

/** `continuity` is `continuityOf` the translation so far, or "" to leave it out. */
export function sectionPrompt(
  history: ChatPrompt,
  article: ArticleMessage,
  section: string,
  part: ArticlePart,
  continuity: string,
): ChatPromptMessage[] {
  const message: ChatPromptMessage = { role: "user", content: article.message(section, part) };
  if (part.count === 1) return [...history, message];
  const note = partNote(part, continuity, article.opening);
  const [first, ...rest] = history;
  return first?.role === "system"
    ? [{ ...first, content: `${first.content}\n\n${note}` }, ...rest, message]
    : [{ role: "system", content: note }, ...history, message];
}

/** The translated headings so far and the last words written; "" before anything is written. */
export function continuityOf(written: string): string {
  if (written === "") return "";
  const headings = headingsOf(written).slice(-CONTINUITY_HEADINGS);
  const tail = written.slice(-CONTINUITY_TAIL_CHARACTERS).replace(/\s+/g, " ").trim();
  const endsWith = `The translation so far ends with: «…${tail}»`;
  if (headings.length === 0) return endsWith;
  const listed = headings.map((heading) => `«${heading}»`).join(", ");
  const note = `The translation so far has the headings ${listed} and ends with: «…${tail}»`;
  return note.length <= MAX_CONTINUITY_CHARACTERS ? note : endsWith;
}

function partNote({ index, count }: ArticlePart, continuity: string, opening: string | undefined): string {
  const lines = [
    `## Part ${index} of ${count}`,
    `This article is too long for one reply, so Parley sends it in ${count} parts, one per request, and joins your translations into one reply. This message holds part ${index}: translate all of it, and only it.`,
  ];
  if (index === 1) {
    lines.push(
      "Begin as your instructions say. Do not ask the user to continue and add no closing remarks: Parley sends the next part itself.",
    );
    return lines.join("\n");
  }
  lines.push(
    "Do not repeat the title or the source line, and add no preamble: continue the translation where the previous part ended, in the same target language and with the same translations of terms.",
    index < count
      ? "Add no closing remarks: Parley sends the next part itself."
      : "This is the last part: end with a short note only if something needs the reader's attention.",
  );
  if (continuity !== "") lines.push(continuity);
  if (opening !== undefined) lines.push(`The user's message began: «${opening}»`);
  return lines.join("\n");
}

/** ATX headings outside fenced code, where a `#` line is a comment, not a heading. */
function headingsOf(markdown: string): string[] {
  const headings: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split("\n")) {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || (marker[0] === fence[0] && marker.length >= fence.length))) {
      fence = fence === undefined ? marker : undefined;
    } else if (fence === undefined && /^ {0,3}#{1,6}\s+\S/.test(line)) {
      headings.push(line.trim().slice(0, HEADING_CHARACTERS));
    }
  }
  return headings;
}

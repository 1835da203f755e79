/**
 * The user's message as an article to translate in parts: either a pasted text, or the article block
 * `articlePrompt` wrote around a fetched page. It gives the article's body and rebuilds the message around one
 * part of it.
 */
import { articleBlockIn } from "./article-prompt.js";

/** Which part of how many; numbered from 1. */
export type ArticlePart = { index: number; count: number };

export type ArticleMessage = {
  body: string;
  message(section: string, part: ArticlePart): string;
  /** For a pasted text: how the user's message began, which only the first part carries. */
  opening?: string;
};

/** What a pasted text began with, carried to later parts (it may name the target language). */
const OPENING_CHARACTERS = 200;

export function articleMessageOf(content: string): ArticleMessage {
  const block = articleBlockIn(content);
  if (block) {
    return {
      body: block.body,
      // The user's note (the target language) goes with every part; Parley's note on a cut article with the last.
      message: (section, part) =>
        `${block.head}${section}${block.close}${part.index === part.count ? block.after : ""}`,
    };
  }
  return {
    body: content,
    message: (section) => section,
    ...(content.length > OPENING_CHARACTERS && {
      opening: `${content.slice(0, OPENING_CHARACTERS).trim()}…`,
    }),
  };
}

/**
 * Whether the translator's turn is offered section by section: only when the user's message is long enough to
 * need it. Routing then sizes the turn by its first section, and the chosen model is wrapped to translate them all.
 */
import type { ChatModel, ChatPrompt } from "../providers/chat-model.js";
import { articleMessageOf } from "./article-message.js";
import { splitMarkdownSections } from "./markdown-sections.js";
import { SectionedTranslationModel, type TranslationBudget } from "./sectioned-translation-model.js";

/** A reply written in several model calls that still streams, and is stored, as one. */
export type SectionedReply = {
  /** What routing and fitting size the reply by: the prompt with one section of the article, not all of it. */
  routingPrompt: ChatPrompt;
  /** The model routing chose, made to translate section by section within its window. */
  wrap(model: ChatModel, budget: TranslationBudget): ChatModel;
};

/** Articles up to this long are routed and sent as they are; longer ones may need sections. */
const ROUTING_SAMPLE_CHARACTERS = 2_000;

/** Undefined when the last message is not an article long enough to need sections: the turn is then as any other. */
export function sectionedTranslation(prompt: ChatPrompt): SectionedReply | undefined {
  const last = prompt.at(-1);
  if (last?.role !== "user" || (last.images?.length ?? 0) > 0) return undefined;
  const article = articleMessageOf(last.content);
  if (article.body.length <= ROUTING_SAMPLE_CHARACTERS) return undefined;
  const sample = splitMarkdownSections(article.body, ROUTING_SAMPLE_CHARACTERS)[0]?.text ?? "";
  return {
    routingPrompt: [
      ...prompt.slice(0, -1),
      { ...last, content: article.message(sample, { index: 1, count: 1 }) },
    ],
    wrap: (model, budget) => new SectionedTranslationModel(model, budget),
  };
}

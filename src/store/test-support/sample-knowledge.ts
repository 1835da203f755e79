/** Test support: a bot and knowledge documents written straight to a store, split into sentences as the service does. */
import type { Bot } from "../../core/bot.js";
import { newId } from "../../core/ids.js";
import type { KnowledgeDocument, KnowledgeSentence } from "../../core/knowledge.js";
import type { ParleyStore } from "../../core/parley-store.js";
import { splitSentences } from "../../core/sentence-split.js";

export async function createSampleBot(store: ParleyStore): Promise<Bot> {
  const bot: Bot = {
    id: newId("bot"),
    ownerId: "local",
    slug: `bot-${Math.random().toString(36).slice(2, 10)}`,
    name: "Guide",
    description: "",
    avatar: "📘",
    instructions: "",
    conversationStarters: [],
    model: null,
    tier: null,
    temperature: null,
    tools: [],
    visibility: "private",
    version: 1,
    builtIn: null,
    createdAt: 1,
    updatedAt: 1,
  };
  await store.bots.create(bot, "local");
  return bot;
}

export async function addSampleDocument(
  store: ParleyStore,
  botId: string,
  title: string,
  content: string,
): Promise<{ document: KnowledgeDocument; sentences: KnowledgeSentence[] }> {
  const spans = splitSentences(content);
  const document: KnowledgeDocument = {
    id: newId("doc"),
    botId,
    title,
    mediaType: "text/markdown",
    content,
    sentenceCount: spans.length,
    createdAt: Date.now(),
  };
  const sentences: KnowledgeSentence[] = spans.map((span, position) => ({
    documentId: document.id,
    position,
    ...span,
    text: content.slice(span.start, span.end),
  }));
  await store.knowledge.add(document, sentences);
  return { document, sentences };
}

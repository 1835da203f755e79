/**
 * Changing bots and reading their knowledge files: the bot editor's and the source panel's part of the API, apart
 * from parley-api.ts so that the chat page, which loads those on demand, does not carry it.
 */
import type { Bot } from "../../../src/core/bot.js";
import type { KnowledgeDocument } from "../../../src/core/knowledge.js";
import { type BotListing, requestJson } from "./parley-api.js";

/** What a save of a bot sets (POST /api/bots, PATCH /api/bots/:id); the server fills what a new bot leaves out. */
export type BotFields = Partial<
  Omit<Bot, "id" | "ownerId" | "version" | "builtIn" | "createdAt" | "updatedAt">
>;

export function createBot(fields: BotFields & { name: string }): Promise<BotListing> {
  return requestJson("/api/bots", { method: "POST", body: JSON.stringify(fields) });
}

/** Saves the bot as its next version; refused (409) when someone saved a version after `expectedVersion`. */
export function updateBot(id: string, fields: BotFields, expectedVersion: number): Promise<BotListing> {
  return requestJson(`/api/bots/${encodeURIComponent(id)}`, {
    method: "PATCH",
    body: JSON.stringify({ ...fields, expectedVersion }),
  });
}

export function deleteBot(id: string): Promise<void> {
  return requestJson(`/api/bots/${encodeURIComponent(id)}`, { method: "DELETE" });
}

/** A knowledge file as lists show it: without its text. */
export type KnowledgeSummary = Omit<KnowledgeDocument, "content">;

export function listKnowledge(botId: string, signal?: AbortSignal): Promise<KnowledgeSummary[]> {
  return requestJson<{ documents: KnowledgeSummary[] }>(`/api/bots/${encodeURIComponent(botId)}/knowledge`, {
    ...(signal && { signal }),
  }).then((body) => body.documents);
}

/** A knowledge file with its text: citations point into `content` by offsets. */
export function getKnowledgeDocument(
  botId: string,
  documentId: string,
  signal?: AbortSignal,
): Promise<KnowledgeDocument> {
  return requestJson(`/api/bots/${encodeURIComponent(botId)}/knowledge/${encodeURIComponent(documentId)}`, {
    ...(signal && { signal }),
  });
}

/**
 * Uploads a knowledge file as it is (text, Markdown, HTML or PDF) as multipart/form-data, field `file`: the server
 * tells its type from its bytes and reads it. `title` names the document; the file's name does otherwise.
 */
export function uploadKnowledgeFile(botId: string, file: File, title?: string): Promise<KnowledgeSummary> {
  const form = new FormData();
  if (title) form.append("title", title);
  form.append("file", file, file.name);
  return requestJson(`/api/bots/${encodeURIComponent(botId)}/knowledge`, { method: "POST", body: form });
}

export function deleteKnowledgeDocument(botId: string, documentId: string): Promise<void> {
  return requestJson(`/api/bots/${encodeURIComponent(botId)}/knowledge/${encodeURIComponent(documentId)}`, {
    method: "DELETE",
  });
}

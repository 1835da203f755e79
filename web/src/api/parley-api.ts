/**
 * Parley's JSON API as the chat page uses it; streamed runs go through run-stream-client.ts instead, and the parts
 * only pages loaded on demand use are apart (bot-api.ts, account-api.ts), so the chat page does not carry them.
 */
import type { Bot } from "../../../src/core/bot.js";
import type { Conversation } from "../../../src/core/conversation.js";
import type { Attachment, Message } from "../../../src/core/message.js";
import type { Run } from "../../../src/core/run.js";
import type { PublicUser } from "../../../src/core/user.js";
import { ApiError } from "./api-error.js";
import type { ModelList } from "./model-listing.js";

/**
 * A message as GET /api/conversations/:id returns it: with the ids of its children in the tree, and the files a
 * user message carries (images, in the order they were attached).
 */
export type TreeMessage = Message & { children: string[]; attachments?: Attachment[] };

export type ConversationDetail = Conversation & { messages: TreeMessage[] };

/** A JSON request to Parley's API: the answer's body, or an ApiError with the server's code and message. */
export async function requestJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set("accept", "application/json");
  // A FormData body sets its own multipart content type, with the boundary.
  if (init.body !== undefined && !(init.body instanceof FormData))
    headers.set("content-type", "application/json");
  const response = await fetch(path, { ...init, headers });
  if (!response.ok) throw await ApiError.fromResponse(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export function listConversations(query: string, signal?: AbortSignal): Promise<Conversation[]> {
  const search = query.trim() ? `?q=${encodeURIComponent(query.trim())}` : "";
  return requestJson<{ conversations: Conversation[] }>(`/api/conversations${search}`, {
    ...(signal && { signal }),
  }).then((body) => body.conversations);
}

export function getConversation(id: string, signal?: AbortSignal): Promise<ConversationDetail> {
  return requestJson(`/api/conversations/${encodeURIComponent(id)}`, { ...(signal && { signal }) });
}

/** A new conversation; with a bot (its id or slug), every reply in it answers as that bot. */
export function createConversation(botId?: string): Promise<Conversation> {
  return requestJson("/api/conversations", {
    method: "POST",
    body: JSON.stringify(botId === undefined ? {} : { botId }),
  });
}

export function renameConversation(id: string, title: string): Promise<Conversation> {
  return requestJson(`/api/conversations/${encodeURIComponent(id)}`, {
    method: "PATCH",
    body: JSON.stringify({ title }),
  });
}

export function deleteConversation(id: string): Promise<void> {
  return requestJson(`/api/conversations/${encodeURIComponent(id)}`, { method: "DELETE" });
}

export function listModels(signal?: AbortSignal): Promise<ModelList> {
  return requestJson("/api/models", { ...(signal && { signal }) });
}

export function stopRun(runId: string): Promise<Run> {
  return requestJson(`/api/runs/${encodeURIComponent(runId)}/stop`, { method: "POST", body: "{}" });
}

export type AuthMode = "accounts" | "single-user";

export type AuthStatus = { mode: AuthMode; needsSetup: boolean };

/** Who the caller is; in single-user mode a user without an email. */
export type CurrentUser = { mode: AuthMode; user: Partial<PublicUser> & { id: string } };

export function getAuthStatus(): Promise<AuthStatus> {
  return requestJson("/api/auth/status");
}

export function getCurrentUser(): Promise<CurrentUser> {
  return requestJson("/api/auth/me");
}

export function signIn(email: string, password: string): Promise<{ user: PublicUser }> {
  return requestJson("/api/auth/login", { method: "POST", body: JSON.stringify({ email, password }) });
}

export function setUpAdmin(email: string, password: string): Promise<{ user: PublicUser }> {
  return requestJson("/api/auth/setup", { method: "POST", body: JSON.stringify({ email, password }) });
}

export function signOut(): Promise<void> {
  return requestJson("/api/auth/logout", { method: "POST", body: "{}" });
}

/** A bot as GET /api/bots shows it: its instructions only to those who may edit it. */
export type BotListing = Omit<Bot, "instructions"> & {
  instructions?: string;
  /** Where its image avatar is read (the session cookie goes with it); null when the avatar is an emoji. */
  avatarUrl: string | null;
  /** How the compatible APIs name it: `bot:<slug>`. */
  modelName: string;
  editable: boolean;
};

export function listBots(signal?: AbortSignal): Promise<BotListing[]> {
  return requestJson<{ bots: BotListing[] }>("/api/bots", { ...(signal && { signal }) }).then(
    (body) => body.bots,
  );
}

/** A bot by id (`bot_...`) or slug. */
export function getBot(idOrSlug: string, signal?: AbortSignal): Promise<BotListing> {
  return requestJson(`/api/bots/${encodeURIComponent(idOrSlug)}`, { ...(signal && { signal }) });
}

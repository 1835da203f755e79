/** Parley's JSON API as the web app uses it; streamed runs go through run-stream-client.ts instead. */
import type { Conversation } from "../../../src/core/conversation.js";
import type { Message } from "../../../src/core/message.js";
import type { Run } from "../../../src/core/run.js";
import type { PublicUser } from "../../../src/core/user.js";
import { ApiError } from "./api-error.js";
import type { ModelList } from "./model-listing.js";

/** A message as GET /api/conversations/:id returns it: with the ids of its children in the tree. */
export type TreeMessage = Message & { children: string[] };

export type ConversationDetail = Conversation & { messages: TreeMessage[] };

async function requestJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set("accept", "application/json");
  if (init.body !== undefined) headers.set("content-type", "application/json");
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

export function createConversation(): Promise<Conversation> {
  return requestJson("/api/conversations", { method: "POST", body: "{}" });
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

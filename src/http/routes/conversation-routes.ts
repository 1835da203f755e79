/** /api/conversations: create, list and search, read with the whole message tree, delete. */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { BotService } from "../../bots/bot-service.js";
import { NotFoundError } from "../../core/app-error.js";
import type { Conversation } from "../../core/conversation.js";
import { newId } from "../../core/ids.js";
import { childrenOf } from "../../core/message-thread.js";
import type { ParleyStore } from "../../core/parley-store.js";
import { toAttachment } from "../../files/file-service.js";
import type { RunService } from "../../runs/run-service.js";
import { principalOf } from "../auth/request-principal.js";
import { parseInput } from "../parse-body.js";

const createBody = z.object({
  title: z.string().max(500, "must be at most 500 characters").optional(),
  botId: z.string().min(1).max(200).optional(),
});

const listQuery = z.object({
  q: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const idParams = z.object({ id: z.string().min(1).max(200) });

const renameBody = z.object({
  title: z
    .string()
    .max(500, "must be at most 500 characters")
    .refine((title) => title.trim() !== "", "must not be empty"),
});

export function registerConversationRoutes(
  app: FastifyInstance,
  deps: { store: ParleyStore; runs: RunService; bots: BotService },
): void {
  const { store, runs, bots } = deps;

  /** The conversation if it is the caller's; anyone else's is "not found", never "forbidden". */
  const ownConversation = async (userId: string, id: string) => {
    const conversation = await store.conversations.get(id);
    if (!conversation || conversation.userId !== userId) throw new NotFoundError("Conversation", id);
    return conversation;
  };

  app.post("/api/conversations", async (request, reply) => {
    const { userId } = principalOf(request);
    const body = parseInput(createBody, request.body);
    // A bot conversation answers with the bot's current version from start to end (bots/bot-replies.ts).
    const bot = body.botId === undefined ? undefined : await bots.forConversation(userId, body.botId);
    const now = Date.now();
    const conversation: Conversation = {
      id: newId("conv"),
      userId,
      title: body.title?.trim() ?? "",
      botId: bot?.id ?? null,
      botVersion: bot?.version ?? null,
      createdAt: now,
      updatedAt: now,
    };
    await store.conversations.create(conversation);
    reply.status(201);
    return conversation;
  });

  app.get("/api/conversations", async (request) => {
    const { userId } = principalOf(request);
    const query = parseInput(listQuery, request.query, "query");
    const conversations = await store.conversations.list({
      userId,
      limit: query.limit,
      ...(query.q?.trim() && { query: query.q.trim() }),
    });
    return { conversations };
  });

  app.get("/api/conversations/:id", async (request) => {
    const { userId } = principalOf(request);
    const { id } = parseInput(idParams, request.params, "path");
    const conversation = await ownConversation(userId, id);
    const messages = await store.messages.listByConversation(id);
    const attached = await store.files.listAttached(id);
    const children = childrenOf(messages);
    return {
      ...conversation,
      messages: messages.map((message) => {
        // A reply still being written shows the text it has so far.
        const live = message.runId ? runs.live(message.runId) : undefined;
        const streaming = live && message.status === "streaming";
        return {
          ...message,
          ...(streaming && { content: live.text }),
          // A reply's checked citations, so a reload needs no replay of its run; while it streams, those so far.
          ...(message.role === "assistant" && {
            citations: streaming ? live.dataOf("citation") : (message.citations ?? []),
          }),
          children: children.get(message.id) ?? [],
          // Read the bytes of each with GET /api/files/:id.
          attachments: (attached.get(message.id) ?? []).map(toAttachment),
        };
      }),
    };
  });

  app.patch("/api/conversations/:id", async (request) => {
    const { userId } = principalOf(request);
    const { id } = parseInput(idParams, request.params, "path");
    const body = parseInput(renameBody, request.body);
    await ownConversation(userId, id);
    // Renaming is not activity: the conversation keeps its place in the list.
    await store.conversations.update(id, { title: body.title.trim() });
    return ownConversation(userId, id);
  });

  app.delete("/api/conversations/:id", async (request, reply) => {
    const { userId } = principalOf(request);
    const { id } = parseInput(idParams, request.params, "path");
    await ownConversation(userId, id);
    for (const message of await store.messages.listByConversation(id)) {
      if (message.runId && runs.live(message.runId)) await runs.stop(message.runId, userId);
    }
    if (!(await store.conversations.delete(id))) throw new NotFoundError("Conversation", id);
    reply.status(204).send();
  });
}

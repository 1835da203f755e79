/** /api/bots/:id/knowledge: a bot's knowledge files: add (text, Markdown or HTML), list, read, delete. */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { KnowledgeService } from "../../bots/knowledge-service.js";
import { principalOf } from "../auth/request-principal.js";
import { parseInput } from "../parse-body.js";

const MAX_DOCUMENT_CHARACTERS = 1_000_000;

const addBody = z
  .object({
    title: z.string().trim().min(1, "must not be empty").max(300, "must be at most 300 characters"),
    content: z
      .string()
      .min(1, "must not be empty")
      .max(MAX_DOCUMENT_CHARACTERS, `must be at most ${MAX_DOCUMENT_CHARACTERS} characters`),
    mediaType: z.enum(["text/plain", "text/markdown", "text/html"]).default("text/markdown"),
  })
  .strict();
const botParams = z.object({ id: z.string().min(1).max(200) });
const documentParams = botParams.extend({ documentId: z.string().min(1).max(200) });

export function registerKnowledgeRoutes(app: FastifyInstance, deps: { knowledge: KnowledgeService }): void {
  const { knowledge } = deps;

  app.post("/api/bots/:id/knowledge", async (request, reply) => {
    const principal = principalOf(request);
    const { id } = parseInput(botParams, request.params, "path");
    const body = parseInput(addBody, request.body);
    const { content: _content, ...document } = await knowledge.add(principal, id, body);
    reply.status(201);
    return document;
  });

  app.get("/api/bots/:id/knowledge", async (request) => {
    const principal = principalOf(request);
    const { id } = parseInput(botParams, request.params, "path");
    return { documents: await knowledge.list(principal, id) };
  });

  app.get("/api/bots/:id/knowledge/:documentId", async (request) => {
    const principal = principalOf(request);
    const { id, documentId } = parseInput(documentParams, request.params, "path");
    return knowledge.get(principal, id, documentId);
  });

  app.delete("/api/bots/:id/knowledge/:documentId", async (request, reply) => {
    const principal = principalOf(request);
    const { id, documentId } = parseInput(documentParams, request.params, "path");
    await knowledge.delete(principal, id, documentId);
    reply.status(204).send();
  });
}

/** Posting a message and regenerating a reply: each starts a run streamed back as SSE on the same response. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { ParleyStore } from "../../core/parley-store.js";
import { MAX_ATTACHMENTS } from "../../files/file-service.js";
import type { LiveRun } from "../../runs/live-run.js";
import type { RunService } from "../../runs/run-service.js";
import { assertKeyMayAsk } from "../auth/assert-key-may-ask.js";
import { principalOf } from "../auth/request-principal.js";
import type { ServedModelsConfig } from "../compatible/served-models.js";
import { parseInput } from "../parse-body.js";
import type { RunAdmission } from "../run-admission.js";
import { streamRunEvents } from "../stream-run-events.js";

const MAX_CONTENT_CHARACTERS = 500_000;

const messageBody = z
  .object({
    content: z.string().max(MAX_CONTENT_CHARACTERS, `must be at most ${MAX_CONTENT_CHARACTERS} characters`),
    /** Ids of the user's uploaded files (POST /api/files) the message shows the model, in order. */
    attachments: z
      .array(z.string().min(1).max(200))
      .max(MAX_ATTACHMENTS, `at most ${MAX_ATTACHMENTS} files`)
      .optional(),
    /** null starts a new root branch (an edit of the first message); absent continues from the newest message. */
    parentId: z.string().min(1).max(200).nullable().optional(),
    /** A model id, or "auto" to let Parley choose. */
    model: z.string().min(1).max(200).optional(),
    /** The lowest tier "auto" may choose from. */
    tier: z.enum(["fast", "balanced", "smart"]).optional(),
  })
  // An image may speak for itself ("what is this?" is implied); without one, there must be text.
  .refine((body) => body.content.trim() !== "" || (body.attachments?.length ?? 0) > 0, {
    path: ["content"],
    message: "must not be empty (unless the message has attachments)",
  });

const regenerateBody = z.object({
  model: z.string().min(1).max(200).optional(),
  tier: z.enum(["fast", "balanced", "smart"]).optional(),
});

const conversationParams = z.object({ id: z.string().min(1).max(200) });
const messageParams = conversationParams.extend({ messageId: z.string().min(1).max(200) });

export function registerMessageRoutes(
  app: FastifyInstance,
  deps: ServedModelsConfig & {
    store: ParleyStore;
    runs: RunService;
    admission: RunAdmission;
    pingIntervalMs: number;
  },
): void {
  const { runs, admission, pingIntervalMs } = deps;

  app.post("/api/conversations/:id/messages", async (request, reply) => {
    const { id } = parseInput(conversationParams, request.params, "path");
    const body = parseInput(messageBody, request.body);
    const principal = principalOf(request);
    // A model named is refused before it takes any of the key's limits; the rest is checked as the reply is routed.
    if (body.model !== undefined) await assertKeyMayAsk(deps, principal, body.model);
    await admission.admit(principal);
    const live = await runs.startReply({
      userId: principal.userId,
      apiKeyId: principal.apiKeyId,
      keyModels: principal.keyModels,
      conversationId: id,
      ...body,
    });
    return respondWithRun(request, reply, live, pingIntervalMs);
  });

  app.post("/api/conversations/:id/messages/:messageId/regenerate", async (request, reply) => {
    const { id, messageId } = parseInput(messageParams, request.params, "path");
    const body = parseInput(regenerateBody, request.body);
    const principal = principalOf(request);
    if (body.model !== undefined) await assertKeyMayAsk(deps, principal, body.model);
    await admission.admit(principal);
    const live = await runs.regenerate({
      userId: principal.userId,
      apiKeyId: principal.apiKeyId,
      keyModels: principal.keyModels,
      conversationId: id,
      messageId,
      ...body,
    });
    return respondWithRun(request, reply, live, pingIntervalMs);
  });
}

/** SSE for clients that accept it; otherwise the finished reply as one JSON document. */
async function respondWithRun(
  request: FastifyRequest,
  reply: FastifyReply,
  live: LiveRun,
  pingIntervalMs: number,
) {
  if (request.headers.accept?.includes("text/event-stream")) {
    await streamRunEvents(reply, (signal) => live.read(0, signal), pingIntervalMs);
    return reply;
  }
  const events = [];
  for await (const event of live.read(0)) events.push(event);
  const last = events.at(-1);
  return {
    runId: live.id,
    conversationId: live.record.conversationId,
    userMessageId: live.record.userMessageId,
    assistantMessageId: live.record.assistantMessageId,
    model: live.record.model,
    content: live.text,
    ...(last?.event === "run.end" && {
      finishReason: last.data.finishReason,
      usage: last.data.usage,
      timings: last.data.timings,
    }),
    ...(last?.event === "run.error" && { error: last.data }),
  };
}

/**
 * /api/auth/sessions: where the user is signed in. Each session says when it started, until when it holds, and which
 * browser and address signed in; the user ends one they do not know, or every one but this.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { NotFoundError } from "../../core/app-error.js";
import type { ParleyStore } from "../../core/parley-store.js";
import { publicSession } from "../../core/session.js";
import { principalOf } from "../auth/request-principal.js";
import { clearedSessionCookie, sessionHashOf } from "../auth/session-cookie.js";
import { parseInput } from "../parse-body.js";

/** A session's id is its token's hash: what the store knows it by, and no use for signing in. */
const sessionParams = z.object({ id: z.string().regex(/^[0-9a-f]{64}$/, "must be a session id") });

export function registerSessionRoutes(app: FastifyInstance, deps: { store: ParleyStore }): void {
  const { store } = deps;

  app.get("/api/auth/sessions", async (request) => {
    const { userId } = principalOf(request);
    const current = sessionHashOf(request);
    const sessions = await store.sessions.listByUser(userId, Date.now());
    return { sessions: sessions.map((session) => publicSession(session, current)) };
  });

  // Ending the session that asked signs it out, as logout does.
  app.delete("/api/auth/sessions/:id", async (request, reply) => {
    const { userId } = principalOf(request);
    const { id } = parseInput(sessionParams, request.params, "path");
    // Another user's session is "not found", so its existence is not confirmed.
    if (!(await store.sessions.deleteOfUser(userId, id))) throw new NotFoundError("Session", id);
    if (id === sessionHashOf(request)) reply.header("set-cookie", clearedSessionCookie());
    reply.status(204).send();
  });

  // Every session but the one that asked (with an API key, every session of its user).
  app.delete("/api/auth/sessions", async (request) => {
    const { userId } = principalOf(request);
    return { ended: await store.sessions.deleteByUser(userId, sessionHashOf(request)) };
  });
}

/** /api/auth: sign in and out, who am I, and the first-run setup of the admin account (loopback only). */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { ConflictError } from "../../core/app-error.js";
import type { ParleyStore } from "../../core/parley-store.js";
import { sha256Hex } from "../../core/secret-hash.js";
import { publicUser } from "../../core/user.js";
import { checkPassword, createAccount, startSession } from "../auth/accounts.js";
import { type AuthMode, assertSameOrigin, ForbiddenError } from "../auth/authenticate.js";
import { principalOf } from "../auth/request-principal.js";
import { clearedSessionCookie, sessionCookie, sessionTokenOf } from "../auth/session-cookie.js";
import { parseInput } from "../parse-body.js";

const credentials = z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) });

export function registerAuthRoutes(
  app: FastifyInstance,
  deps: { store: ParleyStore; mode: AuthMode; sessionDays: number },
): void {
  const { store } = deps;

  app.get("/api/auth/status", async () => ({
    mode: deps.mode,
    needsSetup: deps.mode === "accounts" && (await store.users.count()) === 0,
  }));

  app.post("/api/auth/login", async (request, reply) => {
    assertSameOrigin(request);
    const body = parseInput(credentials, request.body);
    const user = await checkPassword(store, body.email, body.password);
    const session = await startSession(store, user.id, deps.sessionDays);
    reply.header("set-cookie", sessionCookie(request, session.token, session.maxAgeSeconds));
    return { user: publicUser(user) };
  });

  app.post("/api/auth/setup", async (request, reply) => {
    assertSameOrigin(request);
    if (!isLoopbackRequest(request)) {
      throw new ForbiddenError(
        "The first account can only be created from this machine (a loopback address).",
      );
    }
    if ((await store.users.count()) > 0)
      throw new ConflictError("Parley already has an account; sign in instead.");
    const body = parseInput(credentials, request.body);
    const user = await createAccount(store, { ...body, role: "admin" });
    const session = await startSession(store, user.id, deps.sessionDays);
    reply.header("set-cookie", sessionCookie(request, session.token, session.maxAgeSeconds)).status(201);
    return { user: publicUser(user) };
  });

  app.post("/api/auth/logout", async (request, reply) => {
    const token = sessionTokenOf(request);
    if (token !== undefined) await store.sessions.delete(sha256Hex(token));
    reply.header("set-cookie", clearedSessionCookie()).status(204).send();
  });

  app.get("/api/auth/me", async (request) => {
    const principal = principalOf(request);
    const user = await store.users.get(principal.userId);
    return {
      mode: deps.mode,
      via: principal.via,
      user: user ? publicUser(user) : { id: principal.userId, role: principal.role },
    };
  });
}

function isLoopbackRequest(request: FastifyRequest): boolean {
  const address = request.socket.remoteAddress ?? "";
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

/**
 * /api/auth: sign in and out, who am I, a new password, and the first-run setup of the admin account (loopback
 * only).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { BadRequestError, ConflictError } from "../../core/app-error.js";
import type { ParleyStore } from "../../core/parley-store.js";
import type { RequestRateLimiter } from "../../core/rate-limiter.js";
import { verifyPassword } from "../../core/secret-hash.js";
import { publicUser } from "../../core/user.js";
import { checkPassword, createAccount, setPassword, startSession } from "../auth/accounts.js";
import { type AuthMode, assertSameOrigin, ForbiddenError } from "../auth/authenticate.js";
import { principalOf } from "../auth/request-principal.js";
import { clearedSessionCookie, sessionCookie, sessionHashOf } from "../auth/session-cookie.js";
import { parseInput } from "../parse-body.js";
import { RateLimitedError } from "../run-admission.js";

const credentials = z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) });
/**
 * Guesses at one account's password, a minute: plenty for a person who mistypes, far too few to guess one. Counted by
 * the account (the email typed, or the user changing theirs), whatever address they come from.
 */
const PASSWORD_ATTEMPTS_PER_MINUTE = 10;

const newPassword = z.object({
  currentPassword: z.string().min(1).max(1024),
  newPassword: z.string().min(1).max(1024),
});

export function registerAuthRoutes(
  app: FastifyInstance,
  deps: {
    store: ParleyStore;
    limiter: RequestRateLimiter;
    mode: AuthMode;
    sessionDays: number;
    signInsPerAddressPerMinute: number;
  },
): void {
  const { store } = deps;
  const takeAttempt = async (bucket: string, perMinute: number, what: string) => {
    const decision = await deps.limiter.take(bucket, perMinute);
    if (!decision.allowed) {
      throw new RateLimitedError(
        `Too many ${what}: at most ${perMinute} a minute. Try again in ${decision.retryAfterSeconds} s.`,
        decision.retryAfterSeconds,
      );
    }
  };
  const takePasswordAttempt = (account: string) =>
    takeAttempt(`password:${account}`, PASSWORD_ATTEMPTS_PER_MINUTE, "password attempts for this account");

  app.get("/api/auth/status", async () => ({
    mode: deps.mode,
    needsSetup: deps.mode === "accounts" && (await store.users.count()) === 0,
  }));

  app.post("/api/auth/login", async (request, reply) => {
    assertSameOrigin(request);
    const body = parseInput(credentials, request.body);
    // By address first: a client trying many emails is held back before it makes the server hash for each.
    await takeAttempt(
      `sign-in:${request.ip}`,
      deps.signInsPerAddressPerMinute,
      "sign-in attempts from this address",
    );
    await takePasswordAttempt(body.email.trim().toLowerCase());
    const user = await checkPassword(store, body.email, body.password);
    const session = await startSession(store, user.id, deps.sessionDays, clientOf(request));
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
    const session = await startSession(store, user.id, deps.sessionDays, clientOf(request));
    reply.header("set-cookie", sessionCookie(request, session.token, session.maxAgeSeconds)).status(201);
    return { user: publicUser(user) };
  });

  app.post("/api/auth/logout", async (request, reply) => {
    const sessionHash = sessionHashOf(request);
    if (sessionHash !== undefined) await store.sessions.delete(sessionHash);
    reply.header("set-cookie", clearedSessionCookie()).status(204).send();
  });

  // A new password needs the current one, whoever asks (a session, or a key, which carries no password of its own).
  // The user's other sessions end; the one that asked stays signed in.
  app.post("/api/auth/password", async (request, reply) => {
    const principal = principalOf(request);
    const body = parseInput(newPassword, request.body);
    const user = await store.users.get(principal.userId);
    if (!user) {
      throw new BadRequestError("This server runs in single-user mode (--no-auth), which has no passwords.", {
        code: "single_user_mode",
      });
    }
    await takePasswordAttempt(user.email);
    // A 400, not a 401: the caller is signed in, and a client must not take this for being signed out.
    if (!(await verifyPassword(body.currentPassword, user.passwordHash))) {
      throw new BadRequestError("The current password is wrong.", { code: "wrong_password" });
    }
    await setPassword(store, user.id, body.newPassword, sessionHashOf(request));
    reply.status(204).send();
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

/** Which browser and address a session starts from, as the user will see it listed. */
function clientOf(request: FastifyRequest): { userAgent: string | undefined; address: string | undefined } {
  return { userAgent: request.headers["user-agent"], address: request.ip };
}

function isLoopbackRequest(request: FastifyRequest): boolean {
  const address = request.socket.remoteAddress ?? "";
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

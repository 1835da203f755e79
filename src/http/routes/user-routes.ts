/**
 * /api/users: admins add people, set their roles and limits, reset their passwords, disable accounts, and delete them
 * with what they own.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { BadRequestError } from "../../core/app-error.js";
import type { ParleyStore } from "../../core/parley-store.js";
import { publicUser } from "../../core/user.js";
import type { RunService } from "../../runs/run-service.js";
import { createAccount, deleteAccount, setPassword } from "../auth/accounts.js";
import type { KeyPrincipalCache } from "../auth/key-principal-cache.js";
import { adminOf } from "../auth/request-principal.js";
import { sessionHashOf } from "../auth/session-cookie.js";
import { parseInput } from "../parse-body.js";

const createBody = z.object({
  email: z.string().min(1).max(320),
  password: z.string().min(1).max(1024),
  role: z.enum(["admin", "user"]).default("user"),
});
const patchBody = z.object({
  role: z.enum(["admin", "user"]).optional(),
  requestsPerMinute: z.number().int().min(1).nullable().optional(),
  tokensPerDay: z.number().int().min(1).nullable().optional(),
  /** True disables the account (it can no longer sign in, and its sessions and keys stop working); false enables it. */
  disabled: z.boolean().optional(),
  /** A new password for someone who forgot theirs: their sessions end. */
  password: z.string().min(1).max(1024).optional(),
});
const userParams = z.object({ id: z.string().min(1).max(200) });

export function registerUserRoutes(
  app: FastifyInstance,
  deps: { store: ParleyStore; keys: KeyPrincipalCache; runs: RunService },
): void {
  const { store, keys, runs } = deps;

  app.get("/api/users", async (request) => {
    adminOf(request);
    return { users: (await store.users.list()).map(publicUser) };
  });

  app.post("/api/users", async (request, reply) => {
    adminOf(request);
    const body = parseInput(createBody, request.body);
    reply.status(201);
    return { user: publicUser(await createAccount(store, body)) };
  });

  app.patch("/api/users/:id", async (request) => {
    const admin = adminOf(request);
    const { id } = parseInput(userParams, request.params, "path");
    const { disabled, password, ...changes } = parseInput(patchBody, request.body);
    // A server must never be left without an admin by a slip: another admin can do these, not the admin themself.
    if (id === admin.userId && (disabled === true || changes.role === "user")) {
      throw new BadRequestError(
        "An admin cannot disable their own account or give up their own admin role; another admin can.",
        { code: "own_account" },
      );
    }
    // The password first: one too short is refused before anything else changes.
    if (password !== undefined) {
      await setPassword(store, id, password, id === admin.userId ? sessionHashOf(request) : undefined);
    }
    await store.users.update(id, {
      ...changes,
      ...(disabled !== undefined && { disabledAt: disabled ? Date.now() : null }),
    });
    // Signed out everywhere: enabled again, the account signs in afresh.
    if (disabled === true) await store.sessions.deleteByUser(id);
    // The user's keys carry their role and limits: the next request reads the new ones (or finds the account disabled).
    keys.forgetUser(id);
    const user = await store.users.get(id);
    return { user: user && publicUser(user) };
  });

  app.delete("/api/users/:id", async (request) => {
    const admin = adminOf(request);
    const { id } = parseInput(userParams, request.params, "path");
    if (id === admin.userId) {
      throw new BadRequestError("An admin cannot delete their own account; another admin can.", {
        code: "own_account",
      });
    }
    // Shut out first, so that no new reply starts while its running ones are stopped and written down.
    await store.users.update(id, { disabledAt: Date.now() });
    await store.sessions.deleteByUser(id);
    keys.forgetUser(id);
    await runs.stopAllOf(id);
    return { deleted: await deleteAccount(store, id, admin.userId) };
  });
}

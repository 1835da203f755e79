/** /api/users: admins add people and set their limits. */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { ParleyStore } from "../../core/parley-store.js";
import { publicUser } from "../../core/user.js";
import { createAccount } from "../auth/accounts.js";
import type { KeyPrincipalCache } from "../auth/key-principal-cache.js";
import { adminOf } from "../auth/request-principal.js";
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
});
const userParams = z.object({ id: z.string().min(1).max(200) });

export function registerUserRoutes(
  app: FastifyInstance,
  deps: { store: ParleyStore; keys: KeyPrincipalCache },
): void {
  const { store, keys } = deps;

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
    adminOf(request);
    const { id } = parseInput(userParams, request.params, "path");
    const body = parseInput(patchBody, request.body);
    await store.users.update(id, body);
    // The user's keys carry their role and limits: the next request reads the new ones.
    keys.forgetUser(id);
    const user = await store.users.get(id);
    return { user: user && publicUser(user) };
  });
}

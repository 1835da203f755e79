/** Attaches the authenticated principal to every request that needs one, and reads it back in routes. */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Principal } from "../../core/principal.js";
import { ForbiddenError, UnauthenticatedError } from "./authenticate.js";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** Routes anyone may call: health, the login and first-run pages, and the web app's own files. */
function isPublic(request: FastifyRequest): boolean {
  const path = request.url.split("?")[0] ?? "";
  if (
    path === "/healthz" ||
    path === "/api/auth/login" ||
    path === "/api/auth/setup" ||
    path === "/api/auth/status"
  ) {
    return true;
  }
  return (
    request.method === "GET" && !path.startsWith("/api/") && !path.startsWith("/v1/") && path !== "/metrics"
  );
}

export function requirePrincipal(
  app: FastifyInstance,
  authenticate: (request: FastifyRequest) => Promise<Principal>,
): void {
  app.decorateRequest("principal", undefined);
  app.addHook("onRequest", async (request) => {
    if (isPublic(request)) return;
    request.principal = await authenticate(request);
  });
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthenticatedError();
  return request.principal;
}

export function adminOf(request: FastifyRequest): Principal {
  const principal = principalOf(request);
  if (principal.role !== "admin") throw new ForbiddenError("Only an admin may do this.");
  return principal;
}

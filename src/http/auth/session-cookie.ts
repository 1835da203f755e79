/** The session cookie: an httpOnly, SameSite token; the server keeps only its hash. */
import type { FastifyRequest } from "fastify";
import { sha256Hex } from "../../core/secret-hash.js";

export const SESSION_COOKIE = "parley_session";

export function sessionTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === SESSION_COOKIE) return decodeCookieValue(value.join("="));
  }
  return undefined;
}

/** The stored hash of the request's session token, if it carries one: how the store knows the session. */
export function sessionHashOf(request: FastifyRequest): string | undefined {
  const token = sessionTokenOf(request);
  return token === undefined ? undefined : sha256Hex(token);
}

export function sessionCookie(request: FastifyRequest, token: string, maxAgeSeconds: number): string {
  const secure = request.protocol === "https" ? "; Secure" : "";
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${Math.floor(maxAgeSeconds)}${secure}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
}

/** A malformed escape is some client's garbage, not a server error: the raw text then simply matches no session. */
function decodeCookieValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

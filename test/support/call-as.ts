/** A request to Parley as someone: a session cookie, an API key, or nobody; a body goes as JSON (and makes it a POST). */
import type { ParleyProcess } from "./parley-process.js";

export type Client = { cookie?: string; key?: string };

export function callAs(
  parley: ParleyProcess,
  client: Client,
  pathname: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  return parley.api(pathname, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: {
      ...(init.body !== undefined && { "content-type": "application/json" }),
      ...(client.cookie && { cookie: client.cookie }),
      ...(client.key && { authorization: `Bearer ${client.key}` }),
      ...init.headers,
    },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
}

/**
 * An outage in front of a fake embedding server (embeddings-upstream.ts), for tests of what Parley does while a
 * remote embedding model is down or rate-limited: real HTTP on 127.0.0.1 that answers the requests a test tells it to
 * fail with OpenAI's error (a 503, or a 429 with `Retry-After`), and passes every other on to the server, untouched.
 * It records when each request came and how it was answered.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** How a request that fails is answered. */
export type EmbeddingsFailure = { status: 429 | 500 | 502 | 503; retryAfter?: string };

export type EmbeddingsArrival = {
  /** Date.now() when the request's body had come. */
  at: number;
  /** The status it was answered with. */
  status: number;
};

export type EmbeddingsOutage = {
  /** The API's base, for a provider's `baseURL` or an embedder's. */
  baseURL: string;
  arrivals: EmbeddingsArrival[];
  /** The next `count` requests fail as `failure` says (after those already told to fail); the later ones pass. */
  failNext(count: number, failure: EmbeddingsFailure): void;
  close(): Promise<void>;
};

/** Starts the outage on a port of its own, in front of `upstreamBaseURL` (an EmbeddingsUpstream's `baseURL`). */
export async function startEmbeddingsOutage(upstreamBaseURL: string): Promise<EmbeddingsOutage> {
  const arrivals: EmbeddingsArrival[] = [];
  const failures: EmbeddingsFailure[] = [];
  const upstreamOrigin = new URL(upstreamBaseURL).origin;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", async () => {
      const at = Date.now();
      const failure = failures.shift();
      if (failure) {
        arrivals.push({ at, status: failure.status });
        response.writeHead(failure.status, {
          "content-type": "application/json",
          ...(failure.retryAfter !== undefined && { "retry-after": failure.retryAfter }),
        });
        // OpenAI's bodies for these.
        response.end(
          JSON.stringify({
            error:
              failure.status === 429
                ? {
                    message:
                      "Rate limit reached on requests per min (RPM): Limit 3000, Used 3000, Requested 1.",
                    type: "requests",
                    param: null,
                    code: "rate_limit_exceeded",
                  }
                : {
                    message: "The server is overloaded or not ready yet.",
                    type: "server_error",
                    param: null,
                    code: null,
                  },
          }),
        );
        return;
      }
      try {
        const passed = await fetch(`${upstreamOrigin}${request.url}`, {
          method: request.method,
          headers: Object.fromEntries(
            ["content-type", "authorization"].flatMap((name) => {
              const value = request.headers[name];
              return typeof value === "string" ? [[name, value]] : [];
            }),
          ),
          ...(chunks.length > 0 && { body: Buffer.concat(chunks) }),
        });
        const body = Buffer.from(await passed.arrayBuffer());
        arrivals.push({ at, status: passed.status });
        response.writeHead(passed.status, {
          "content-type": passed.headers.get("content-type") ?? "application/json",
        });
        response.end(body);
      } catch (error) {
        arrivals.push({ at, status: 502 });
        response.writeHead(502, { "content-type": "application/json" });
        response.end(JSON.stringify({ error: { message: `The outage could not pass it on: ${error}` } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    arrivals,
    failNext(count, failure) {
      for (let failed = 0; failed < count; failed++) failures.push(failure);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

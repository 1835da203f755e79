/**
 * The gateway benchmarks' fake OpenAI-compatible upstream, run as a child process (start it with
 * startServerProcess): `POST /v1/chat/completions` streams a role chunk, DELTAS content chunks, a finish
 * chunk, a usage chunk and `[DONE]`. The requested model chooses the pace:
 * - `paced`: each content chunk PACING_MS after the previous write (the load the benchmarks measure);
 * - `instant`: the same frames with no wait (to open connections and warm a gateway up before measuring);
 * - `held`: one content chunk a second until the client leaves (streams held open for the memory benchmark).
 * Each content chunk's text is `<index>@<epoch ms>`: when it was written, so a client can tell how long a
 * gateway held the frame, whatever the gateway does to the rest of the chunk; the first also carries
 * `@<epoch ms>` of the request's arrival here, so a client can tell how long a gateway took to forward it.
 * Arguments: DELTAS PACING_MS.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

const deltas = Number(process.argv[2] ?? 64);
const pacingMs = Number(process.argv[3] ?? 20);
const HELD_INTERVAL_MS = 1000;
/** A held stream ends on its own after this long, in case a client never leaves. */
const HELD_FOR_MS = 300_000;

/** Epoch milliseconds with sub-millisecond precision, comparable across processes on this machine. */
const epochNow = () => performance.timeOrigin + performance.now();

const server = createServer((request, response) => {
  if (request.method === "GET") {
    // Some gateways list models or probe the upstream; any JSON will do.
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({ object: "list", data: [{ id: "paced", object: "model", owned_by: "bench" }] }),
    );
    return;
  }
  let body = "";
  request.setEncoding("utf8");
  request.on("data", (chunk: string) => {
    body += chunk;
  });
  request.on("end", () => {
    const receivedAt = epochNow();
    let model = "paced";
    try {
      model = String((JSON.parse(body) as { model?: unknown }).model ?? "paced");
    } catch {
      response.writeHead(400, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: "body is not JSON", type: "invalid_request_error" } }));
      return;
    }
    stream(response, model, receivedAt);
  });
});
// Benchmarks open their connections once and reuse them across a whole measurement.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.requestTimeout = 0;

function stream(response: ServerResponse, model: string, receivedAt: number): void {
  const created = Math.floor(Date.now() / 1000);
  const id = `chatcmpl-bench-${created}`;
  const send = (data: string) => response.write(`data: ${data}\n\n`);
  const chunk = (delta: string, finishReason: string | null) =>
    `{"id":"${id}","object":"chat.completion.chunk","created":${created},"model":"${model}","choices":[{"index":0,"delta":${delta},"finish_reason":${finishReason === null ? "null" : `"${finishReason}"`}}]}`;
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  });
  send(chunk('{"role":"assistant","content":""}', null));
  const content = (index: number) =>
    chunk(
      `{"content":"${index}@${epochNow().toFixed(3)}${index === 0 ? `@${receivedAt.toFixed(3)}` : ""} "}`,
      null,
    );
  const finish = () => {
    send(chunk("{}", "stop"));
    send(
      `{"id":"${id}","object":"chat.completion.chunk","created":${created},"model":"${model}","choices":[],"usage":{"prompt_tokens":8,"completion_tokens":${deltas},"total_tokens":${8 + deltas}}}`,
    );
    send("[DONE]");
    response.end();
  };
  if (model === "instant") {
    for (let index = 0; index < deltas; index++) send(content(index));
    finish();
    return;
  }
  const interval = model === "held" ? HELD_INTERVAL_MS : pacingMs;
  const count = model === "held" ? Math.ceil(HELD_FOR_MS / HELD_INTERVAL_MS) : deltas;
  let index = 0;
  let timer: NodeJS.Timeout | undefined;
  // Each chunk waits for the previous write, not for a fixed schedule: a late chunk is never followed by
  // an early one, so no two content chunks leave this process closer together than the pacing.
  const next = () => {
    if (response.destroyed) return;
    send(content(index++));
    if (index < count) timer = setTimeout(next, interval);
    else finish();
  };
  response.on("close", () => clearTimeout(timer));
  timer = setTimeout(next, interval);
}

server.listen(0, "127.0.0.1", () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.once("disconnect", () => process.exit(0));

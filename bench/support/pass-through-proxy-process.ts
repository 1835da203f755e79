/**
 * The floor of what a Node gateway can do on this machine: a pass-through proxy of node:http and undici
 * that forwards every request to one upstream and pipes the response back, chunk for chunk, doing nothing
 * else. Run as a child process by startServerProcess; argument: the upstream's origin.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream";
import { Pool } from "undici";

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "host", "upgrade"]);
const withoutHopByHop = (headers: Record<string, string | string[] | undefined>) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));

const upstream = new Pool(process.argv[2] as string, { pipelining: 1, keepAliveTimeout: 120_000 });

const server = createServer((request, response) => {
  upstream
    .request({
      path: request.url ?? "/",
      method: request.method as "GET" | "POST",
      headers: withoutHopByHop(request.headers),
      body: request.method === "GET" ? null : request,
    })
    .then(
      ({ statusCode, headers, body }) => {
        response.writeHead(statusCode, withoutHopByHop(headers));
        // pipeline ends the response with the upstream's body and, if either side goes away, destroys both.
        pipeline(body, response, () => {});
      },
      (error: Error) => {
        response.writeHead(502, { "content-type": "application/json" });
        response.end(JSON.stringify({ error: { message: error.message, type: "bad_gateway" } }));
      },
    );
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;

server.listen(0, "127.0.0.1", () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.once("disconnect", () => process.exit(0));

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { callUpstream } from "./upstream-call.js";

const servers: Server[] = [];
const agent = new Agent();

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A server that answers with `chunks` numbered lines, each written on its own, and reports when a client leaves. */
async function serveLines(chunks: number): Promise<{ url: string; closedEarly: Promise<void> }> {
  let onClosedEarly: () => void = () => {};
  const closedEarly = new Promise<void>((resolve) => {
    onClosedEarly = resolve;
  });
  const server = createServer(async (_request, response) => {
    response.on("close", () => {
      if (!response.writableFinished) onClosedEarly();
    });
    response.writeHead(200, { "content-type": "text/plain" });
    for (let index = 0; index < chunks && !response.destroyed; index++) {
      response.write(`${index}\n`);
      // Separate writes reach the client as separate chunks.
      await new Promise((resolve) => setImmediate(resolve));
    }
    response.end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/lines`, closedEarly };
}

const call = (url: string, signal?: AbortSignal) =>
  callUpstream(url, {
    method: "GET",
    headers: {},
    dispatcher: agent,
    headersTimeout: 5_000,
    bodyTimeout: 5_000,
    ...(signal && { signal }),
  });

describe("callUpstream", () => {
  it("hands a reader that starts late every chunk, in order, after holding the connection back meanwhile", async () => {
    const { url } = await serveLines(500);
    const response = await call(url);
    expect(response.statusCode).toBe(200);
    // The server writes far more chunks than are queued before the connection is paused.
    await new Promise((resolve) => setTimeout(resolve, 200));
    let text = "";
    for await (const chunk of response.body) text += chunk.toString();
    expect(text).toBe(Array.from({ length: 500 }, (_, index) => `${index}\n`).join(""));
  });

  it("closes the connection when the reader leaves before the end", async () => {
    const { url, closedEarly } = await serveLines(100_000);
    const response = await call(url);
    for await (const chunk of response.body) {
      expect(chunk.toString()).toMatch(/^0\n/);
      break;
    }
    await closedEarly;
  });

  it("cancels the call when its signal aborts mid-body, failing the read with the signal's reason", async () => {
    const { url, closedEarly } = await serveLines(100_000);
    const abort = new AbortController();
    const response = await call(url, abort.signal);
    const reason = new Error("stopped by the user");
    const read = (async () => {
      for await (const _chunk of response.body) abort.abort(reason);
    })();
    await expect(read).rejects.toBe(reason);
    await closedEarly;
  });

  it("pipes a reader that starts late every chunk, those queued first, resuming the held connection", async () => {
    const { url } = await serveLines(500);
    const response = await call(url);
    // More chunks are written than are queued before the connection is paused: piping must resume it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const chunks: string[] = [];
    await response.body.pipeTo((chunk) => chunks.push(chunk.toString()));
    expect(chunks.join("")).toBe(Array.from({ length: 500 }, (_, index) => `${index}\n`).join(""));
  });

  it("cancels the call and rejects the pipe with what its reader threw", async () => {
    const { url, closedEarly } = await serveLines(100_000);
    const response = await call(url);
    const defect = new Error("the reader failed");
    let calls = 0;
    await expect(
      response.body.pipeTo(() => {
        calls++;
        throw defect;
      }),
    ).rejects.toBe(defect);
    await closedEarly;
    expect(calls).toBe(1);
  });

  it("rejects the pipe with the signal's reason when the call is aborted mid-body", async () => {
    const { url, closedEarly } = await serveLines(100_000);
    const abort = new AbortController();
    const response = await call(url, abort.signal);
    const reason = new Error("stopped by the user");
    await expect(response.body.pipeTo(() => abort.abort(reason))).rejects.toBe(reason);
    await closedEarly;
  });

  it("rejects, before any response, for an upstream that cannot be reached", async () => {
    const { url } = await serveLines(1);
    const unreachable = url.replace(/:\d+\//, ":1/");
    await expect(call(unreachable)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});

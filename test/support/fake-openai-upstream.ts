/**
 * A stand-in for a remote OpenAI-compatible provider: real HTTP on 127.0.0.1, the real Chat Completions wire
 * format, and a behaviour chosen by the requested model name (`ok`, `cut`, `error-500`, `context`, `slow`, `cite`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FakeUpstream = {
  baseURL: string;
  requests: { model: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
};

export async function startFakeOpenAIUpstream(): Promise<FakeUpstream> {
  const requests: FakeUpstream["requests"] = [];
  const server: Server = createServer(async (request, response) => {
    const body = JSON.parse(await readBody(request)) as Record<string, unknown>;
    const model = String(body.model);
    requests.push({ model, body });
    await respond(model, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function respond(model: string, response: ServerResponse): Promise<void> {
  if (model === "error-500") {
    response.writeHead(500, { "content-type": "application/json" });
    response.end(
      JSON.stringify({ error: { message: "upstream exploded", type: "server_error", code: null } }),
    );
    return;
  }
  if (model === "context") {
    response.writeHead(400, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        error: {
          message: "This model's maximum context length is 8 tokens.",
          type: "invalid_request_error",
          code: "context_length_exceeded",
        },
      }),
    );
    return;
  }
  response.writeHead(200, { "content-type": "text/event-stream" });
  const send = (data: unknown) => response.write(`data: ${JSON.stringify(data)}\n\n`);
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    id: "chatcmpl-fake",
    object: "chat.completion.chunk",
    created: 1,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  send(chunk({ role: "assistant", content: "" }));
  if (model === "cut") {
    send(chunk({ content: "Hel" }));
    // The connection dies mid-answer: no finish_reason, no [DONE].
    setTimeout(() => response.socket?.destroy(), 10);
    return;
  }
  const pieces =
    model === "slow"
      ? Array.from({ length: 200 }, () => "x")
      : model === "cite"
        ? // Cites a bot's knowledge: one mark split across chunks, and one that names no sentence it was shown.
          ["Timers fire after their delay ", "[S", "1]. Also see ", "[S99]."]
        : ["Hello", " world"];
  for (const piece of pieces) {
    if (response.destroyed) return;
    send(chunk({ content: piece }));
    if (model === "slow") await new Promise((resolve) => setTimeout(resolve, 10));
  }
  send(chunk({}, "stop"));
  send({
    id: "chatcmpl-fake",
    object: "chat.completion.chunk",
    created: 1,
    model,
    choices: [],
    usage: { prompt_tokens: 5, completion_tokens: pieces.length, total_tokens: 5 + pieces.length },
  });
  response.end("data: [DONE]\n\n");
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => resolve(body));
    request.on("error", reject);
  });
}

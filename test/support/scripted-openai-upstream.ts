/**
 * A stand-in for a remote OpenAI-compatible model whose replies a test writes: real HTTP on 127.0.0.1, the real
 * streamed Chat Completions wire format (role delta, word deltas, finish, usage chunk, [DONE]), and a reply chosen
 * by a script from what the request says, the way a model follows its prompt (a bot's instructions and knowledge
 * arrive in the system message).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type ScriptedTurn = { role: string; content: string };

export type ScriptedRequest = {
  model: string;
  /** The system messages, joined: a bot's instructions and its knowledge. */
  system: string;
  /** Every other message, in order; the last is the user's latest. */
  turns: ScriptedTurn[];
};

export type ReplyScript = (request: ScriptedRequest) => string;

export type ScriptedUpstream = {
  baseURL: string;
  requests: ScriptedRequest[];
  close(): Promise<void>;
};

export async function startScriptedUpstream(script: ReplyScript): Promise<ScriptedUpstream> {
  const requests: ScriptedRequest[] = [];
  const server: Server = createServer(async (request, response) => {
    if (request.method !== "POST" || request.url?.split("?")[0] !== "/v1/chat/completions") {
      response.writeHead(404, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: `No route for ${request.method} ${request.url}` } }));
      return;
    }
    const body = JSON.parse(await readBody(request)) as {
      model: string;
      messages: { role: string; content: unknown }[];
    };
    const messages = body.messages.map((message) => ({
      role: message.role,
      content: textOf(message.content),
    }));
    const scripted: ScriptedRequest = {
      model: body.model,
      system: messages
        .filter((message) => message.role === "system")
        .map((message) => message.content)
        .join("\n"),
      turns: messages.filter((message) => message.role !== "system"),
    };
    requests.push(scripted);
    const pieces = script(scripted).split(/(?=\s)/);

    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (data: unknown) => response.write(`data: ${JSON.stringify(data)}\n\n`);
    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
      id: "chatcmpl-scripted",
      object: "chat.completion.chunk",
      created: 1,
      model: body.model,
      choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
    });
    send(chunk({ role: "assistant", content: "" }));
    for (const piece of pieces) send(chunk({ content: piece }));
    send(chunk({}, "stop"));
    send({
      id: "chatcmpl-scripted",
      object: "chat.completion.chunk",
      created: 1,
      model: body.model,
      choices: [],
      usage: { prompt_tokens: 10, completion_tokens: pieces.length, total_tokens: 10 + pieces.length },
    });
    response.end("data: [DONE]\n\n");
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

/**
 * The sentences a bot's knowledge showed the model, by id, as the prompt lists them
 * (src/bots/knowledge-prompt.ts: `[S1] The sentence.` lines).
 */
export function knowledgeSentencesOf(system: string): Map<string, string> {
  const sentences = new Map<string, string>();
  for (const match of system.matchAll(/^\[(S\d+)\] (.+)$/gm))
    sentences.set(match[1] as string, match[2] as string);
  return sentences;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (typeof part === "object" && part !== null && "text" in part ? String(part.text) : ""))
      .join("");
  }
  return "";
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

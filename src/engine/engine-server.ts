/** The local engine's HTTP server: one GGUF model behind an OpenAI-compatible API (chat, embeddings) on node:http. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AppError, BadRequestError } from "../core/app-error.js";
import { ChatCompletionHandler, type EngineCounters } from "./chat-completion-handler.js";
import { parseChatCompletionRequest } from "./chat-completion-request.js";
import { EmbeddingHandler } from "./embedding-handler.js";
import { type EngineConfig, type ResolvedEngineConfig, resolveEngineConfig } from "./engine-config.js";
import { readJsonBody, sendError, sendJson } from "./engine-http.js";
import { type EngineModel, type LoadedModel, loadLlamaModel, withChatContext } from "./engine-model.js";
import { assertLoadableGguf } from "./gguf-requirements.js";
import { SequencePool } from "./sequence-pool.js";
import { chatPrompt } from "./tool-plan.js";

export type EngineServer = {
  /** Base of the API, for example `http://127.0.0.1:41234/v1`. */
  readonly baseURL: string;
  readonly url: string;
  readonly port: number;
  readonly modelId: string;
  /** Token counts and sequence use, as in `GET /health`. */
  health(): EngineHealth;
  /** Ends requests in flight, stops listening and frees the model. */
  close(): Promise<void>;
};

export type EngineHealth = {
  ok: true;
  model: string;
  contextSize: number;
  threads: number;
  sequences: { total: number; busy: number; queued: number };
} & EngineCounters;

/** Loads the model and listens; rejects (without crashing) when the file is malformed or the port taken. */
export async function startEngine(config: EngineConfig): Promise<EngineServer> {
  const resolved = resolveEngineConfig(config);
  // llama.cpp aborts the whole process on some malformed files; refuse them with a message instead.
  await assertLoadableGguf(resolved.modelPath);
  const loaded = await loadLlamaModel(resolved);
  const engineModel = resolved.embeddingOnly ? undefined : await withChatContext(loaded, resolved);
  const embeddings = new EmbeddingHandler({
    model: loaded.model,
    modelId: resolved.modelId,
    threads: resolved.threads,
    contextSize: resolved.contextSize,
    log: resolved.log,
  });
  if (resolved.embeddingOnly) {
    try {
      await embeddings.context();
    } catch (error) {
      await loaded.dispose();
      throw error;
    }
  }
  const chat = engineModel && chatSide(engineModel, resolved);
  const health = (): EngineHealth => ({
    ok: true,
    model: resolved.modelId,
    contextSize: engineModel?.contextSize ?? embeddings.contextSize ?? 0,
    threads: resolved.threads,
    sequences: { total: chat?.pool.size ?? 0, busy: chat?.pool.busy ?? 0, queued: chat?.pool.queued ?? 0 },
    ...(chat?.completions.counters ?? noChatCounters),
  });
  const chatOnly = (): ChatSide => {
    if (chat) return chat;
    throw new BadRequestError(
      `The model ${JSON.stringify(resolved.modelId)} is served for embeddings only; use POST /v1/embeddings.`,
      { code: "not_a_chat_model", details: { param: "model" } },
    );
  };
  const created = Math.floor(Date.now() / 1000);

  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? "/").split("?", 1)[0];
    if (path === "/v1/chat/completions") {
      if (request.method !== "POST") return methodNotAllowed(response, "POST");
      return chatOnly().completions.handle(request, response);
    }
    if (path === "/v1/embeddings") {
      if (request.method !== "POST") return methodNotAllowed(response, "POST");
      return embeddings.handle(request, response);
    }
    if (path === "/v1/tokenize") {
      // Parley's extension: the prompt's token count as the chat template renders it, so the server can
      // fit a conversation into the context window before it sends anything.
      if (request.method !== "POST") return methodNotAllowed(response, "POST");
      const { engineModel } = chatOnly();
      const chat = parseChatCompletionRequest({
        max_tokens: 1,
        ...((await readJsonBody(request)) as object),
      });
      // Tools count as a completion renders them.
      const { prompt } = chatPrompt(engineModel.model, engineModel.chatWrapper, chat);
      return sendJson(response, 200, {
        prompt_tokens: prompt.tokens.length,
        context_size: engineModel.contextSize,
      });
    }
    if (path === "/health") {
      if (request.method !== "GET") return methodNotAllowed(response, "GET");
      return sendJson(response, 200, health());
    }
    if (path === "/v1/models") {
      if (request.method !== "GET") return methodNotAllowed(response, "GET");
      return sendJson(response, 200, {
        object: "list",
        data: [{ id: resolved.modelId, object: "model", created, owned_by: "parley" }],
      });
    }
    sendError(
      response,
      new AppError("not_found", `No route for ${request.method} ${path}.`, { status: 404 }),
    );
  };

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (!response.headersSent && !response.destroyed) sendError(response, error);
      else response.destroy();
      // AppErrors are answers (a 400, a 405); anything else is a defect worth its stack.
      if (!(error instanceof AppError)) {
        resolved.log(
          `engine request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      }
    });
  });
  try {
    await listen(server, resolved.port, resolved.host);
  } catch (error) {
    await loaded.dispose();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${urlHost(resolved.host)}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    baseURL: `${url}/v1`,
    url,
    port,
    modelId: resolved.modelId,
    health,
    close: () => {
      closing ??= closeEngine(server, [chat?.completions, embeddings], loaded);
      return closing;
    },
  };
}

/** What an engine that chats has beyond its model. */
type ChatSide = { engineModel: EngineModel; pool: SequencePool; completions: ChatCompletionHandler };

function chatSide(engineModel: EngineModel, resolved: ResolvedEngineConfig): ChatSide {
  const pool = new SequencePool(engineModel.sequences, { maxQueue: resolved.maxQueue });
  const completions = new ChatCompletionHandler({
    engineModel,
    pool,
    modelId: resolved.modelId,
    defaultTemperature: resolved.defaultTemperature,
    log: resolved.log,
  });
  return { engineModel, pool, completions };
}

const noChatCounters: EngineCounters = {
  requests: 0,
  completedRequests: 0,
  abortedRequests: 0,
  promptTokens: 0,
  cachedPromptTokens: 0,
  generatedTokens: 0,
};

async function closeEngine(
  server: Server,
  handlers: readonly ({ stop(): Promise<void> } | undefined)[],
  loaded: LoadedModel,
) {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  await Promise.all(handlers.map((handler) => handler?.stop()));
  server.closeAllConnections();
  await closed;
  await loaded.dispose();
}

function methodNotAllowed(response: ServerResponse, allowed: string): void {
  sendError(response, new AppError("method_not_allowed", `Use ${allowed} on this path.`, { status: 405 }));
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

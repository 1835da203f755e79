/** Builds Parley's Fastify app: the JSON API, run streams, health, and one error shape for all of them. */
import multipart from "@fastify/multipart";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { BotService } from "../bots/bot-service.js";
import type { KnowledgeEmbeddings } from "../bots/knowledge-embeddings.js";
import { KnowledgeService } from "../bots/knowledge-service.js";
import type { ParleyStore } from "../core/parley-store.js";
import { RateLimiter, type RequestRateLimiter } from "../core/rate-limiter.js";
import { FileService } from "../files/file-service.js";
import type { EmbeddingCatalog } from "../runs/embedding-catalog.js";
import type { ModelCatalog } from "../runs/model-catalog.js";
import type { RunMetrics } from "../runs/run-metrics.js";
import type { RunService } from "../runs/run-service.js";
import { type AuthMode, createAuthenticator } from "./auth/authenticate.js";
import { KeyPrincipalCache } from "./auth/key-principal-cache.js";
import { requirePrincipal } from "./auth/request-principal.js";
import { registerAnthropicMessagesRoutes } from "./compatible/anthropic-messages-routes.js";
import { registerCompatibleModelsRoutes } from "./compatible/compatible-models-routes.js";
import { registerOpenAIChatRoutes } from "./compatible/openai-chat-routes.js";
import { registerOpenAIEmbeddingsRoutes } from "./compatible/openai-embeddings-routes.js";
import { registerOpenAIResponsesRoutes } from "./compatible/openai-responses-routes.js";
import { handleError } from "./error-handler.js";
import { registerAuthRoutes } from "./routes/auth-routes.js";
import { registerBotRoutes } from "./routes/bot-routes.js";
import { registerConversationRoutes } from "./routes/conversation-routes.js";
import { registerFileRoutes } from "./routes/file-routes.js";
import { registerKeyRoutes } from "./routes/key-routes.js";
import { registerKnowledgeRoutes } from "./routes/knowledge-routes.js";
import { registerMessageRoutes } from "./routes/message-routes.js";
import { registerMetricsRoutes } from "./routes/metrics-routes.js";
import { registerModelRoutes } from "./routes/model-routes.js";
import { registerRunRoutes } from "./routes/run-routes.js";
import { registerSessionRoutes } from "./routes/session-routes.js";
import { registerUsageRoutes } from "./routes/usage-routes.js";
import { registerUserRoutes } from "./routes/user-routes.js";
import { type Limits, RunAdmission } from "./run-admission.js";
import { registerWebApp } from "./serve-web-app.js";
import { registerStrictJsonParser } from "./strict-json-parser.js";

/** The largest single uploaded file: a long PDF or a large photo fits; anything bigger is refused with 413. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

export type AppConfig = {
  store: ParleyStore;
  runs: RunService;
  bots: BotService;
  catalog: ModelCatalog;
  /** The embedding models, for `/v1/embeddings`. */
  embeddings: EmbeddingCatalog;
  metrics: RunMetrics;
  bodyLimit: number;
  pingIntervalMs: number;
  logger: FastifyBaseLogger | boolean;
  auth: { mode: AuthMode; sessionDays: number; signInsPerAddressPerMinute: number };
  /** Fastify's `trustProxy`: whether a client's address (`request.ip`) is read from X-Forwarded-For. */
  trustProxy: boolean | number | string[];
  limits: Limits;
  /** The built web app (web/dist), served at `/`; absent for an API-only server. */
  webDistDir?: string;
  /** Embeds added knowledge documents, when an embedding model is configured. */
  knowledgeEmbeddings?: KnowledgeEmbeddings;
  /** Where per-minute limits are counted: shared by the servers (Redis), or this process's memory when absent. */
  rateLimiter?: RequestRateLimiter;
};

export function createApp(config: AppConfig): FastifyInstance {
  const app = Fastify({
    bodyLimit: config.bodyLimit,
    // A number of hops is what Fastify does for an integer, which its types leave out: trust the nearest n.
    trustProxy:
      typeof config.trustProxy === "number"
        ? (_address: string, hop: number) => hop < (config.trustProxy as number)
        : config.trustProxy,
    // The body limit is the one guard on size; ids in paths are validated by each route.
    routerOptions: { maxParamLength: 200 },
    ...(typeof config.logger === "boolean" ? { logger: config.logger } : { loggerInstance: config.logger }),
    return503OnClosing: true,
    // A line per request would drown what matters (engine state, failures) at chat-streaming rates.
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;

  registerStrictJsonParser(app);
  // Uploads (knowledge files, image attachments) come as multipart/form-data; a route reads them with
  // request.file() or request.parts(). Limits are per request so a huge or endless upload is cut, not buffered.
  app.register(multipart, {
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 10, fields: 20, fieldSize: 100_000 },
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .send({ error: { code: "not_found", message: `No route ${request.method} ${request.url}.` } });
  });

  const { store, runs, bots, catalog, pingIntervalMs } = config;
  // Shared by every server when Redis is configured, so that a limit holds once for all of them.
  const limiter = config.rateLimiter ?? new RateLimiter();
  const admission = new RunAdmission({ store, defaults: config.limits, limiter });
  const keys = new KeyPrincipalCache();
  requirePrincipal(app, createAuthenticator({ store, mode: config.auth.mode, keys }));

  app.get("/healthz", async () => ({ ok: true }));
  registerAuthRoutes(app, { store, limiter, ...config.auth });
  registerSessionRoutes(app, { store });
  // What a key may be held to, and what a request with one is checked against.
  const served = { store, catalog, embeddings: config.embeddings, bots };
  registerKeyRoutes(app, { ...served, keys });
  registerUserRoutes(app, { store, keys, runs });
  registerModelRoutes(app, { catalog });
  registerConversationRoutes(app, { store, runs, bots });
  registerBotRoutes(app, { bots, catalog });
  registerKnowledgeRoutes(app, {
    knowledge: new KnowledgeService({ store, bots, embeddings: config.knowledgeEmbeddings }),
  });
  registerMessageRoutes(app, { ...served, runs, admission, pingIntervalMs });
  registerFileRoutes(app, { files: new FileService({ store }) });
  registerRunRoutes(app, { runs, pingIntervalMs });
  registerUsageRoutes(app, { store });
  registerMetricsRoutes(app, { registry: config.metrics.registry });
  registerCompatibleModelsRoutes(app, { catalog, embeddings: config.embeddings, bots });
  registerOpenAIChatRoutes(app, { ...served, runs, admission, pingIntervalMs });
  registerOpenAIResponsesRoutes(app, { ...served, runs, admission, pingIntervalMs });
  registerOpenAIEmbeddingsRoutes(app, { ...served, admission });
  registerAnthropicMessagesRoutes(app, { ...served, runs, admission, pingIntervalMs });
  if (config.webDistDir) registerWebApp(app, { distDir: config.webDistDir });
  return app;
}

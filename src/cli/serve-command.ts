/** `parley serve`: wires config, store, engines, runs and HTTP together, and shuts them down in order. */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { createAddressPolicy } from "../bots/address-policy.js";
import { BotReplies } from "../bots/bot-replies.js";
import { BotService } from "../bots/bot-service.js";
import { fetchUrl } from "../bots/fetch-url.js";
import { KnowledgeEmbeddings } from "../bots/knowledge-embeddings.js";
import { hybridSearch } from "../bots/knowledge-search.js";
import { seedBuiltInBots } from "../bots/seed-built-in-bots.js";
import { type ConfigFlags, loadConfig } from "../config/load-config.js";
import { newId } from "../core/ids.js";
import { limitPasswordHashing } from "../core/secret-hash.js";
import { executeWriteBatch } from "../core/write-command.js";
import { createApp } from "../http/create-app.js";
import { OpenAICompatibleEmbedder } from "../providers/openai-compatible/openai-compatible-embedder.js";
import { EmbeddingCatalog } from "../runs/embedding-catalog.js";
import { ModelCatalog, NO_MODEL_HINT } from "../runs/model-catalog.js";
import { RedisConnection, withoutPassword as redisWithoutPassword } from "../runs/redis-connection.js";
import { RedisEventStream } from "../runs/redis-event-stream.js";
import { RedisRateLimiter } from "../runs/redis-rate-limiter.js";
import { RedisRunStops } from "../runs/redis-run-stops.js";
import { RunMetrics } from "../runs/run-metrics.js";
import { RunService } from "../runs/run-service.js";
import { withoutPassword } from "../store/open-postgres-database.js";
import { isInMemorySqlitePath } from "../store/open-sqlite-database.js";
import { openStore } from "../store/open-store.js";
import { StoreWriterThread } from "../store/store-writer-thread.js";
import { findModelFiles } from "./find-model-files.js";
import { storeConfigOf } from "./open-configured-store.js";
import { remoteEmbeddingModels } from "./remote-embedding-models.js";
import { remoteModels } from "./remote-models.js";
import { resilientCatalogEntries } from "./resilient-catalog-entries.js";
import { startLocalModels } from "./start-local-models.js";
import { tuneHeapForStreaming } from "./tune-heap-for-streaming.js";

export async function runServe(flags: ConfigFlags): Promise<void> {
  tuneHeapForStreaming();
  const config = loadConfig({ flags });
  const logger = pino({ name: "parley" });
  mkdirSync(config.dataDir, { recursive: true });
  const storeConfig = storeConfigOf(config);
  const store = await openStore(storeConfig, { backgroundCheckpoints: true });
  // On SQLite, the runs' writes are executed and committed on a thread of their own (see StoreWriterThread). It
  // takes a few hundred ms to load; the rest of the start goes on meanwhile.
  const writerStarting =
    "sqlitePath" in storeConfig && !isInMemorySqlitePath(storeConfig.sqlitePath)
      ? StoreWriterThread.start(storeConfig.sqlitePath, (writes) => executeWriteBatch(store, writes))
      : undefined;
  // A failure is reported where the writer is awaited, below, not as an unhandled rejection meanwhile.
  writerStarting?.catch(() => {});
  const seeded = await seedBuiltInBots(store);
  if (seeded.length > 0) logger.info({ bots: seeded }, "added the built-in bots");

  // With Redis, the servers sharing the database follow and stop each other's runs and count limits together.
  const redisLogger = logger.child({ component: "redis" });
  const redis =
    config.redis === undefined
      ? undefined
      : await RedisConnection.open(config.redis, (error) =>
          redisLogger.error({ err: error }, "the connection to Redis failed; reconnecting"),
        );
  const shared = redis && {
    connection: redis,
    events: new RedisEventStream({
      connection: redis,
      onError: (error) =>
        redisLogger.error(
          { err: error },
          "failed sending run events to Redis; other servers read them from the database",
        ),
    }),
    stops: new RedisRunStops(redis),
  };
  const rateLimiter =
    redis &&
    new RedisRateLimiter({
      connection: redis,
      onError: (error) =>
        redisLogger.error(
          { err: error },
          "Redis failed counting rate limits; counting on this server alone until it answers",
        ),
    });

  // With no model configured, serve whatever `parley pull` put in the models folder.
  const models =
    config.models.length > 0
      ? config.models
      : findModelFiles(config.modelsDir).map((file) => ({
          id: file.id,
          file: file.path,
          tier: "fast" as const,
        }));
  const local = startLocalModels(models, config.engine, logger);
  // Models served for embeddings, local and remote: on /v1/embeddings, and one of them, if named, for knowledge.
  const embeddingModels = [...local.embeddingModels, ...remoteEmbeddingModels(config.providers)];
  const metrics: RunMetrics = new RunMetrics({ activeRuns: (): number => runs.activeRuns });
  const catalog = new ModelCatalog(
    resilientCatalogEntries(
      [...local.models, ...(await remoteModels(config.providers))],
      config.failover,
      metrics,
    ),
    { embeddingModels: embeddingModels.map((model) => model.id) },
  );
  if (catalog.size === 0) logger.warn(NO_MODEL_HINT);

  const embeddings = new EmbeddingCatalog({
    entries: embeddingModels,
    store,
    isChatModel: (id) => catalog.has(id),
  });
  // With an embedding model, knowledge sentences get vectors and questions find them by meaning as well as words.
  // A local one (chat or embedding) is asked through its engine; a remote one as /v1/embeddings asks it.
  const knowledgeModel = config.knowledge.embeddingModel;
  const embeddingEngine = knowledgeModel === undefined ? undefined : local.engine(knowledgeModel);
  const knowledgeEmbedder = embeddingEngine
    ? new OpenAICompatibleEmbedder({ model: embeddingEngine.modelId, baseURL: () => embeddingEngine.baseURL })
    : embeddingModels.find((model) => model.id === knowledgeModel)?.embedder;
  const knowledgeLogger = logger.child({ component: "knowledge" });
  const knowledgeLog = {
    info: (message: string) => knowledgeLogger.info(message),
    warn: (message: string, error?: unknown) => knowledgeLogger.warn({ err: error }, message),
  };
  const knowledgeEmbeddings =
    knowledgeEmbedder && new KnowledgeEmbeddings({ store, embedder: knowledgeEmbedder, log: knowledgeLog });
  // Sentences added while the engine was down, or before the model was configured, are embedded once it is ready;
  // a remote model is ready from the start.
  if (embeddingEngine) {
    embeddingEngine.onStatusChange((status) => {
      if (status === "ready") knowledgeEmbeddings?.schedule();
    });
  } else {
    knowledgeEmbeddings?.schedule();
  }

  const fetchConfig = config.tools.fetchUrl;
  const fetchPolicy = createAddressPolicy({ allow: fetchConfig.allowedAddresses });
  const botReplies = new BotReplies({
    store,
    hasModel: (modelId) => catalog.has(modelId),
    fetchArticle: (url) =>
      fetchUrl(url, {
        policy: fetchPolicy,
        timeoutMs: fetchConfig.timeoutSeconds * 1000,
        maxBytes: fetchConfig.maxBytes,
      }),
    knowledgeSearch:
      knowledgeEmbeddings && hybridSearch({ store, embeddings: knowledgeEmbeddings, log: knowledgeLog }),
  });
  // New at each start: this process among the servers sharing the database, on the runs it writes.
  const instanceId = newId("inst");
  const writer = await writerStarting;
  const runs = new RunService({
    store,
    catalog,
    metrics,
    eventLogFlushMs: config.runs.eventLogFlushMs,
    maxOutputTokens: config.runs.maxOutputTokens,
    onError: (error, context) => logger.error({ err: error }, `failed ${context}`),
    bots: botReplies,
    ...(writer && { writeBatches: writer.execute }),
    ...(shared && { redis: shared }),
    instance: {
      id: instanceId,
      heartbeatMs: config.runs.heartbeatSeconds * 1000,
      staleAfterMs: (config.runs.heartbeatTimeoutSeconds ?? 3 * config.runs.heartbeatSeconds) * 1000,
      recoveryIntervalMs: config.runs.recoverySweepSeconds * 1000,
      onRecovered: (recovered) =>
        logger.warn(
          { runs: recovered.map((run) => ({ id: run.id, instance: run.instanceId })) },
          "ended replies left in flight by a server that stopped (a crash or a kill) as interrupted",
        ),
    },
  });
  await runs.start();

  limitPasswordHashing(config.auth.passwordHashing);
  const app = createApp({
    store,
    runs,
    bots: new BotService({ store }),
    catalog,
    embeddings,
    metrics,
    auth: config.auth,
    limits: config.limits,
    bodyLimit: config.http.bodyLimit,
    trustProxy: config.http.trustProxy,
    pingIntervalMs: config.http.pingIntervalSeconds * 1000,
    logger: logger.child({ component: "http" }),
    webDistDir: path.join(import.meta.dirname, "../../web/dist"),
    knowledgeEmbeddings,
    ...(rateLimiter && { rateLimiter }),
  });
  const address = await app.listen({ host: config.host, port: config.port });
  if (config.auth.mode === "single-user") {
    logger.warn(
      "single-user mode (--no-auth): no accounts, and anyone who can reach this loopback address is you",
    );
  } else if ((await store.users.count()) === 0) {
    logger.warn(
      `no account yet: open ${address} on this machine to create the admin account, or run \`npm run parley -- users add you@example.com --admin\``,
    );
  }
  logger.info(
    {
      url: address,
      instance: instanceId,
      models: models.map((model) => model.id),
      config: config.configFile,
      database:
        "databaseUrl" in storeConfig ? withoutPassword(storeConfig.databaseUrl) : storeConfig.sqlitePath,
      ...(config.redis !== undefined && { redis: redisWithoutPassword(config.redis) }),
    },
    "Parley is serving",
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing running replies");
    await runs.shutdown(config.runs.shutdownGraceSeconds * 1000);
    await app.close();
    // The last events reach Redis before it is let go.
    await shared?.events.flush();
    shared?.stops.close();
    await redis?.close();
    await knowledgeEmbeddings?.stop();
    await local.stop();
    await writer?.stop();
    await store.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));
}

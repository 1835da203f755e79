/** The schema of parley.config.yaml: what a user may set, with the defaults that serve with no config at all. */
import { z } from "zod";

const port = z.number().int().min(0).max(65_535);

const modelId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]*$/,
    "use letters, digits, '.', '_', ':' or '-' (for example qwen3-0.6b)",
  );

const tier = z.enum(["fast", "balanced", "smart"]);

/**
 * USD per million tokens. `cachedInput` prices input tokens read from the provider's prompt cache, `cacheWrite`
 * those written to it, and `cacheWriteHour` those written to be kept an hour; unset, they follow from `input` (see model-pricing.ts: Anthropic's own multipliers for an
 * `anthropic` provider's models, else the input price, since Parley cannot know another server's discount).
 */
const pricing = z
  .object({
    input: z.number().min(0),
    output: z.number().min(0),
    cachedInput: z.number().min(0).optional(),
    cacheWrite: z.number().min(0).optional(),
    cacheWriteHour: z.number().min(0).optional(),
  })
  .strict()
  .default({ input: 0, output: 0 });

export const localModelSchema = z.object({
  id: modelId,
  label: z.string().min(1).optional(),
  /** Path of the GGUF file, relative to the config file's folder (or the working directory). */
  file: z.string().min(1),
  tier: tier.default("fast"),
  /** Tokens of context per sequence; the engine's window for one conversation. */
  contextSize: z.number().int().min(512).optional(),
  pricing,
  /** Models of Parley's catalog to try, in order, when this one fails (none by default: local stays local). */
  fallbacks: z.array(modelId).default([]),
  /** Conversations decoded in parallel (batched) by this model's engine. */
  sequences: z.number().int().min(1).max(64).optional(),
  threads: z.number().int().min(1).max(256).optional(),
  /**
   * An embedding model (nomic-embed, bge...): its engine serves only `/v1/embeddings`, with no chat context, and it
   * is not offered for chat. Name it in `knowledge.embeddingModel` to use it.
   */
  embedding: z.boolean().optional(),
});

export const remoteModelSchema = z
  .object({
    id: modelId,
    label: z.string().min(1).optional(),
    /** The provider's own name for the model; defaults to `id`. */
    upstreamModel: z.string().min(1).optional(),
    tier: tier.default("balanced"),
    /** Tokens of context the model takes; required of a chat model, meaningless for an embedding model. */
    contextWindow: z.number().int().min(256).optional(),
    maxOutputTokens: z.number().int().min(1).optional(),
    pricing,
    modalities: z
      .array(z.enum(["text", "image"]))
      .min(1)
      .default(["text"]),
    /**
     * Whether the model gives JSON replies (`response_format`): true by default (OpenAI-compatible servers are sent
     * `response_format`; Anthropic's API a tool call that forces the JSON); false for a server that does not, so
     * JSON requests go to a model that does.
     */
    structuredOutputs: z.boolean().optional(),
    /**
     * Whether the model calls tools a request offers (`tools`): true by default on remote providers; false for a
     * model or server that cannot, so requests with tools go to a model that can.
     */
    toolCalls: z.boolean().default(true),
    /** Models of Parley's catalog to try, in order, when this one fails. */
    fallbacks: z.array(modelId).default([]),
    /**
     * An embedding model (text-embedding-3-small, a bge or nomic-embed model on vLLM or Ollama...), OpenAI-compatible
     * providers only: served at `/v1/embeddings` (its `dimensions` passed on), and not offered for chat, so the chat
     * fields (contextWindow, tier, modalities, toolCalls, structuredOutputs, maxOutputTokens) mean nothing for it.
     * Its `pricing.input` prices the tokens it embeds. Name it in `knowledge.embeddingModel` to use it for knowledge.
     */
    embedding: z.boolean().optional(),
  })
  .strict()
  .superRefine((model, context) => {
    if (model.embedding && model.fallbacks.length > 0) {
      context.addIssue({
        code: "custom",
        path: ["fallbacks"],
        message:
          "an embedding model (embedding: true) answers no chats, so it has no fallbacks; leave fallbacks out",
      });
    }
    if (!model.embedding && model.contextWindow === undefined) {
      context.addIssue({
        code: "custom",
        path: ["contextWindow"],
        message:
          "required for a chat model: the tokens of context the model takes (for example 128000); only an embedding model (embedding: true) goes without",
      });
    }
  });

const remoteProviderFields = {
  id: modelId,
  /**
   * Whether the provider continues a final assistant message (a prefill) rather than answering anew; needed
   * to finish a cut reply on it without showing text twice. OpenAI's own API does not; vLLM, SGLang,
   * llama.cpp and Anthropic do.
   */
  supportsPrefill: z.boolean().default(true),
  /** Extra request fields sent with a prefill, e.g. vLLM's `{continue_final_message: true, add_generation_prompt: false}`. */
  prefillRequestFields: z.record(z.string(), z.unknown()).optional(),
  apiKey: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).default({}),
  /** Milliseconds to wait for response headers and between chunks before the attempt counts as failed. */
  timeoutMs: z.number().int().min(100).default(60_000),
  models: z.array(remoteModelSchema).min(1, "list at least one model this provider serves"),
};

export const providerSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("openai-compatible"),
      /** One base URL, or several endpoints serving the same models (a vLLM or llama.cpp fleet). */
      baseURL: z.url().optional(),
      endpoints: z.array(z.url()).min(1).optional(),
      /**
       * Whether the server reads `top_k` (vLLM, SGLang, llama.cpp's server, OpenRouter do), so that a request's
       * `top_k` is passed on; OpenAI's own API refuses the field, hence off by default, and then it is left out.
       */
      readsTopK: z.boolean().default(false),
      ...remoteProviderFields,
    })
    .strict()
    .refine((provider) => (provider.baseURL === undefined) !== (provider.endpoints === undefined), {
      message: "give either baseURL or endpoints (a list of base URLs), not both and not neither",
    }),
  z
    .object({
      type: z.literal("anthropic"),
      baseURL: z.url().default("https://api.anthropic.com"),
      /**
       * Marks where the prompt's cacheable prefix ends (the system prompt, and the conversation so far), so that the
       * next turn reads it from Anthropic's prompt cache at a tenth of the input price. Writing costs a quarter more
       * than plain input, once per prefix; prompts shorter than the model's minimum (1,024 tokens or so) are not cached.
       */
      promptCaching: z.boolean().default(true),
      ...remoteProviderFields,
    })
    .strict()
    .superRefine((provider, context) => {
      provider.models.forEach((model, index) => {
        if (model.embedding) {
          context.addIssue({
            code: "custom",
            path: ["models", index, "embedding"],
            message:
              "Anthropic's API has no embeddings: serve embedding models from an openai-compatible provider or a local model",
          });
        }
      });
    }),
]);

export const configSchema = z
  .object({
    host: z.string().min(1).default("127.0.0.1"),
    port: port.default(3000),
    dataDir: z.string().min(1).default("./data"),
    /**
     * Where conversations, accounts and bots are kept: unset, a SQLite file in dataDir (parley.db); a PostgreSQL URL
     * (postgres://user:password@host:5432/parley, or PARLEY_DATABASE_URL, else DATABASE_URL) for instances that
     * share their state.
     */
    database: z
      .string()
      .regex(
        /^postgres(ql)?:\/\/\S+$/i,
        "use a PostgreSQL URL such as postgres://user:password@host:5432/parley, or leave `database`, PARLEY_DATABASE_URL and DATABASE_URL unset to keep data in dataDir/parley.db",
      )
      .optional(),
    /**
     * Redis for servers that share a PostgreSQL database (redis://[:password@]host:6379[/db], or PARLEY_REDIS_URL):
     * a live reply can be followed, resumed and stopped from any server, and per-minute limits are counted once
     * for all of them. Unset, each server keeps both to itself.
     */
    redis: z
      .string()
      .regex(
        /^rediss?:\/\/\S+$/i,
        "use a Redis URL such as redis://redis.example:6379 (rediss:// for TLS), or leave `redis` and PARLEY_REDIS_URL unset to run without Redis",
      )
      .optional(),
    modelsDir: z.string().min(1).default("./models"),
    engine: z
      .object({
        /** CPU threads per engine; default: the machine's cores (see resolveThreads). */
        threads: z.number().int().min(1).max(256).optional(),
        sequences: z.number().int().min(1).max(64).default(4),
        contextSize: z.number().int().min(512).default(8192),
        gpu: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /** Local GGUF models, each served by its own supervised engine process. */
    models: z.array(localModelSchema.strict()).default([]),
    /** Remote models: OpenAI-compatible servers (vLLM, SGLang, Ollama, OpenAI, DeepSeek...) and Anthropic. */
    providers: z.array(providerSchema).default([]),
    http: z
      .object({
        /** Largest accepted request body in bytes. */
        bodyLimit: z
          .number()
          .int()
          .min(1024)
          .default(1024 * 1024),
        /** Seconds between `: ping` comments on open event streams. */
        pingIntervalSeconds: z.number().min(0.05).default(15),
        /**
         * Whether to take the client's address from X-Forwarded-For, as Fastify's `trustProxy`: false (the socket's
         * address), true (any proxy), a number of proxy hops, or the proxies' addresses and CIDR ranges. Behind a
         * reverse proxy, set it, or every client has the proxy's address and shares one sign-in limit.
         */
        trustProxy: z
          .union([z.boolean(), z.number().int().min(1).max(32), z.array(z.string().min(1)).min(1)])
          .default(false),
      })
      .strict()
      .prefault({}),
    auth: z
      .object({
        /**
         * `accounts`: every route but /healthz and login needs a session or an API key. `single-user`: no
         * accounts at all, allowed only on a loopback address (the `--no-auth` flag).
         */
        mode: z.enum(["accounts", "single-user"]).default("accounts"),
        sessionDays: z.number().min(0.01).max(365).default(30),
        /**
         * Sign-in attempts a minute from one client address, whatever the emails tried. Each costs a password hash,
         * so this bounds what one client can make the server compute; a person mistyping never comes near it.
         */
        signInsPerAddressPerMinute: z.number().int().min(1).default(60),
        /**
         * Password hashes (scrypt, a core for tens of ms each) computed at once, and how many more may wait; past
         * that, a sign-in is refused with 503 and Retry-After, and the replies being streamed keep their cores.
         */
        passwordHashing: z
          .object({
            concurrency: z.number().int().min(1).max(64).default(1),
            queue: z.number().int().min(0).max(10_000).default(32),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** Defaults for every user; an admin can set other values per user. */
    limits: z
      .object({
        /** Replies a user (and each of their API keys) may start per minute. */
        requestsPerMinute: z.number().int().min(1).default(60),
        /** Input plus output tokens a user may spend per UTC day; null for no limit. */
        tokensPerDay: z.number().int().min(1).nullable().default(null),
      })
      .strict()
      .prefault({}),
    /** Retries, timeouts, fallbacks and circuit breakers around every model call. */
    failover: z
      .object({
        maxAttempts: z.number().int().min(1).max(10).default(3),
        baseDelayMs: z.number().int().min(0).default(500),
        maxDelayMs: z.number().int().min(0).default(8000),
        /** The longest Retry-After obeyed: a longer one is cut to this, then the same model is tried again. */
        maxRetryAfterMs: z.number().int().min(0).default(20_000),
        firstTokenTimeoutMs: z.number().int().min(100).default(120_000),
        /** A stream silent this long mid-reply counts as cut. */
        idleTimeoutMs: z.number().int().min(100).default(20_000),
        breakerFailureThreshold: z.number().int().min(1).default(5),
        breakerCoolDownMs: z.number().int().min(100).default(30_000),
      })
      .strict()
      .prefault({}),
    /** How bots' knowledge files are searched. */
    knowledge: z
      .object({
        /**
         * A model that embeds every passage of a knowledge file: a local model (best one marked `embedding: true`),
         * or a remote one marked `embedding: true`. Questions then also find passages that share no word with them,
         * and retrieval fuses the word (BM25) ranking with the similarity ranking. Without one, retrieval is by words
         * alone.
         */
        embeddingModel: modelId.optional(),
      })
      .strict()
      .prefault({}),
    /** What bots' tools may do. */
    tools: z
      .object({
        /** `fetch_url`, which reads the web page a message links to. */
        fetchUrl: z
          .object({
            /**
             * Internal addresses or CIDR ranges it may fetch from anyway (an intranet wiki: ["10.1.2.0/24"]).
             * Loopback, private, link-local and metadata addresses are refused unless listed here.
             */
            allowedAddresses: z
              .array(
                z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], {
                  error: "use an IP address or a CIDR range, like 10.1.2.3 or 10.1.2.0/24",
                }),
              )
              .default([]),
            timeoutSeconds: z.number().min(1).max(120).default(15),
            /** Largest page it reads, in bytes. */
            maxBytes: z
              .number()
              .int()
              .min(1024)
              .default(2 * 1024 * 1024),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    runs: z
      .object({
        /** Milliseconds a run's events may wait before they are written to the event log. */
        eventLogFlushMs: z.number().int().min(1).max(1000).default(50),
        /** Seconds that SIGTERM waits for running replies before ending them as interrupted. */
        shutdownGraceSeconds: z.number().min(0).default(10),
        maxOutputTokens: z.number().int().min(1).default(2048),
        /**
         * Seconds between this server's heartbeats in the database, by which servers sharing it tell which
         * replies are still being written and which a dead server left.
         */
        heartbeatSeconds: z.number().min(0.1).default(5),
        /**
         * Seconds without a heartbeat after which a server counts as dead and another ends its replies as
         * interrupted; three heartbeats unless set.
         */
        heartbeatTimeoutSeconds: z.number().positive().optional(),
        /** Seconds between looks for replies a dead server left in flight (there is one at start as well). */
        recoverySweepSeconds: z.number().min(0.1).default(10),
      })
      .strict()
      .superRefine((runs, context) => {
        // A limit within one interval would take a live server whose next beat is due for a dead one.
        if (
          runs.heartbeatTimeoutSeconds !== undefined &&
          runs.heartbeatTimeoutSeconds <= runs.heartbeatSeconds
        ) {
          context.addIssue({
            code: "custom",
            path: ["heartbeatTimeoutSeconds"],
            message: `must be longer than heartbeatSeconds (${runs.heartbeatSeconds}), a few times as long`,
          });
        }
      })
      .prefault({}),
  })
  .strict()
  .superRefine((config, context) => {
    // One id names one model across local files and every provider, and fallbacks must name one of them.
    const seen = new Set<string>();
    const models = [
      ...config.models.map((model, index) => ({
        id: model.id,
        fallbacks: [] as string[],
        path: ["models", index],
      })),
      ...config.providers.flatMap((provider, providerIndex) =>
        provider.models.map((model, index) => ({
          id: model.id,
          fallbacks: model.fallbacks,
          path: ["providers", providerIndex, "models", index],
        })),
      ),
    ];
    for (const model of models) {
      if (seen.has(model.id)) {
        context.addIssue({
          code: "custom",
          path: [...model.path, "id"],
          message: `the id "${model.id}" is used twice`,
        });
      }
      seen.add(model.id);
    }
    const remoteModels = config.providers.flatMap((provider) =>
      provider.models.map((model) => ({ ...model, provider: provider.id })),
    );
    const embeddingModel = config.knowledge.embeddingModel;
    const remoteChatModel = remoteModels.find((model) => model.id === embeddingModel && !model.embedding);
    if (remoteChatModel) {
      context.addIssue({
        code: "custom",
        path: ["knowledge", "embeddingModel"],
        message: `"${embeddingModel}" is a chat model of provider ${remoteChatModel.provider}; mark it \`embedding: true\` if it is an embedding model, or name a local model or another remote model marked \`embedding: true\``,
      });
    } else if (embeddingModel !== undefined && !seen.has(embeddingModel)) {
      context.addIssue({
        code: "custom",
        path: ["knowledge", "embeddingModel"],
        message: `no local model (under models:) and no remote model marked \`embedding: true\` has the id "${embeddingModel}"`,
      });
    }
    const embeddingOnly = new Set(
      [...config.models, ...remoteModels].filter((model) => model.embedding).map((model) => model.id),
    );
    for (const model of models) {
      model.fallbacks.forEach((fallback, index) => {
        if (!seen.has(fallback)) {
          context.addIssue({
            code: "custom",
            path: [...model.path, "fallbacks", index],
            message: `no model has the id "${fallback}"`,
          });
        } else if (embeddingOnly.has(fallback)) {
          context.addIssue({
            code: "custom",
            path: [...model.path, "fallbacks", index],
            message: `"${fallback}" is an embedding model (embedding: true) and cannot answer chats`,
          });
        }
      });
    }
  });

export type ParleyConfig = z.infer<typeof configSchema>;
export type LocalModelConfig = z.infer<typeof localModelSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type RemoteModelConfig = z.infer<typeof remoteModelSchema>;

/** The schema of parley.config.yaml: what a user may set, with the defaults that serve with no config at all. */
import { z } from "zod";

const port = z.number().int().min(0).max(65_535);

export const localModelSchema = z.object({
  id: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._:-]*$/,
      "use letters, digits, '.', '_', ':' or '-' (for example qwen3-0.6b)",
    ),
  label: z.string().min(1).optional(),
  /** Path of the GGUF file, relative to the config file's folder (or the working directory). */
  file: z.string().min(1),
  tier: z.enum(["fast", "balanced", "smart"]).default("fast"),
  /** Tokens of context per sequence; the engine's window for one conversation. */
  contextSize: z.number().int().min(512).optional(),
  /** Conversations decoded in parallel (batched) by this model's engine. */
  sequences: z.number().int().min(1).max(64).optional(),
  threads: z.number().int().min(1).max(256).optional(),
});

export const configSchema = z
  .object({
    host: z.string().min(1).default("127.0.0.1"),
    port: port.default(3000),
    dataDir: z.string().min(1).default("./data"),
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
    models: z.array(localModelSchema.strict()).default([]),
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
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ParleyConfig = z.infer<typeof configSchema>;
export type LocalModelConfig = z.infer<typeof localModelSchema>;

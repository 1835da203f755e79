import { describe, expect, it } from "vitest";
import { configSchema } from "./config-schema.js";

function issues(config: unknown): { path: string; message: string }[] {
  const parsed = configSchema.safeParse(config);
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}

const remote = {
  id: "remote",
  type: "openai-compatible",
  baseURL: "http://127.0.0.1:9/v1",
  models: [{ id: "chat", contextWindow: 4096, fallbacks: ["embed"] }],
};

describe("knowledge and embedding models in the config", () => {
  it("takes an embedding model that a local model entry marks and names", () => {
    const config = configSchema.parse({
      models: [{ id: "embed", file: "./embed.gguf", embedding: true }],
      knowledge: { embeddingModel: "embed" },
    });
    expect(config.knowledge.embeddingModel).toBe("embed");
    expect(config.models[0]?.embedding).toBe(true);
    expect(configSchema.parse({}).knowledge).toEqual({});
  });

  it("refuses an embedding model no local model has, and a fallback to an embedding model", () => {
    expect(issues({ knowledge: { embeddingModel: "missing" } })).toEqual([
      {
        path: "knowledge.embeddingModel",
        message:
          'no local model (under models:) and no remote model marked `embedding: true` has the id "missing"',
      },
    ]);
    expect(
      issues({ models: [{ id: "embed", file: "./embed.gguf", embedding: true }], providers: [remote] }),
    ).toEqual([
      {
        path: "providers.0.models.0.fallbacks.0",
        message: '"embed" is an embedding model (embedding: true) and cannot answer chats',
      },
    ]);
    expect(issues({ knowledge: { embeddingModel: "embed", batch: 3 } })[0]?.path).toBe("knowledge");
  });

  it("takes a remote embedding model of an OpenAI-compatible provider, without a context window, for knowledge", () => {
    const config = configSchema.parse({
      providers: [
        {
          ...remote,
          models: [
            { id: "chat", contextWindow: 4096 },
            { id: "remote-embed", upstreamModel: "text-embedding-3-small", embedding: true },
          ],
        },
      ],
      knowledge: { embeddingModel: "remote-embed" },
    });
    expect(config.knowledge.embeddingModel).toBe("remote-embed");
    expect(config.providers[0]?.models[1]).toMatchObject({ embedding: true });
    expect(config.providers[0]?.models[1]).not.toHaveProperty("contextWindow");
  });

  it("refuses embeddings on Anthropic, a remote embedding model as a fallback or with fallbacks, a chat model without a window, and a remote chat model for knowledge", () => {
    const anthropic = {
      id: "claude",
      type: "anthropic",
      apiKey: "key",
      models: [{ id: "claude-embed", contextWindow: 200000, embedding: true }],
    };
    expect(issues({ providers: [anthropic] })).toEqual([
      {
        path: "providers.0.models.0.embedding",
        message:
          "Anthropic's API has no embeddings: serve embedding models from an openai-compatible provider or a local model",
      },
    ]);

    const embedding = { id: "remote-embed", embedding: true };
    expect(
      issues({
        providers: [
          {
            ...remote,
            models: [{ id: "chat", contextWindow: 4096, fallbacks: ["remote-embed"] }, embedding],
          },
        ],
      }),
    ).toEqual([
      {
        path: "providers.0.models.0.fallbacks.0",
        message: '"remote-embed" is an embedding model (embedding: true) and cannot answer chats',
      },
    ]);
    expect(
      issues({ providers: [{ ...remote, models: [{ ...embedding, fallbacks: ["chat"] }] }] })[0],
    ).toEqual({
      path: "providers.0.models.0.fallbacks",
      message:
        "an embedding model (embedding: true) answers no chats, so it has no fallbacks; leave fallbacks out",
    });
    expect(issues({ providers: [{ ...remote, models: [{ id: "chat" }] }] })).toEqual([
      {
        path: "providers.0.models.0.contextWindow",
        message: expect.stringContaining("required for a chat model"),
      },
    ]);
    expect(
      issues({
        providers: [{ ...remote, models: [{ id: "chat", contextWindow: 4096 }] }],
        knowledge: { embeddingModel: "chat" },
      }),
    ).toEqual([
      {
        path: "knowledge.embeddingModel",
        message: expect.stringContaining(
          '"chat" is a chat model of provider remote; mark it `embedding: true`',
        ),
      },
    ]);
  });
});

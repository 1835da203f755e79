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
        message: expect.stringContaining('no local model (under models:) has the id "missing"'),
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
});

import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { sendMessage } from "./support/ask-parley.js";
import type { FaultUpstream } from "./support/fault-upstream.js";
import { type ParleyProcess, sendJson } from "./support/parley-process.js";
import { faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";
import { uploadKnowledge } from "./support/upload-file.js";
import { waitUntil } from "./support/wait-until.js";

/**
 * Knowledge with an embedding model, through a running `parley serve`: the tiny model is served as an embedding
 * model (`embedding: true`) and named in `knowledge.embeddingModel`; chats go to a fake upstream whose `echo` model
 * repeats the question, so the system prompt it was sent shows what retrieval found.
 */
let upstream: FaultUpstream;
let parley: ParleyProcess;

const HANDBOOK = [
  "The Harbor cluster serves the checkout service.",
  "Backups are taken every night at two o'clock.",
  "Each snapshot is kept for thirty days.",
  "Monitoring alerts page the on-call engineer.",
  "Replicas live in three zones.",
].join(" ");

beforeAll(async () => {
  const served = await startRemoteParley(
    (upstream) => ({
      engine: { threads: 1 },
      models: [{ id: "tiny-embed", file: "./tiny.gguf", embedding: true }],
      knowledge: { embeddingModel: "tiny-embed" },
      providers: [
        openAIProvider("remote", upstream, [faultModel("echo", "echo@knowledge", { contextWindow: 32768 })]),
      ],
    }),
    { tinyModel: true },
  );
  ({ parley, upstream } = served);
  return served.stop;
});

function embeddingRows(): number {
  const database = new Database(path.join(parley.dataDir, "parley.db"), { readonly: true });
  try {
    return (database.prepare("select count(*) as count from knowledge_embeddings").get() as { count: number })
      .count;
  } finally {
    database.close();
  }
}

describe("knowledge with an embedding model, through a running server", () => {
  it("keeps the embedding model out of the chat models, embeds every sentence of an upload, and retrieves the answer", async () => {
    const { models } = await parley.json<{ models: { id: string }[] }>("/api/models");
    expect(models.map((model) => model.id)).toEqual(["echo"]);

    const bot = await sendJson<{ id: string }>(parley, "/api/bots", {
      name: "Harbor",
      instructions: "Answer from your knowledge.",
      model: "echo",
    });
    const uploaded = await uploadKnowledge(parley, bot.id, [
      { file: HANDBOOK, name: "handbook.txt", type: "text/plain" },
    ]);
    expect(uploaded.status).toBe(201);
    const document = (await uploaded.json()) as { id: string; sentenceCount: number };
    expect(document.sentenceCount).toBe(5);
    // Embedded in the background, as soon as the embedding engine is ready.
    await waitUntil(() => embeddingRows() === document.sentenceCount, {
      timeoutMs: 30_000,
      what: "every sentence embedded",
      logs: parley.logs,
    });

    await sendMessage(parley, { content: "When are backups taken?" }, { botId: bot.id });
    const system = upstream.requests.at(-1)?.system ?? "";
    expect(system).toMatch(/\[S\d\] Backups are taken every night at two o'clock\./);
    // By meaning as well as by words: sentences without a word of the question are offered too.
    expect(system).toContain("Replicas live in three zones.");

    await parley.api(`/api/bots/${bot.id}/knowledge/${document.id}`, { method: "DELETE" });
    expect(embeddingRows()).toBe(0);
  });
});

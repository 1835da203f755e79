import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { sendMessage } from "./support/ask-parley.js";
import { type EmbeddingsUpstream, startEmbeddingsUpstream } from "./support/embeddings-upstream.js";
import type { FaultUpstream } from "./support/fault-upstream.js";
import { type ParleyProcess, sendJson } from "./support/parley-process.js";
import { faultModel, openAIProvider } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";
import { uploadKnowledge } from "./support/upload-file.js";
import { waitUntil } from "./support/wait-until.js";

/**
 * Knowledge embedded by a remote embedding model, through a running `parley serve`: a model of an OpenAI-compatible
 * provider marked `embedding: true` (a fake embedding server on real HTTP) is named in `knowledge.embeddingModel`;
 * chats go to a fake upstream whose `echo` model repeats the question, so the system prompt it was sent shows what
 * retrieval found.
 */
let embeddingServer: EmbeddingsUpstream;
let upstream: FaultUpstream;
let parley: ParleyProcess;

const SENTENCES = [
  "The Harbor cluster serves the checkout service.",
  "Backups are taken every night at two o'clock.",
  "Each snapshot is kept for thirty days.",
  "Monitoring alerts page the on-call engineer.",
  "Replicas live in three zones.",
];

beforeAll(async () => {
  embeddingServer = await startEmbeddingsUpstream({ apiKey: "upstream-key" });
  const served = await startRemoteParley((upstream) => ({
    knowledge: { embeddingModel: "remote-embed" },
    providers: [
      openAIProvider("remote", upstream, [faultModel("echo", "echo@knowledge", { contextWindow: 32768 })]),
      {
        id: "embedder",
        type: "openai-compatible",
        baseURL: embeddingServer.baseURL,
        apiKey: "upstream-key",
        models: [{ id: "remote-embed", upstreamModel: "shortens@knowledge", embedding: true }],
      },
    ],
  }));
  ({ parley, upstream } = served);
  return async () => {
    await served.stop();
    await embeddingServer.close();
  };
});

function embeddingRows(): { model: string; count: number }[] {
  const database = new Database(path.join(parley.dataDir, "parley.db"), { readonly: true });
  try {
    return database
      .prepare("select model, count(*) as count from knowledge_embeddings group by model")
      .all() as { model: string; count: number }[];
  } finally {
    database.close();
  }
}

describe("knowledge with a remote embedding model, through a running server", () => {
  it("embeds every sentence of an upload and each question with the remote model, and retrieves by meaning as well as words", async () => {
    const { models } = await parley.json<{ models: { id: string }[] }>("/api/models");
    expect(models.map((model) => model.id)).toEqual(["echo"]);

    const bot = await sendJson<{ id: string }>(parley, "/api/bots", {
      name: "Harbor",
      instructions: "Answer from your knowledge.",
      model: "echo",
    });
    const uploaded = await uploadKnowledge(parley, bot.id, [
      { file: SENTENCES.join(" "), name: "handbook.txt", type: "text/plain" },
    ]);
    expect(uploaded.status).toBe(201);
    const document = (await uploaded.json()) as { id: string; sentenceCount: number };
    expect(document.sentenceCount).toBe(SENTENCES.length);
    // Embedded in the background, under Parley's id of the model.
    await waitUntil(() => embeddingRows()[0]?.count === SENTENCES.length, {
      timeoutMs: 30_000,
      what: "every sentence embedded",
      logs: parley.logs,
    });
    expect(embeddingRows()).toEqual([{ model: "remote-embed", count: SENTENCES.length }]);
    const embedded = embeddingServer.requestsFor("shortens@knowledge").flatMap(({ body }) => body.input);
    expect(embedded).toEqual(SENTENCES);

    await sendMessage(parley, { content: "When are backups taken?" }, { botId: bot.id });
    expect(embeddingServer.requests.at(-1)?.body.input).toEqual(["When are backups taken?"]);
    const system = upstream.requests.at(-1)?.system ?? "";
    expect(system).toMatch(/\[S\d\] Backups are taken every night at two o'clock\./);
    // By meaning as well as by words: sentences without a word of the question are offered too.
    expect(system).toContain("Replicas live in three zones.");
  });
});

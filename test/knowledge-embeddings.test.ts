import { writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../src/engine/tiny-model.js";
import { type FaultUpstream, startFaultUpstream } from "./support/fault-upstream.js";
import { type ParleyProcess, startParley, temporaryDirectory } from "./support/parley-process.js";
import { openStream } from "./support/sse-client.js";

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
  upstream = await startFaultUpstream();
  const dir = temporaryDirectory();
  await writeTinyModel(path.join(dir, "tiny.gguf"));
  writeFileSync(
    path.join(dir, "parley.config.yaml"),
    [
      "engine:",
      "  threads: 1",
      "models:",
      "  - id: tiny-embed",
      "    file: ./tiny.gguf",
      "    embedding: true",
      "knowledge:",
      "  embeddingModel: tiny-embed",
      "providers:",
      "  - id: remote",
      "    type: openai-compatible",
      `    baseURL: ${upstream.openAIBaseURL}`,
      "    apiKey: test-key",
      "    models:",
      "      - id: echo",
      "        upstreamModel: echo@knowledge",
      "        contextWindow: 32768",
    ].join("\n"),
  );
  parley = await startParley({ dataDir: dir });
});

afterAll(async () => {
  await parley?.stop();
  await upstream?.close();
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

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`not within ${timeoutMs} ms:\n${parley.logs.slice(-20).join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("knowledge with an embedding model, through a running server", () => {
  it("keeps the embedding model out of the chat models, embeds every sentence of an upload, and retrieves the answer", async () => {
    const { models } = await parley.json<{ models: { id: string }[] }>("/api/models");
    expect(models.map((model) => model.id)).toEqual(["echo"]);

    const bot = await parley.json<{ id: string }>("/api/bots", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Harbor", instructions: "Answer from your knowledge.", model: "echo" }),
    });
    const form = new FormData();
    form.append("file", new Blob([HANDBOOK], { type: "text/plain" }), "handbook.txt");
    const uploaded = await parley.api(`/api/bots/${bot.id}/knowledge`, { method: "POST", body: form });
    expect(uploaded.status).toBe(201);
    const document = (await uploaded.json()) as { id: string; sentenceCount: number };
    expect(document.sentenceCount).toBe(5);
    // Embedded in the background, as soon as the embedding engine is ready.
    await until(() => embeddingRows() === document.sentenceCount);

    const conversation = await parley.json<{ id: string }>("/api/conversations", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ botId: bot.id }),
    });
    const stream = await openStream(`${parley.url}/api/conversations/${conversation.id}/messages`, {
      method: "POST",
      body: JSON.stringify({ content: "When are backups taken?" }),
    });
    await stream.events();
    const sent = upstream.requests.at(-1)?.body as { messages: { role: string; content: string }[] };
    const system = sent.messages[0]?.content ?? "";
    expect(system).toMatch(/\[S\d\] Backups are taken every night at two o'clock\./);
    // By meaning as well as by words: sentences without a word of the question are offered too.
    expect(system).toContain("Replicas live in three zones.");

    await parley.api(`/api/bots/${bot.id}/knowledge/${document.id}`, { method: "DELETE" });
    expect(embeddingRows()).toBe(0);
  });
});

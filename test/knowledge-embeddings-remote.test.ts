import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { sendMessage } from "./support/ask-parley.js";
import { startEmbeddingsOutage } from "./support/embeddings-outage.js";
import { type EmbeddingsUpstream, startEmbeddingsUpstream } from "./support/embeddings-upstream.js";
import type { FaultUpstream } from "./support/fault-upstream.js";
import { type ParleyProcess, sendJson, startParley } from "./support/parley-process.js";
import { type ConfigInput, faultModel, openAIProvider, writeRemoteConfig } from "./support/remote-config.js";
import { startRemoteParley } from "./support/remote-parley.js";
import { uploadKnowledge } from "./support/upload-file.js";
import { waitUntil } from "./support/wait-until.js";

/**
 * Knowledge embedded by a remote embedding model, through a running `parley serve`: a model of an OpenAI-compatible
 * provider marked `embedding: true` (a fake embedding server on real HTTP) is named in `knowledge.embeddingModel`;
 * chats go to a fake upstream whose `echo` model repeats the question, so the system prompt it was sent shows what
 * retrieval found. The server is restarted on the same data with another upstream model under the same id, and
 * with the embedding server behind an outage (embeddings-outage.ts) that fails its first requests.
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

/**
 * The config with `upstreamModel` as the fake embedding server's model behind the id `remote-embed`, reached at
 * `baseURL` (the server's own unless given).
 */
function configWith(upstreamModel: string, baseURL = embeddingServer.baseURL): ConfigInput {
  return {
    knowledge: { embeddingModel: "remote-embed" },
    providers: [
      openAIProvider("remote", upstream, [faultModel("echo", "echo@knowledge", { contextWindow: 32768 })]),
      {
        id: "embedder",
        type: "openai-compatible",
        baseURL,
        apiKey: "upstream-key",
        models: [{ id: "remote-embed", upstreamModel, embedding: true }],
      },
    ],
  };
}

beforeAll(async () => {
  embeddingServer = await startEmbeddingsUpstream({ apiKey: "upstream-key" });
  const served = await startRemoteParley((started) => {
    upstream = started;
    return configWith("shortens@knowledge");
  });
  parley = served.parley;
  return async () => {
    // The server running now, whether a test restarted it or not; then the first one (if still running), the upstreams.
    await parley.stop();
    await served.stop();
    await embeddingServer.close();
  };
});

/** Stops the server and starts another on its data, with `upstreamModel` behind `remote-embed` (at `baseURL`). */
async function restartWith(upstreamModel: string, baseURL?: string): Promise<void> {
  await parley.stop();
  parley = await startParley({
    dataDir: parley.dataDir,
    prepare: (dir) => writeRemoteConfig(dir, configWith(upstreamModel, baseURL)),
  });
}

/** A bot answering with the echo model from a handbook of SENTENCES, uploaded as its knowledge. */
async function botWithHandbook(name: string) {
  const bot = await sendJson<{ id: string }>(parley, "/api/bots", {
    name,
    instructions: "Answer from your knowledge.",
    model: "echo",
  });
  const uploaded = await uploadKnowledge(parley, bot.id, [
    { file: SENTENCES.join(" "), name: "handbook.txt", type: "text/plain" },
  ]);
  expect(uploaded.status).toBe(201);
  return { bot, document: (await uploaded.json()) as { id: string; sentenceCount: number } };
}

function sentenceCount(): number {
  const database = new Database(path.join(parley.dataDir, "parley.db"), { readonly: true });
  try {
    return (database.prepare("select count(*) as count from knowledge_sentences").get() as { count: number })
      .count;
  } finally {
    database.close();
  }
}

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

    const { bot, document } = await botWithHandbook("Harbor");
    expect(document.sentenceCount).toBe(SENTENCES.length);
    // Embedded in the background, under the model's vector space: Parley's id and the upstream model's name.
    await waitUntil(() => embeddingRows()[0]?.count === SENTENCES.length, {
      timeoutMs: 30_000,
      what: "every sentence embedded",
      logs: parley.logs,
    });
    expect(embeddingRows()).toEqual([{ model: "remote-embed@shortens@knowledge", count: SENTENCES.length }]);
    const embedded = embeddingServer.requestsFor("shortens@knowledge").flatMap(({ body }) => body.input);
    expect(embedded).toEqual(SENTENCES);

    await sendMessage(parley, { content: "When are backups taken?" }, { botId: bot.id });
    expect(embeddingServer.requests.at(-1)?.body.input).toEqual(["When are backups taken?"]);
    const system = upstream.requests.at(-1)?.system ?? "";
    expect(system).toMatch(/\[S\d\] Backups are taken every night at two o'clock\./);
    // By meaning as well as by words: sentences without a word of the question are offered too.
    expect(system).toContain("Replicas live in three zones.");
  });

  it("embeds every sentence again when another upstream model answers under the same id, searches its vectors only, and deletes the old ones", async () => {
    const { bot } = await botWithHandbook("Harbor again");
    const sentences = sentenceCount();
    await waitUntil(() => embeddingRows()[0]?.count === sentences, {
      timeoutMs: 30_000,
      what: "every sentence embedded by the first upstream model",
      logs: parley.logs,
    });

    await restartWith("shortens@knowledge-b");
    await waitUntil(() => embeddingRows().length === 1 && embeddingRows()[0]?.count === sentences, {
      timeoutMs: 30_000,
      what: "every sentence embedded by the second upstream model, and the first one's vectors gone",
      logs: parley.logs,
    });
    expect(embeddingRows()).toEqual([{ model: "remote-embed@shortens@knowledge-b", count: sentences }]);
    const embeddedAgain = embeddingServer
      .requestsFor("shortens@knowledge-b")
      .flatMap(({ body }) => body.input);
    expect(embeddedAgain).toHaveLength(sentences);
    expect(embeddedAgain).toEqual(expect.arrayContaining(SENTENCES));

    await sendMessage(parley, { content: "When are backups taken?" }, { botId: bot.id });
    expect(embeddingServer.requests.at(-1)).toMatchObject({
      model: "shortens@knowledge-b",
      body: { input: ["When are backups taken?"] },
    });
    const system = upstream.requests.at(-1)?.system ?? "";
    expect(system).toMatch(/\[S\d\] Backups are taken every night at two o'clock\./);
    expect(system).toContain("Replicas live in three zones.");

    // The same model again after another restart: its vectors are kept, and nothing is embedded again.
    const asked = embeddingServer.requests.length;
    await restartWith("shortens@knowledge-b");
    await sendMessage(parley, { content: "How long is a snapshot kept?" }, { botId: bot.id });
    expect(embeddingServer.requests.slice(asked).map(({ body }) => body.input)).toEqual([
      ["How long is a snapshot kept?"],
    ]);
    expect(embeddingRows()).toEqual([{ model: "remote-embed@shortens@knowledge-b", count: sentences }]);
  });

  it("embeds the sentences by itself, 5 s after the remote model answered 503, with no upload or restart to start it", async () => {
    await botWithHandbook("Harbor through an outage");
    const sentences = sentenceCount();

    // Another upstream model, so that every sentence is to embed again, on a model that is down at first.
    const outage = await startEmbeddingsOutage(embeddingServer.baseURL);
    onTestFinished(() => outage.close());
    outage.failNext(1, { status: 503 });
    await restartWith("shortens@knowledge-outage", outage.baseURL);
    await waitUntil(
      () =>
        embeddingRows().some(
          (row) => row.model === "remote-embed@shortens@knowledge-outage" && row.count === sentences,
        ),
      {
        timeoutMs: 30_000,
        what: "every sentence embedded once the model is back",
        logs: parley.logs,
      },
    );

    expect(outage.arrivals[0]?.status).toBe(503);
    expect(outage.arrivals.slice(1).every((arrival) => arrival.status === 200)).toBe(true);
    // The production wait: the first after a failure is 5 s.
    expect((outage.arrivals[1]?.at ?? 0) - (outage.arrivals[0]?.at ?? 0)).toBeGreaterThanOrEqual(4_990);
    expect(parley.logs.join("\n")).toMatch(
      /could not embed knowledge sentences with remote-embed \(0 embedded in this run\).*: trying again in 5 s/,
    );
  });
});

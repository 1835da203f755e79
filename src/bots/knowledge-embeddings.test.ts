import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { type EmbeddingsOutage, startEmbeddingsOutage } from "../../test/support/embeddings-outage.js";
import {
  type EmbeddingsUpstream,
  NATIVE_DIMENSIONS,
  startEmbeddingsUpstream,
} from "../../test/support/embeddings-upstream.js";
import { unusedPort } from "../../test/support/unused-port.js";
import { waitUntil } from "../../test/support/wait-until.js";
import { SINGLE_USER } from "../core/principal.js";
import { type EngineServer, startEngine } from "../engine/engine-server.js";
import { tinyModelShape, writeTinyModel } from "../engine/tiny-model.js";
import { OpenAICompatibleEmbedder } from "../providers/openai-compatible/openai-compatible-embedder.js";
import { RoundRobinEmbedder } from "../providers/round-robin-embedder.js";
import type { TextEmbedder } from "../providers/text-embedder.js";
import { useTemporaryStores } from "../store/test-support/use-temporary-stores.js";
import { BotService } from "./bot-service.js";
import { KnowledgeEmbeddings, type KnowledgeLog, MAX_CUTS } from "./knowledge-embeddings.js";
import { RETRIEVED_SENTENCES } from "./knowledge-prompt.js";
import type { KnowledgeRetryConfig } from "./knowledge-retry-delays.js";
import { hybridSearch, wordSearch } from "./knowledge-search.js";
import { KnowledgeService } from "./knowledge-service.js";

/**
 * Knowledge with an embedding model: a real store, and the real tiny model in an engine serving embeddings. The tiny
 * model's vectors carry no meaning, so these tests prove the plumbing (every sentence gets a vector, questions are
 * embedded and fused with BM25, failures lose nothing) rather than the quality of the similarity. A remote model that
 * refuses texts too long for it is a fake embedding server on real HTTP, called as a remote model is.
 */
const stores = useTemporaryStores();
let directory: string;
let engine: EngineServer;
/** An address where a server was and is no more: connections to it are refused, as to an engine that died. */
let goneBaseURL: string;

const HANDBOOK = [
  "The Harbor cluster serves the checkout service.",
  "Backups are taken every night at two o'clock.",
  "Each snapshot is kept for thirty days.",
  "Monitoring alerts page the on-call engineer.",
  "Replicas live in three zones.",
  "Restores finish within fifteen minutes for small databases.",
].join(" ");

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), "parley-knowledge-embeddings-"));
  const modelPath = path.join(directory, "tiny.gguf");
  await writeTinyModel(modelPath);
  engine = await startEngine({
    modelPath,
    modelId: "tiny-embed",
    threads: 1,
    embeddingOnly: true,
    log: () => {},
  });
  goneBaseURL = `http://127.0.0.1:${await unusedPort()}/v1`;
});

afterAll(async () => {
  await engine?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

function recordingLog() {
  const warnings: { message: string; error: unknown }[] = [];
  const log: KnowledgeLog = { info: () => {}, warn: (message, error) => warnings.push({ message, error }) };
  return { log, warnings };
}

function tinyEmbedder(baseURL: () => string | undefined = () => engine.baseURL): TextEmbedder {
  return new OpenAICompatibleEmbedder({ model: "tiny-embed", baseURL });
}

/** `retry` left out, the waits after a failed run are the production ones: longer than any of these tests. */
async function setUp(embedder: TextEmbedder = tinyEmbedder(), retry?: KnowledgeRetryConfig) {
  const databasePath = stores.databasePath();
  const store = await stores.open(databasePath);
  const { log, warnings } = recordingLog();
  const embeddings = new KnowledgeEmbeddings({
    store,
    embedder,
    // Small batches, so a document takes several requests.
    batchSize: 4,
    log,
    ...(retry && { retry }),
  });
  // No retry outlives its test (stopping twice is harmless).
  onTestFinished(() => embeddings.stop());
  const bots = new BotService({ store });
  const knowledge = new KnowledgeService({ store, bots, embeddings });
  const bot = await bots.create(SINGLE_USER, { name: "Harbor operations" });
  return { databasePath, store, embeddings, knowledge, bot, log, warnings };
}

function embeddingRows(databasePath: string): { position: number; bytes: number; model: string }[] {
  const database = new Database(databasePath, { readonly: true });
  try {
    return database
      .prepare("select position, length(vector) as bytes, model from knowledge_embeddings order by position")
      .all() as { position: number; bytes: number; model: string }[];
  } finally {
    database.close();
  }
}

describe("knowledge with an embedding model", () => {
  it("stores a float32 vector of the model's size for every sentence of an added document", async () => {
    const { databasePath, store, embeddings, knowledge, bot, warnings } = await setUp();
    const document = await knowledge.add(SINGLE_USER, bot.id, {
      title: "Handbook",
      content: HANDBOOK,
      mediaType: "text/plain",
    });
    await embeddings.idle();
    expect(warnings).toEqual([]);
    expect(document.sentenceCount).toBe(6);
    expect(embeddingRows(databasePath)).toEqual(
      Array.from({ length: 6 }, (_, position) => ({
        position,
        bytes: tinyModelShape.embeddingLength * 4,
        model: "tiny-embed",
      })),
    );
    expect(await store.knowledge.listUnembedded("tiny-embed", 10)).toEqual([]);
  });

  it("still retrieves the sentence that answers a question first, and finds sentences that share no word with it", async () => {
    const { store, embeddings, knowledge, bot, log } = await setUp();
    await knowledge.add(SINGLE_USER, bot.id, {
      title: "Handbook",
      content: HANDBOOK,
      mediaType: "text/plain",
    });
    await embeddings.idle();
    const search = hybridSearch({ store, embeddings, log });

    const found = await search(bot.id, "When are backups taken?", RETRIEVED_SENTENCES);
    expect(found[0]?.text).toBe("Backups are taken every night at two o'clock.");
    // Every sentence has a vector, so the similarity ranking brings the ones BM25 missed too.
    expect(found).toHaveLength(6);
    expect(found.map((sentence) => sentence.score)).toEqual(
      [...found.map((sentence) => sentence.score)].sort((a, b) => a - b),
    );

    expect(await wordSearch(store)(bot.id, "xylophone quartet", RETRIEVED_SENTENCES)).toEqual([]);
    expect(await search(bot.id, "xylophone quartet", 3)).toHaveLength(3);
  });

  it("keeps a document whose sentences cannot be embedded, searchable by words, and embeds them once the model answers", async () => {
    let baseURL = goneBaseURL;
    const { databasePath, store, embeddings, knowledge, bot, log, warnings } = await setUp(
      tinyEmbedder(() => baseURL),
    );
    const document = await knowledge.add(SINGLE_USER, bot.id, {
      title: "Handbook",
      content: HANDBOOK,
      mediaType: "text/plain",
    });
    await embeddings.idle();

    expect(await knowledge.get(SINGLE_USER, bot.id, document.id)).toMatchObject({ content: HANDBOOK });
    expect(embeddingRows(databasePath)).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/could not embed knowledge sentences with tiny-embed/);
    expect(warnings[0]?.error).toMatchObject({ code: "upstream_unreachable" });

    // Without vectors, questions are found by words, and are not sent to the model at all.
    const search = hybridSearch({ store, embeddings, log });
    const question = "When are backups taken?";
    const byWords = await store.knowledge.search(bot.id, question, RETRIEVED_SENTENCES);
    expect(await search(bot.id, question, RETRIEVED_SENTENCES)).toEqual(byWords);
    expect(warnings).toHaveLength(1);

    baseURL = engine.baseURL;
    embeddings.schedule();
    await embeddings.idle();
    expect(embeddingRows(databasePath)).toHaveLength(document.sentenceCount);
    expect((await search(bot.id, question, RETRIEVED_SENTENCES))[0]?.text).toBe(
      "Backups are taken every night at two o'clock.",
    );

    // The model goes away again: questions are found by words, with one warning, not one per question.
    baseURL = goneBaseURL;
    for (let asked = 0; asked < 2; asked++) {
      expect(await search(bot.id, question, RETRIEVED_SENTENCES)).toEqual(byWords);
    }
    expect(warnings.map((warning) => warning.message)).toEqual([
      expect.stringMatching(/could not embed knowledge sentences/),
      expect.stringMatching(/could not embed a question/),
    ]);
  });
});

describe("knowledge with a remote model that refuses texts too long for it", () => {
  let upstream: EmbeddingsUpstream;
  beforeAll(async () => {
    upstream = await startEmbeddingsUpstream();
    return () => upstream.close();
  });

  /** A remote model as remote-embedding-models.ts makes one: sent no `truncate`, so a text too long is refused. */
  function remoteEmbedder(upstreamModel: string): TextEmbedder {
    return new RoundRobinEmbedder([
      new OpenAICompatibleEmbedder({
        model: "remote-embed",
        upstreamModel,
        baseURL: upstream.baseURL,
        supportsTruncate: false,
      }),
    ]);
  }

  // The model takes 12 tokens (words, to the fake). This one fits once halved.
  const TOO_LONG = `Harbor ${"harbor ".repeat(19)}logs.`;
  // Still 25 words after MAX_CUTS halvings.
  const FAR_TOO_LONG = `Archive${" archive".repeat(399)}.`;
  const SENTENCES = [
    "The Harbor cluster serves the checkout service.",
    TOO_LONG,
    "Backups are taken every night at two o'clock.",
    FAR_TOO_LONG,
    "Each snapshot is kept for thirty days.",
    "Monitoring alerts page the on-call engineer.",
    "Replicas live in three zones.",
    "Restores finish within fifteen minutes for small databases.",
  ];

  it("splits a refused batch down to the sentence refused, embeds a too long one by its beginning, and leaves one refused even cut to word search without retrying it", async () => {
    const model = "window-12@splits";
    const { databasePath, store, embeddings, knowledge, bot, log, warnings } = await setUp(
      remoteEmbedder(model),
    );
    const document = await knowledge.add(SINGLE_USER, bot.id, {
      title: "Handbook",
      content: SENTENCES.join(" "),
      mediaType: "text/plain",
    });
    await embeddings.idle();
    expect(document.sentenceCount).toBe(SENTENCES.length);

    // Every other sentence of the first batch, and every later batch, has its vector; the one refused has an empty one.
    const space = "remote-embed@window-12@splits";
    expect(embeddingRows(databasePath)).toEqual(
      SENTENCES.map((sentence, position) => ({
        position,
        bytes: sentence === FAR_TOO_LONG ? 0 : NATIVE_DIMENSIONS * 4,
        model: space,
      })),
    );
    const inputs = upstream.requestsFor(model).map((request) => request.body.input as string[]);
    // The first batch whole, then halves of it.
    expect(inputs[0]).toEqual(SENTENCES.slice(0, 4));
    expect(inputs[1]).toEqual(SENTENCES.slice(0, 2));
    // The sentence too long is embedded by its first half.
    expect(inputs).toContainEqual([expect.stringMatching(/^Harbor( harbor){9}$/)]);
    // The one refused even cut: cut MAX_CUTS times, and no more.
    const cuts = inputs.filter(
      (input) => input.length === 1 && /^Archive( archive)*$/.test(input[0] as string),
    );
    expect(cuts).toHaveLength(MAX_CUTS);

    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(
      /^1 knowledge sentences are left to search by words: remote-embed refuses them even cut short/,
    );
    expect(String(warnings[0]?.error)).toMatch(/maximum context length is 12 tokens/);

    // A later run has nothing to do: the refused sentence is not asked for again.
    const asked = upstream.requestsFor(model).length;
    embeddings.schedule();
    await embeddings.idle();
    expect(upstream.requestsFor(model)).toHaveLength(asked);
    expect(await store.knowledge.listUnembedded(space, 10)).toEqual([]);

    // Still found by its words, beside the others found by meaning too.
    const search = hybridSearch({ store, embeddings, log });
    expect((await search(bot.id, "archive", 3)).map((sentence) => sentence.text)).toContain(FAR_TOO_LONG);
    expect((await search(bot.id, "When are backups taken?", 3))[0]?.text).toBe(SENTENCES[2]);
  });

  it("blames no sentence when the model refuses every request: the run fails, marks nothing, is not retried by itself, and a later run tries again", async () => {
    const model = "status-400@refuses-all";
    const { databasePath, embeddings, knowledge, bot, warnings } = await setUp(remoteEmbedder(model));
    await knowledge.add(SINGLE_USER, bot.id, {
      title: "Handbook",
      content: SENTENCES.slice(4).join(" "),
      mediaType: "text/plain",
    });
    await embeddings.idle();

    expect(embeddingRows(databasePath)).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(
      /could not embed knowledge sentences with remote-embed \(0 embedded/,
    );
    // The refusal would come again however long the wait: only an upload or a restart tries again.
    expect(warnings[0]?.message).toMatch(
      /: not before the next upload or a restart, for remote-embed refuses the request itself$/,
    );
    // Four sentences: the batch, its halves and their halves (7 requests), then one sentence's cuts.
    const asked = upstream.requestsFor(model).length;
    expect(asked).toBe(7 + MAX_CUTS);

    embeddings.schedule();
    await embeddings.idle();
    expect(upstream.requestsFor(model)).toHaveLength(2 * asked);
    expect(warnings).toHaveLength(2);
  });
});

describe("knowledge with a remote model that is down or rate-limited for a while", () => {
  let upstream: EmbeddingsUpstream;
  let outage: EmbeddingsOutage;
  beforeAll(async () => {
    upstream = await startEmbeddingsUpstream();
    return () => upstream.close();
  });
  beforeEach(async () => {
    outage = await startEmbeddingsOutage(upstream.baseURL);
    return () => outage.close();
  });

  /** A remote model as remote-embedding-models.ts makes one, reached through the outage. */
  function remoteEmbedder(): TextEmbedder {
    return new RoundRobinEmbedder([
      new OpenAICompatibleEmbedder({
        model: "remote-embed",
        upstreamModel: "shortens@outage",
        baseURL: outage.baseURL,
        supportsTruncate: false,
      }),
    ]);
  }

  /** Six sentences: two requests of four and two once the model answers. */
  async function upload(knowledge: KnowledgeService, botId: string, title = "Handbook") {
    return knowledge.add(SINGLE_USER, botId, { title, content: HANDBOOK, mediaType: "text/plain" });
  }

  function gapsBetweenArrivals(): number[] {
    return outage.arrivals.slice(1).map((arrival, index) => arrival.at - (outage.arrivals[index]?.at ?? 0));
  }

  it("embeds the sentences by itself once a model that answered 503 recovers, without another upload", async () => {
    outage.failNext(2, { status: 503 });
    const { databasePath, embeddings, knowledge, bot, warnings } = await setUp(remoteEmbedder(), {
      firstDelayMs: 50,
      maxDelayMs: 1_000,
    });
    await upload(knowledge, bot.id);

    await waitUntil(() => embeddingRows(databasePath).length === 6, {
      timeoutMs: 10_000,
      what: "every sentence embedded once the model is back",
    });
    await embeddings.idle();
    expect(outage.arrivals.map((arrival) => arrival.status)).toEqual([503, 503, 200, 200]);
    // One warning per failed run, saying when the next one comes.
    expect(warnings.map((warning) => warning.message)).toEqual([
      expect.stringMatching(
        /^could not embed knowledge sentences with remote-embed .*: trying again in 50 ms$/,
      ),
      expect.stringMatching(
        /^could not embed knowledge sentences with remote-embed .*: trying again in 100 ms$/,
      ),
    ]);
    expect(warnings[0]?.error).toMatchObject({ statusCode: 503 });
  });

  it("waits the Retry-After of a model that rate-limits it before trying again, then embeds", async () => {
    outage.failNext(1, { status: 429, retryAfter: "1" });
    const { databasePath, knowledge, bot, warnings } = await setUp(remoteEmbedder(), {
      firstDelayMs: 50,
      maxDelayMs: 5_000,
    });
    await upload(knowledge, bot.id);

    await waitUntil(() => embeddingRows(databasePath).length === 6, {
      timeoutMs: 10_000,
      what: "every sentence embedded once the rate limit is over",
    });
    expect(outage.arrivals.map((arrival) => arrival.status)).toEqual([429, 200, 200]);
    // The upstream's second, not the 50 ms of the backoff (a timer may fire a millisecond early by the wall clock).
    expect(gapsBetweenArrivals()[0]).toBeGreaterThanOrEqual(990);
    expect(warnings.map((warning) => warning.message)).toEqual([
      expect.stringMatching(/: trying again in 1 s$/),
    ]);
  });

  it("sends nothing more to the model once stopped while a retry waits, and the retry keeps no process alive", async () => {
    outage.failNext(1, { status: 503 });
    const { embeddings, knowledge, bot, warnings } = await setUp(remoteEmbedder(), {
      firstDelayMs: 300,
      maxDelayMs: 300,
    });
    await upload(knowledge, bot.id);
    await embeddings.idle();
    expect(warnings.map((warning) => warning.message)).toEqual([
      expect.stringMatching(/: trying again in 300 ms$/),
    ]);

    // Timers that keep the process alive: the retry's, were it one of them, would be gone once stopped.
    const keepingAlive = () => process.getActiveResourcesInfo().filter((type) => type === "Timeout").length;
    const beforeStop = keepingAlive();
    await embeddings.stop();
    expect(keepingAlive()).toBe(beforeStop);

    // Proving that nothing comes takes a wait: twice the retry's.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(outage.arrivals.map((arrival) => arrival.status)).toEqual([503]);
    expect(warnings).toHaveLength(1);
  });

  it("waits twice as long after each failed run in a row up to the longest wait, and the first wait again after a success", async () => {
    outage.failNext(4, { status: 503 });
    const { databasePath, embeddings, knowledge, bot, warnings } = await setUp(remoteEmbedder(), {
      firstDelayMs: 40,
      maxDelayMs: 160,
    });
    await upload(knowledge, bot.id);
    await waitUntil(() => embeddingRows(databasePath).length === 6, {
      timeoutMs: 10_000,
      what: "every sentence embedded after four failed runs",
    });
    const waits = [40, 80, 160, 160];
    expect(warnings.map((warning) => warning.message)).toEqual(
      waits.map((wait) => expect.stringMatching(new RegExp(`: trying again in ${wait} ms$`))),
    );
    expect(outage.arrivals.map((arrival) => arrival.status)).toEqual([503, 503, 503, 503, 200, 200]);
    gapsBetweenArrivals()
      .slice(0, waits.length)
      .forEach((gap, index) => {
        expect(gap).toBeGreaterThanOrEqual((waits[index] as number) - 1);
      });

    // The run succeeded: the next outage starts from the first wait again.
    outage.failNext(1, { status: 503 });
    await upload(knowledge, bot.id, "Handbook again");
    await waitUntil(() => embeddingRows(databasePath).length === 12, {
      timeoutMs: 10_000,
      what: "the second upload embedded after one failed run",
    });
    await embeddings.idle();
    expect(warnings.slice(waits.length).map((warning) => warning.message)).toEqual([
      expect.stringMatching(/: trying again in 40 ms$/),
    ]);
  });

  it("runs at once, instead of waiting out the retry, when a document is uploaded while a retry waits", async () => {
    outage.failNext(1, { status: 503 });
    const { databasePath, embeddings, knowledge, bot, warnings } = await setUp(remoteEmbedder(), {
      // Longer than the test: only the upload can start the run that embeds.
      firstDelayMs: 60_000,
      maxDelayMs: 60_000,
    });
    await upload(knowledge, bot.id);
    await embeddings.idle();
    expect(warnings).toHaveLength(1);

    await upload(knowledge, bot.id, "Handbook again");
    await embeddings.idle();
    expect(embeddingRows(databasePath)).toHaveLength(12);
    expect(outage.arrivals.map((arrival) => arrival.status)).toEqual([503, 200, 200, 200]);
  });
});

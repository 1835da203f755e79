import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ParleyProcess,
  REPO_ROOT,
  sendJson,
  startParley,
  temporaryDirectory,
} from "./support/parley-process.js";

/**
 * Parts only some servers use load when first used, not at start: a server on SQLite, without Redis or an
 * Anthropic provider, that has fetched no page, should not pay their memory or start-up time.
 */
const OPTIONAL_PACKAGES = [
  "pg", // PostgreSQL, for servers that share a database
  "ioredis", // Redis, for servers that share runs
  "@anthropic-ai/sdk", // Anthropic providers
  "linkedom", // the HTML reader of fetched pages and HTML knowledge
  "@mozilla/readability",
  "turndown",
];

describe("a server on SQLite, without Redis or an Anthropic provider", () => {
  let parley: ParleyProcess;
  const record = path.join(temporaryDirectory("parley-modules-"), "loaded.txt");

  beforeAll(async () => {
    const recorder = pathToFileURL(path.join(REPO_ROOT, "test/support/record-loaded-modules.mjs")).href;
    parley = await startParley({
      waitForModels: false,
      env: { NODE_OPTIONS: `--import=${recorder}`, PARLEY_RECORD_MODULES: record },
    });
  });

  afterAll(async () => {
    await parley?.stop();
  });

  /** The packages of every module the server has loaded so far. */
  const packagesLoaded = () =>
    new Set(
      readFileSync(record, "utf8")
        .split("\n")
        .flatMap((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []),
    );

  it("loads none of the optional packages once it serves", async () => {
    expect((await parley.api("/healthz")).status).toBe(200);
    expect((await parley.api("/api/bots")).status).toBe(200);
    // The record holds what a server needs (Fastify serves it), so an empty record cannot pass for a lazy one.
    const loaded = packagesLoaded();
    expect(loaded).toContain("fastify");
    expect(OPTIONAL_PACKAGES.filter((name) => loaded.has(name))).toEqual([]);
  });

  it("loads the HTML reader when it first reads HTML, and reads it", async () => {
    const bot = await sendJson<{ id: string }>(
      parley,
      "/api/bots",
      { name: "HTML learner", model: "auto" },
      { status: 201 },
    );
    const added = await sendJson<{ mediaType: string }>(
      parley,
      `/api/bots/${bot.id}/knowledge`,
      { title: "Page", content: "<h2>Queues</h2><p>First in, first out.</p>", mediaType: "text/html" },
      { status: 201 },
    );
    expect(added.mediaType).toBe("text/markdown");
    const loaded = packagesLoaded();
    expect(loaded).toContain("linkedom");
    expect(loaded).toContain("turndown");
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../core/app-error.js";
import { type EngineModel, loadEngineModel } from "./engine-model.js";
import { SequencePool } from "./sequence-pool.js";
import { writeTinyModel } from "./tiny-model.js";

let directory: string;
let engineModel: EngineModel;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), "parley-pool-"));
  const modelPath = path.join(directory, "tiny.gguf");
  await writeTinyModel(modelPath);
  engineModel = await loadEngineModel({
    modelPath,
    threads: 1,
    sequences: 2,
    contextSize: 256,
    gpu: false,
    log: () => {},
  });
});

afterAll(async () => {
  await engineModel?.dispose();
  if (directory) await rm(directory, { recursive: true, force: true });
});

function tokens(text: string): Token[] {
  return engineModel.model.tokenize(text);
}

async function evaluateAll(pool: SequencePool, prompt: Token[]): Promise<number> {
  const lease = await pool.acquire(prompt);
  try {
    await lease.sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(lease.reusedTokens));
    return lease.reusedTokens;
  } finally {
    lease.release();
  }
}

describe("SequencePool", () => {
  it("gives each prompt the sequence holding its longest prefix and trims only the tail", async () => {
    const pool = new SequencePool(engineModel.sequences, { maxQueue: 4 });
    const first = tokens("the first conversation goes here");
    const second = tokens("another chat, nothing alike");
    expect(await evaluateAll(pool, first)).toBe(0);
    expect(await evaluateAll(pool, second)).toBe(0);

    const firstContinued = tokens("the first conversation goes here, and on");
    const shared = first.findIndex((token, index) => firstContinued[index] !== token);
    const expected = shared < 0 ? first.length : shared;
    expect(await evaluateAll(pool, firstContinued)).toBe(expected);
    expect(await evaluateAll(pool, second)).toBe(second.length - 1);
  });

  it("keeps two interleaved conversations that share a header on their own sequences, each keeping its cache", async () => {
    const pool = new SequencePool(engineModel.sequences, { maxQueue: 4 });
    const header = "<system>Be brief.</system>";
    const turnA1 = tokens(`${header} user A asks how rivers carve their valleys over millions of years`);
    const turnB1 = tokens(`${header} user B wants a short poem about autumn leaves falling in the rain`);
    await evaluateAll(pool, turnA1);
    // B shares only the header with A: it must take the empty sequence, not evict A's conversation.
    await evaluateAll(pool, turnB1);
    const turnA2 = tokens(
      `${header} user A asks how rivers carve their valleys over millions of years, and lakes?`,
    );
    const turnB2 = tokens(
      `${header} user B wants a short poem about autumn leaves falling in the rain, in French`,
    );
    expect(await evaluateAll(pool, turnA2)).toBeGreaterThanOrEqual(turnA1.length - 1);
    expect(await evaluateAll(pool, turnB2)).toBeGreaterThanOrEqual(turnB1.length - 1);
  });

  it("queues when all sequences are busy, drops aborted waiters, and refuses beyond the queue", async () => {
    const pool = new SequencePool(engineModel.sequences, { maxQueue: 1 });
    const held = [await pool.acquire(tokens("one")), await pool.acquire(tokens("two"))];
    expect(pool.busy).toBe(2);

    const controller = new AbortController();
    const waiting = pool.acquire(tokens("three"), controller.signal);
    expect(pool.queued).toBe(1);
    await expect(pool.acquire(tokens("four"))).rejects.toMatchObject({
      code: "engine_overloaded",
      status: 503,
    });
    controller.abort(new Error("client left"));
    await expect(waiting).rejects.toThrow("client left");
    expect(pool.queued).toBe(0);

    const next = pool.acquire(tokens("five"));
    held[0]?.release();
    const lease = await next;
    expect(pool.busy).toBe(2);
    lease.release();
    held[1]?.release();
    expect(pool.busy).toBe(0);

    const stopping = new AppError("engine_stopping", "stopping", { status: 503 });
    const blockers = [await pool.acquire(tokens("a")), await pool.acquire(tokens("b"))];
    const queued = pool.acquire(tokens("c"));
    pool.close(stopping);
    await expect(queued).rejects.toBe(stopping);
    await expect(pool.acquire(tokens("d"))).rejects.toBe(stopping);
    for (const blocker of blockers) blocker.release();
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { getLlama, type Llama, type LlamaModel, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "./tiny-model.js";
import { TokenTextDecoder } from "./token-text-decoder.js";

let directory: string;
let llama: Llama;
let model: LlamaModel;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), "parley-decoder-"));
  const modelPath = path.join(directory, "tiny.gguf");
  await writeTinyModel(modelPath);
  llama = await getLlama({ gpu: false, build: "never", maxThreads: 1 });
  model = await llama.loadModel({ modelPath });
});

afterAll(async () => {
  await llama?.dispose();
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe("TokenTextDecoder", () => {
  it("never splits a multi-byte character across pieces", () => {
    const text = "héllo wörld ✓ 🦙 日本";
    const tokens = model.tokenize(text);
    // The tiny model's byte-level vocabulary spells these characters with one token per byte.
    expect(tokens.length).toBeGreaterThan([...text].length);
    const decoder = new TokenTextDecoder(model, model.tokenize("prompt: "));
    const pieces = tokens.map((token) => decoder.push(token));
    pieces.push(decoder.flush());
    expect(pieces.join("")).toBe(text);
    expect(pieces.some((piece) => piece.includes("\uFFFD"))).toBe(false);
    expect(pieces.filter((piece) => piece === "").length).toBeGreaterThan(0);
  });

  it("gives an unfinished character back on flush", () => {
    const [first] = model.tokenize("🦙");
    const decoder = new TokenTextDecoder(model, []);
    expect(decoder.push(first as Token)).toBe("");
    expect(decoder.flush()).toBe("\uFFFD");
  });
});

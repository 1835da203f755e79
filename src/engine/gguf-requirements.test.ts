// Malformed files are only ever read here, never loaded into node-llama-cpp: llama.cpp would abort the test process.
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidModelFileError, ModelUnavailableError } from "../core/app-error.js";
import type { GgufValue } from "./gguf-reader.js";
import { assertLoadableGguf } from "./gguf-requirements.js";
import { encodeGguf, type GgufTensor, gguf } from "./gguf-writer.js";
import { buildTinyModel, chatMlTemplate, writeTinyModel } from "./tiny-model.js";

let directory: string;
let fileCount = 0;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "parley-gguf-requirements-"));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function fileWith(bytes: Uint8Array): Promise<string> {
  const path = join(directory, `model-${fileCount++}.gguf`);
  await writeFile(path, bytes);
  return path;
}

/** The tiny model with a change to its metadata or tensors. */
async function tinyModelWith(
  change: (metadata: Record<string, GgufValue>, tensors: GgufTensor[]) => void,
): Promise<string> {
  const { metadata, tensors } = buildTinyModel();
  change(metadata, tensors);
  return fileWith(encodeGguf({ metadata, tensors }));
}

async function refusal(path: string): Promise<InvalidModelFileError> {
  try {
    await assertLoadableGguf(path);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidModelFileError);
    return error as InvalidModelFileError;
  }
  throw new Error(`${path} was accepted`);
}

describe("assertLoadableGguf", () => {
  it("accepts the tiny model and summarizes it", async () => {
    const path = join(directory, "tiny.gguf");
    await writeTinyModel(path);
    const summary = await assertLoadableGguf(path);
    expect(summary).toEqual({
      architecture: "llama",
      name: "Parley tiny alphabet",
      contextLength: 4096,
      embeddingLength: 64,
      blockCount: 2,
      tokenizerModel: "gpt2",
      vocabularySize: 260,
      chatTemplate: chatMlTemplate,
      fileSize: expect.any(Number),
      tensorCount: 3 + 2 * 9,
      parameterCount: 2 * 64 * 260 + 64 + 2 * (64 + 64 * 64 + 2 * 64 * 32 + 64 * 64 + 64 + 3 * 64 * 128),
      splitCount: 1,
    });
    expect(summary.fileSize).toBeGreaterThan(400_000);
  });

  it("refuses a file that is not a GGUF at all", async () => {
    const path = await fileWith(Buffer.from("<!DOCTYPE html><html>Not found</html>"));
    const error = await refusal(path);
    expect(error.message).toBe(
      `${JSON.stringify(path)} is not a GGUF model file: it starts with "<!DO" instead of "GGUF".`,
    );
    expect(error.status).toBe(422);
  });

  it("refuses a file cut inside its header", async () => {
    const bytes = encodeGguf(buildTinyModel());
    const error = await refusal(await fileWith(bytes.subarray(0, 2000)));
    expect(error.message).toMatch(/is not a usable model: .*truncated/);
  });

  it("refuses a file whose tensor data is cut short (an incomplete download)", async () => {
    const bytes = encodeGguf(buildTinyModel());
    const error = await refusal(await fileWith(bytes.subarray(0, bytes.length - 1000)));
    expect(error.message).toMatch(
      /is not a usable model: the data of tensor "blk\.1\.ffn_down\.weight" runs to byte \d+, but the file has only \d+ bytes; it is truncated/,
    );
  });

  it.each([
    ["llama.feed_forward_length", "the feed-forward size"],
    ["llama.attention.head_count", "the number of attention heads"],
    ["tokenizer.ggml.tokens", "the vocabulary"],
    ["tokenizer.ggml.merges", "the byte-pair merges a gpt2 tokenizer needs"],
    ["tokenizer.ggml.model", "the tokenizer type"],
    ["general.architecture", "the model architecture"],
    ["llama.context_length", "the trained context length"],
    ["llama.embedding_length", "the embedding size"],
    ["llama.block_count", "the number of layers"],
    ["llama.attention.layer_norm_rms_epsilon", "the RMS norm epsilon"],
  ])("refuses a model without %s, naming the key", async (key, purpose) => {
    const path = await tinyModelWith((metadata) => {
      delete metadata[key];
    });
    const error = await refusal(path);
    expect(error.message).toBe(
      `${JSON.stringify(path)} is not a usable model: its metadata has no "${key}" (${purpose}), which llama.cpp needs to load it.`,
    );
    expect(error.details).toEqual({ path, key });
  });

  it.each([
    [
      "a count stored as uint64",
      "llama.context_length",
      gguf.uint64(4096n),
      /"llama.context_length" has type uint64, but llama.cpp requires uint32/,
    ],
    [
      "a count stored as int32",
      "llama.block_count",
      gguf.int32(2),
      /"llama.block_count" has type int32, but llama.cpp requires uint32/,
    ],
    [
      "a zero context length",
      "llama.context_length",
      gguf.uint32(0),
      /"llama.context_length" \(the trained context length\) is 0/,
    ],
    ["a zero head count", "llama.attention.head_count", gguf.uint32(0), /"llama.attention.head_count" is 0/],
    [
      "a zero feed-forward size",
      "llama.feed_forward_length",
      gguf.uint32(0),
      /"llama.feed_forward_length" is 0/,
    ],
    [
      "key-value heads that do not divide the heads",
      "llama.attention.head_count_kv",
      gguf.uint32(3),
      /4 attention heads and 3 key-value heads/,
    ],
    ["a wrong rotary dimension", "llama.rope.dimension_count", gguf.uint32(8), /requires the head size 16/],
    [
      "an epsilon stored as float64",
      "llama.attention.layer_norm_rms_epsilon",
      { type: "float64", value: 1e-5 } as GgufValue,
      /requires float32/,
    ],
    [
      "a per-layer array of the wrong length",
      "llama.feed_forward_length",
      gguf.uint32Array([128, 128, 128]),
      /3 entries for 2 layers/,
    ],
    [
      "an unknown tokenizer",
      "tokenizer.ggml.model",
      gguf.string("sentencepiece"),
      /"sentencepiece", a tokenizer llama.cpp does not know/,
    ],
    [
      "a vocabulary of numbers",
      "tokenizer.ggml.tokens",
      gguf.int32Array([1, 2]),
      /"tokenizer.ggml.tokens" has type int32 array/,
    ],
    [
      "a special token id stored as int32",
      "tokenizer.ggml.eos_token_id",
      gguf.int32(259),
      /"tokenizer.ggml.eos_token_id" has type int32/,
    ],
    [
      "a flag stored as a number",
      "tokenizer.ggml.add_bos_token",
      gguf.uint32(0),
      /"tokenizer.ggml.add_bos_token" has type uint32, but llama.cpp requires bool/,
    ],
    [
      "too few token types",
      "tokenizer.ggml.token_type",
      gguf.int32Array([1, 1, 1]),
      /3 entries for 260 tokens/,
    ],
    ["a block count over llama.cpp's limit", "llama.block_count", gguf.uint32(513), /limit of 512 layers/],
  ])("refuses %s", async (_, key, value, message) => {
    const error = await refusal(
      await tinyModelWith((metadata) => {
        metadata[key] = value;
      }),
    );
    expect(error.message).toMatch(/is not a usable model: /);
    expect(error.message).toMatch(message);
  });

  it("refuses a missing tensor and a tensor whose shape does not match the metadata", async () => {
    const missing = await refusal(
      await tinyModelWith((_, tensors) => {
        tensors.splice(
          tensors.findIndex((tensor) => tensor.name === "blk.1.attn_k.weight"),
          1,
        );
      }),
    );
    expect(missing.message).toMatch(/it has no tensor "blk\.1\.attn_k\.weight"/);

    const reshaped = await refusal(
      await tinyModelWith((_, tensors) => {
        const index = tensors.findIndex((tensor) => tensor.name === "blk.0.ffn_up.weight");
        tensors[index] = { name: "blk.0.ffn_up.weight", shape: [64, 64], data: new Float32Array(64 * 64) };
      }),
    );
    expect(reshaped.message).toMatch(
      /tensor "blk\.0\.ffn_up\.weight" has shape \[64, 64\], but its metadata implies \[64, 128\]/,
    );
  });

  it("accepts per-layer arrays and other architectures by their own key prefix", async () => {
    const perLayer = await tinyModelWith((metadata) => {
      metadata["llama.feed_forward_length"] = gguf.uint32Array([128, 128]);
      metadata["llama.attention.head_count"] = gguf.int32Array([4, 4]);
    });
    await expect(assertLoadableGguf(perLayer)).resolves.toMatchObject({ architecture: "llama" });

    const renamed = (metadata: Record<string, GgufValue>) => {
      for (const [key, value] of Object.entries(metadata)) {
        if (!key.startsWith("llama.")) continue;
        delete metadata[key];
        metadata[`qwen2.${key.slice("llama.".length)}`] = value;
      }
      metadata["general.architecture"] = gguf.string("qwen2");
    };
    await expect(assertLoadableGguf(await tinyModelWith(renamed))).resolves.toMatchObject({
      architecture: "qwen2",
      contextLength: 4096,
    });
    const withoutHeads = await tinyModelWith((metadata) => {
      renamed(metadata);
      delete metadata["qwen2.attention.head_count"];
    });
    expect((await refusal(withoutHeads)).message).toMatch(/no "qwen2\.attention\.head_count"/);
  });

  it("exists for a reason: llama.cpp aborts its whole process on a model without llama.feed_forward_length", async () => {
    const path = await tinyModelWith((metadata) => {
      delete metadata["llama.feed_forward_length"];
    });
    expect((await refusal(path)).message).toMatch(/no "llama\.feed_forward_length"/);
    // In a child process: in this one the abort would kill the test run. A script file, because node-llama-cpp's
    // binary self-test re-runs the process's flags and fails under `node -e`.
    const nodeLlamaCpp = new URL("../../node_modules/node-llama-cpp/dist/index.js", import.meta.url).href;
    const script = join(directory, "load-model.mjs");
    await writeFile(
      script,
      [
        `const { getLlama } = await import(${JSON.stringify(nodeLlamaCpp)});`,
        'const llama = await getLlama({ gpu: false, build: "never" });',
        "await llama.loadModel({ modelPath: process.argv[2] });",
        'console.log("loaded");',
      ].join("\n"),
    );
    const child = spawnSync(process.execPath, [script, path], { encoding: "utf8", timeout: 60_000 });
    expect(child.signal).toBe("SIGABRT");
    expect(child.stderr).toMatch(/GGML_ASSERT/);
    expect(child.stdout).not.toMatch(/loaded/);
  });

  it("reports a missing file as unavailable, not as a bad model", async () => {
    await expect(assertLoadableGguf(join(directory, "absent.gguf"))).rejects.toBeInstanceOf(
      ModelUnavailableError,
    );
  });
});

/** Refuses, before any engine process starts, a GGUF file that llama.cpp would refuse or abort on; summarizes the rest. */
import { InvalidModelFileError } from "../core/app-error.js";
import {
  type GgufHeader,
  type GgufValue,
  type ReadGgufHeaderOptions,
  readGgufHeader,
} from "./gguf-reader.js";

export type GgufSummary = {
  architecture: string;
  /** `general.name`, when the file has one. */
  name: string | null;
  contextLength: number;
  embeddingLength: number;
  blockCount: number;
  tokenizerModel: string;
  vocabularySize: number;
  /** The Jinja chat template (`tokenizer.chat_template`), when the file has one. */
  chatTemplate: string | null;
  fileSize: number;
  /** Tensors and weights in this file (one part only, for a model split into several files). */
  tensorCount: number;
  parameterCount: number;
  /** How many files the model is split into (`split.count`); 1 for a single file. */
  splitCount: number;
};

export type AssertLoadableGgufOptions = ReadGgufHeaderOptions;

/**
 * Reads the header of the GGUF file at `path` and throws InvalidModelFileError, naming the problem, unless llama.cpp
 * can load it. A malformed GGUF can make llama.cpp SIGABRT its whole process, so the server asks this first.
 */
export async function assertLoadableGguf(
  path: string,
  options: AssertLoadableGgufOptions = {},
): Promise<GgufSummary> {
  const header = await readGgufHeader(path, options);
  return assertLoadableGgufHeader(header, { source: JSON.stringify(path), path });
}

/** The checks of `assertLoadableGguf` on a header already read (e.g. with `decodeGgufHeader`). */
export function assertLoadableGgufHeader(
  header: GgufHeader,
  options: { source?: string; path?: string } = {},
): GgufSummary {
  const check = new HeaderCheck(header, options.source ?? "the GGUF data", options.path);

  const architecture = check.string("general.architecture", "the model architecture", true);
  const name = check.string("general.name", "the model name", false) ?? null;
  const splitCount = check.integer("split.count", "the number of files of a split model", "uint16") ?? 1;

  const contextLength = check.positiveUint32(`${architecture}.context_length`, "the trained context length");
  const embeddingLength = check.positiveUint32(`${architecture}.embedding_length`, "the embedding size");
  const blockCount = check.positiveUint32(`${architecture}.block_count`, "the number of layers");
  if (blockCount > maxLayers) {
    check.fail(
      `"${architecture}.block_count" is ${blockCount}, more than llama.cpp's limit of ${maxLayers} layers`,
      `${architecture}.block_count`,
    );
  }
  const feedForwardLengths = check.perLayer(
    `${architecture}.feed_forward_length`,
    "the feed-forward size",
    blockCount,
    true,
  );
  const headCounts = check.perLayer(
    `${architecture}.attention.head_count`,
    "the number of attention heads",
    blockCount,
    true,
  );
  const headCountsKv =
    check.perLayer(
      `${architecture}.attention.head_count_kv`,
      "the number of key-value heads",
      blockCount,
      false,
    ) ?? headCounts;

  const vocabulary = checkTokenizer(check);

  if (architecture === "llama") {
    checkLlama(check, {
      embeddingLength,
      blockCount,
      feedForwardLengths,
      headCounts,
      headCountsKv,
      vocabularySize: vocabulary.size,
      splitCount,
    });
  }

  for (const tensor of header.tensors) {
    const end = tensor.fileOffset + tensor.byteSize;
    if (end > header.fileSize) {
      check.fail(
        `the data of tensor "${tensor.name}" runs to byte ${end}, but the file has only ${header.fileSize} bytes; it is truncated (an incomplete download?)`,
      );
    }
  }

  return {
    architecture,
    name,
    contextLength,
    embeddingLength,
    blockCount,
    tokenizerModel: vocabulary.model,
    vocabularySize: vocabulary.size,
    chatTemplate: check.string("tokenizer.chat_template", "the chat template", false) ?? null,
    fileSize: header.fileSize,
    tensorCount: header.tensors.length,
    parameterCount: header.tensors.reduce((sum, tensor) => sum + tensor.elementCount, 0),
    splitCount,
  };
}

// llama-hparams.h LLAMA_MAX_LAYERS.
const maxLayers = 512;

// The tokenizer types llama_vocab::impl::load knows (node-llama-cpp 3.21.1); anything else throws there.
const knownTokenizerModels = new Set([
  "no_vocab",
  "none",
  "llama",
  "bert",
  "gpt2",
  "hybriddna",
  "whitespace",
  "t5",
  "rwkv",
  "plamo2",
  "gemma4",
]);
const bpeTokenizerModels = new Set(["gpt2", "hybriddna", "whitespace", "gemma4"]);
// The special token ids and flags llama.cpp reads with strict types (a uint32 key stored as int32 is refused).
const specialTokenKeys = [
  "bos",
  "eos",
  "eot",
  "eom",
  "unknown",
  "seperator", // sic: llama.cpp's spelling
  "padding",
  "mask",
  "fim_pre",
  "fim_suf",
  "fim_mid",
  "fim_pad",
  "fim_rep",
  "fim_sep",
  "prefix",
  "suffix",
  "middle",
].map((name) => `tokenizer.ggml.${name}_token_id`);
const tokenizerFlagKeys = [
  "add_bos_token",
  "add_eos_token",
  "add_sep_token",
  "add_space_prefix",
  "remove_extra_whitespaces",
].map((name) => `tokenizer.ggml.${name}`);

function checkTokenizer(check: HeaderCheck): { model: string; size: number } {
  const model = check.string("tokenizer.ggml.model", "the tokenizer type", true);
  if (!knownTokenizerModels.has(model)) {
    check.fail(
      `"tokenizer.ggml.model" is "${model}", a tokenizer llama.cpp does not know`,
      "tokenizer.ggml.model",
    );
  }
  for (const key of specialTokenKeys) check.integer(key, "a special token", "uint32");
  for (const key of tokenizerFlagKeys) check.bool(key, "a tokenizer flag");
  if (model === "none" || model === "no_vocab") return { model, size: 0 };

  const tokens = check.stringArray("tokenizer.ggml.tokens", "the vocabulary", true);
  if (tokens.length === 0) check.fail(`"tokenizer.ggml.tokens" is empty`, "tokenizer.ggml.tokens");
  const preTokenizer = check.string("tokenizer.ggml.pre", "the pre-tokenizer", false);
  // llama.cpp lets Kimi-K2's custom tokenizer go without merges; every other byte-pair tokenizer needs them.
  const needsMerges = bpeTokenizerModels.has(model) && !(model === "gpt2" && preTokenizer === "kimi-k2");
  if (needsMerges) {
    check.stringArray("tokenizer.ggml.merges", `the byte-pair merges a ${model} tokenizer needs`, true);
  }

  const tokenTypes = check.header.metadata.get("tokenizer.ggml.token_type");
  if (tokenTypes !== undefined) {
    if (tokenTypes.type !== "array" || tokenTypes.itemType !== "int32") {
      check.fail(
        `"tokenizer.ggml.token_type" has type ${describeType(tokenTypes)}, but llama.cpp requires an int32 array`,
        "tokenizer.ggml.token_type",
      );
    }
    if (tokenTypes.value.length < tokens.length) {
      check.fail(
        `"tokenizer.ggml.token_type" has ${tokenTypes.value.length} entries for ${tokens.length} tokens`,
        "tokenizer.ggml.token_type",
      );
    }
  }
  const scores = check.header.metadata.get("tokenizer.ggml.scores");
  if (scores !== undefined) {
    if (scores.type !== "array" || (scores.itemType !== "float32" && scores.itemType !== "int32")) {
      check.fail(
        `"tokenizer.ggml.scores" has type ${describeType(scores)}, but llama.cpp requires a float32 or int32 array`,
        "tokenizer.ggml.scores",
      );
    }
    if (scores.value.length < tokens.length) {
      check.fail(
        `"tokenizer.ggml.scores" has ${scores.value.length} entries for ${tokens.length} tokens`,
        "tokenizer.ggml.scores",
      );
    }
  }
  return { model, size: tokens.length };
}

type LlamaShape = {
  embeddingLength: number;
  blockCount: number;
  feedForwardLengths: number[];
  headCounts: number[];
  headCountsKv: number[];
  vocabularySize: number;
  splitCount: number;
};

/** What llama.cpp's `llama` architecture reads beyond the common keys, and the tensor shapes they imply. */
function checkLlama(check: HeaderCheck, shape: LlamaShape): void {
  const { embeddingLength, blockCount, feedForwardLengths, headCounts, headCountsKv, vocabularySize } = shape;
  check.float32("llama.attention.layer_norm_rms_epsilon", "the RMS norm epsilon");
  const expertCount = check.integer("llama.expert_count", "the number of experts", "uint32") ?? 0;

  for (let layer = 0; layer < blockCount; layer++) {
    const heads = headCounts[layer] ?? 0;
    const kvHeads = headCountsKv[layer] ?? 0;
    // Zero heads or feed-forward size passes llama.cpp's key checks and then trips a GGML assertion (SIGABRT).
    if (heads === 0) {
      check.fail(`"llama.attention.head_count" is 0 for layer ${layer}`, "llama.attention.head_count");
    }
    if (kvHeads === 0 || heads % kvHeads !== 0) {
      check.fail(
        `layer ${layer} has ${heads} attention heads and ${kvHeads} key-value heads; the first must be a multiple of the second`,
        "llama.attention.head_count_kv",
      );
    }
    if (expertCount === 0 && (feedForwardLengths[layer] ?? 0) === 0) {
      check.fail(`"llama.feed_forward_length" is 0 for layer ${layer}`, "llama.feed_forward_length");
    }
  }

  const heads = headCounts[0] ?? 1;
  const keyLength =
    check.integer("llama.attention.key_length", "the key head size", "uint32") ??
    Math.floor(embeddingLength / heads);
  const valueLength =
    check.integer("llama.attention.value_length", "the value head size", "uint32") ??
    Math.floor(embeddingLength / heads);
  const ropeDimensions = check.integer("llama.rope.dimension_count", "the rotary dimensions", "uint32");
  if (ropeDimensions !== undefined && ropeDimensions !== keyLength) {
    check.fail(
      `"llama.rope.dimension_count" is ${ropeDimensions}, but llama.cpp requires the head size ${keyLength}`,
      "llama.rope.dimension_count",
    );
  }

  // The tensors of a split model sit in its other files; llama.cpp checks them when it opens all of them.
  if (shape.splitCount > 1) return;
  const tensors = new Map(check.header.tensors.map((tensor) => [tensor.name, tensor.shape]));
  const expect = (name: string, expected: number[], required = true) => {
    const actual = tensors.get(name);
    if (actual === undefined) {
      if (required) check.fail(`it has no tensor "${name}"`);
      return;
    }
    const padded = [...actual, 1, 1, 1, 1].slice(0, 4);
    const wanted = [...expected, 1, 1, 1, 1].slice(0, 4);
    if (padded.some((length, index) => length !== wanted[index])) {
      check.fail(
        `tensor "${name}" has shape [${actual.join(", ")}], but its metadata implies [${expected.join(", ")}]`,
      );
    }
  };

  expect("token_embd.weight", [embeddingLength, vocabularySize]);
  expect("output_norm.weight", [embeddingLength]);
  expect("output.weight", [embeddingLength, vocabularySize], false);
  for (let layer = 0; layer < blockCount; layer++) {
    const prefix = `blk.${layer}`;
    const queryLength = keyLength * (headCounts[layer] ?? 0);
    const kvLength = headCountsKv[layer] ?? 0;
    expect(`${prefix}.attn_norm.weight`, [embeddingLength]);
    if (tensors.has(`${prefix}.attn_qkv.weight`)) {
      expect(`${prefix}.attn_qkv.weight`, [
        embeddingLength,
        queryLength + (keyLength + valueLength) * kvLength,
      ]);
    } else {
      expect(`${prefix}.attn_q.weight`, [embeddingLength, queryLength]);
      expect(`${prefix}.attn_k.weight`, [embeddingLength, keyLength * kvLength]);
      expect(`${prefix}.attn_v.weight`, [embeddingLength, valueLength * kvLength]);
    }
    expect(`${prefix}.attn_output.weight`, [queryLength, embeddingLength]);
    expect(`${prefix}.ffn_norm.weight`, [embeddingLength]);
    if (expertCount === 0) {
      const feedForwardLength = feedForwardLengths[layer] ?? 0;
      expect(`${prefix}.ffn_gate.weight`, [embeddingLength, feedForwardLength]);
      expect(`${prefix}.ffn_up.weight`, [embeddingLength, feedForwardLength]);
      expect(`${prefix}.ffn_down.weight`, [feedForwardLength, embeddingLength]);
    }
  }
}

function describeType(value: GgufValue): string {
  return value.type === "array" ? `${value.itemType} array` : value.type;
}

/** Typed look-ups in the metadata that fail with a message naming the key and what it is for. */
class HeaderCheck {
  constructor(
    readonly header: GgufHeader,
    private readonly source: string,
    private readonly path: string | undefined,
  ) {}

  fail(problem: string, key?: string): never {
    throw new InvalidModelFileError(`${this.source} is not a usable model: ${problem}.`, {
      details: {
        ...(this.path === undefined ? {} : { path: this.path }),
        ...(key === undefined ? {} : { key }),
      },
    });
  }

  private get(key: string, purpose: string, required: boolean): GgufValue | undefined {
    const value = this.header.metadata.get(key);
    if (value === undefined && required) {
      this.fail(`its metadata has no "${key}" (${purpose}), which llama.cpp needs to load it`, key);
    }
    return value;
  }

  private wrongType(key: string, value: GgufValue, wanted: string): never {
    this.fail(`"${key}" has type ${describeType(value)}, but llama.cpp requires ${wanted}`, key);
  }

  string(key: string, purpose: string, required: true): string;
  string(key: string, purpose: string, required: boolean): string | undefined;
  string(key: string, purpose: string, required: boolean): string | undefined {
    const value = this.get(key, purpose, required);
    if (value === undefined) return undefined;
    if (value.type !== "string") this.wrongType(key, value, "a string");
    return value.value;
  }

  integer(key: string, purpose: string, type: "uint16" | "uint32"): number | undefined {
    const value = this.get(key, purpose, false);
    if (value === undefined) return undefined;
    if (value.type !== type) this.wrongType(key, value, type);
    return value.value;
  }

  bool(key: string, purpose: string): boolean | undefined {
    const value = this.get(key, purpose, false);
    if (value === undefined) return undefined;
    if (value.type !== "bool") this.wrongType(key, value, "bool");
    return value.value;
  }

  positiveUint32(key: string, purpose: string): number {
    this.get(key, purpose, true);
    const value = this.integer(key, purpose, "uint32") ?? 0;
    if (value === 0) this.fail(`"${key}" (${purpose}) is 0`, key);
    return value;
  }

  float32(key: string, purpose: string): number {
    const value = this.get(key, purpose, true) as GgufValue;
    if (value.type !== "float32") this.wrongType(key, value, "float32");
    return value.value;
  }

  stringArray(key: string, purpose: string, required: true): readonly string[] {
    const value = this.get(key, purpose, required) as GgufValue;
    if (value.type !== "array" || value.itemType !== "string") this.wrongType(key, value, "a string array");
    return value.value;
  }

  /** A uint32, or an array with one uint32 or int32 per layer, as llama.cpp's `get_key_or_arr` reads it. */
  perLayer(key: string, purpose: string, blockCount: number, required: true): number[];
  perLayer(key: string, purpose: string, blockCount: number, required: false): number[] | undefined;
  perLayer(key: string, purpose: string, blockCount: number, required: boolean): number[] | undefined {
    const value = this.get(key, purpose, required);
    if (value === undefined) return undefined;
    if (value.type === "uint32") return new Array<number>(blockCount).fill(value.value);
    if (value.type === "array" && (value.itemType === "uint32" || value.itemType === "int32")) {
      if (value.value.length !== blockCount) {
        this.fail(`"${key}" has ${value.value.length} entries for ${blockCount} layers`, key);
      }
      return [...value.value];
    }
    this.wrongType(key, value, "uint32 or a uint32 array with one entry per layer");
  }
}

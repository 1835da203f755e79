/** A tiny llama GGUF (≈0.5 MB, written in milliseconds) whose every ChatML reply is the alphabet: a real model for tests. */
import type { GgufValue } from "./gguf-reader.js";
import { type GgufContent, type GgufTensor, type GgufTensorType, gguf, writeGguf } from "./gguf-writer.js";

/** What the tiny model answers to any ChatML conversation, before its end-of-turn token. */
export const tinyModelReply = "abcdefghijklmnopqrstuvwxyz";

export type TinyModelOptions = {
  /** After "z" write "\n" and start over instead of ending the turn: the reply never ends before max tokens. */
  loop?: boolean;
  /** How the transformer blocks' matrices are stored; F32 unless told. */
  matrixType?: GgufTensorType;
};

/** The shape of the tiny model, for tests that size contexts or count tokens. */
export const tinyModelShape = {
  contextLength: 4096,
  embeddingLength: 64,
  blockCount: 2,
  headCount: 4,
  headCountKv: 2,
  feedForwardLength: 128,
} as const;

const endOfTextToken = "<|endoftext|>";
const turnStartToken = "<|im_start|>";
const turnEndToken = "<|im_end|>";

/** The ChatML template (as Qwen and others ship it), so clients render conversations the way the weights expect. */
export const chatMlTemplate =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

// Weights: every token embeds as a large vector on the axis of its last character's class, and the output head maps
// each class axis to the one next token. The blocks' small random weights perturb that vector (the same last token
// after a different conversation gets logits tenths of a nat apart), so attention and the feed-forward layers are
// computed for real but cannot flip the argmax. After the final RMS norm the class axis is ≈ 7.5 of sqrt(n_embd) = 8,
// so the chosen token's logit is ≈ 50 and every other stays far below: measured margins are 44-54 nats, so even
// sampling at temperature 1 picks the same tokens (the runner-up's odds are below e^-40).
const embeddingScale = 3;
const outputScale = 7;
const embeddingNoise = 0.02;
const attentionWeightRange = 0.05;
const feedForwardWeightRange = 0.1;
const normNoise = 0.05;
const outputNoise = 0.02;
const seed = 0x7a11_a1fa;

const newlineClass = 0;
const otherClass = 27;

/** Builds the tiny model in memory: metadata and tensors ready for `encodeGguf` or `writeGguf`. */
export function buildTinyModel(
  options: TinyModelOptions = {},
): GgufContent & { metadata: Record<string, GgufValue>; tensors: GgufTensor[] } {
  const { contextLength, embeddingLength, blockCount, headCount, headCountKv, feedForwardLength } =
    tinyModelShape;
  const headLength = embeddingLength / headCount;
  const matrixType = options.matrixType ?? "F32";

  const tokens = vocabulary();
  const endOfTextId = tokens.indexOf(endOfTextToken);
  const turnEndId = tokens.indexOf(turnEndToken);
  const controlTokens = new Set([endOfTextToken, turnStartToken, turnEndToken]);
  const tokenTypes = tokens.map((token) => (controlTokens.has(token) ? 3 : 1));
  const vocabularySize = tokens.length;

  const random = mulberry32(seed);
  const uniform = (range: number) => (random() * 2 - 1) * range;
  const matrix = (name: string, columns: number, rows: number, range: number): GgufTensor => ({
    name,
    shape: [columns, rows],
    data: Float32Array.from({ length: columns * rows }, () => uniform(range)),
    type: matrixType,
  });
  const norm = (name: string): GgufTensor => ({
    name,
    shape: [embeddingLength],
    data: Float32Array.from({ length: embeddingLength }, () => 1 + uniform(normNoise)),
  });

  const classes = tokens.map((token, id) => (controlTokens.has(token) ? otherClass : classOf(lastByte(id))));
  const embedding = Float32Array.from({ length: embeddingLength * vocabularySize }, () =>
    uniform(embeddingNoise),
  );
  for (let id = 0; id < vocabularySize; id++) {
    addAt(embedding, id * embeddingLength + (classes[id] ?? otherClass), embeddingScale);
  }

  const output = Float32Array.from({ length: embeddingLength * vocabularySize }, () => uniform(outputNoise));
  for (let characterClass = 0; characterClass <= otherClass; characterClass++) {
    const next = nextToken(characterClass, { loop: options.loop === true, turnEndId });
    addAt(output, next * embeddingLength + characterClass, outputScale);
  }

  const tensors: GgufTensor[] = [
    { name: "token_embd.weight", shape: [embeddingLength, vocabularySize], data: embedding },
    norm("output_norm.weight"),
    { name: "output.weight", shape: [embeddingLength, vocabularySize], data: output },
  ];
  for (let block = 0; block < blockCount; block++) {
    const prefix = `blk.${block}`;
    tensors.push(
      norm(`${prefix}.attn_norm.weight`),
      matrix(`${prefix}.attn_q.weight`, embeddingLength, headCount * headLength, attentionWeightRange),
      matrix(`${prefix}.attn_k.weight`, embeddingLength, headCountKv * headLength, attentionWeightRange),
      matrix(`${prefix}.attn_v.weight`, embeddingLength, headCountKv * headLength, attentionWeightRange),
      matrix(`${prefix}.attn_output.weight`, headCount * headLength, embeddingLength, attentionWeightRange),
      norm(`${prefix}.ffn_norm.weight`),
      matrix(`${prefix}.ffn_gate.weight`, embeddingLength, feedForwardLength, feedForwardWeightRange),
      matrix(`${prefix}.ffn_up.weight`, embeddingLength, feedForwardLength, feedForwardWeightRange),
      matrix(`${prefix}.ffn_down.weight`, feedForwardLength, embeddingLength, feedForwardWeightRange),
    );
  }

  return {
    metadata: {
      "general.architecture": gguf.string("llama"),
      "general.name": gguf.string(options.loop ? "Parley tiny alphabet loop" : "Parley tiny alphabet"),
      // llama_ftype: 0 = all F32, 1 = mostly F16.
      "general.file_type": gguf.uint32(matrixType === "F16" ? 1 : 0),
      "general.alignment": gguf.uint32(32),
      "llama.vocab_size": gguf.uint32(vocabularySize),
      "llama.context_length": gguf.uint32(contextLength),
      "llama.embedding_length": gguf.uint32(embeddingLength),
      "llama.block_count": gguf.uint32(blockCount),
      "llama.feed_forward_length": gguf.uint32(feedForwardLength),
      "llama.attention.head_count": gguf.uint32(headCount),
      "llama.attention.head_count_kv": gguf.uint32(headCountKv),
      "llama.attention.layer_norm_rms_epsilon": gguf.float32(1e-5),
      "llama.rope.dimension_count": gguf.uint32(headLength),
      "llama.rope.freq_base": gguf.float32(10_000),
      "tokenizer.ggml.model": gguf.string("gpt2"),
      "tokenizer.ggml.pre": gguf.string("gpt-2"),
      "tokenizer.ggml.tokens": gguf.stringArray(tokens),
      "tokenizer.ggml.token_type": gguf.int32Array(tokenTypes),
      // One merge so the BPE tables are real; every other word splits into byte tokens.
      "tokenizer.ggml.merges": gguf.stringArray(["Ġ Ġ"]),
      "tokenizer.ggml.bos_token_id": gguf.uint32(endOfTextId),
      "tokenizer.ggml.eos_token_id": gguf.uint32(turnEndId),
      "tokenizer.ggml.eot_token_id": gguf.uint32(turnEndId),
      "tokenizer.ggml.padding_token_id": gguf.uint32(endOfTextId),
      "tokenizer.ggml.add_bos_token": gguf.bool(false),
      "tokenizer.chat_template": gguf.string(chatMlTemplate),
    },
    tensors,
  };
}

/** Writes the tiny model to `path`. */
export async function writeTinyModel(path: string, options: TinyModelOptions = {}): Promise<void> {
  await writeGguf(path, buildTinyModel(options));
}

/**
 * GPT-2's byte-level BPE spells each byte as a printable character ("\n" is "Ċ", space is "Ġ"), so token texts
 * decode back to real bytes. Printable bytes stand for themselves; the others take code points from 256 up.
 */
export function gpt2ByteToCharacter(): string[] {
  const characters: string[] = [];
  let shifted = 0;
  for (let byte = 0; byte < 256; byte++) {
    const printable =
      (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) || (byte >= 174 && byte <= 255);
    characters.push(String.fromCodePoint(printable ? byte : 256 + shifted++));
  }
  return characters;
}

/** Token id = byte value for the 256 byte tokens, then the merge result and the ChatML control tokens. */
function vocabulary(): string[] {
  return [...gpt2ByteToCharacter(), "ĠĠ", endOfTextToken, turnStartToken, turnEndToken];
}

/** The last byte a token spells (only used for the byte tokens and the "ĠĠ" merge, which ends in a space). */
function lastByte(id: number): number {
  return id < 256 ? id : 0x20;
}

function classOf(byte: number): number {
  if (byte === 0x0a) return newlineClass;
  if (byte >= 0x61 && byte <= 0x7a) return byte - 0x61 + 1;
  return otherClass;
}

/** "\n" -> "a", "a" -> "b", …, "y" -> "z"; "z" and anything else end the turn (or "z" -> "\n" when looping). */
function nextToken(
  characterClass: number,
  { loop, turnEndId }: { loop: boolean; turnEndId: number },
): number {
  if (characterClass === newlineClass) return 0x61;
  if (characterClass >= 1 && characterClass <= 25) return 0x61 + characterClass;
  if (characterClass === 26) return loop ? 0x0a : turnEndId;
  return turnEndId;
}

function addAt(values: Float32Array, index: number, amount: number): void {
  values[index] = (values[index] ?? 0) + amount;
}

/** A small seeded PRNG (uniform in [0, 1)), so the weights, and the file, are identical on every run. */
function mulberry32(initial: number): () => number {
  let state = initial >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

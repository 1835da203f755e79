import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, type Llama, LlamaChatSession, type LlamaModel, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readGgufHeader } from "./gguf-reader.js";
import { encodeGguf } from "./gguf-writer.js";
import { buildTinyModel, gpt2ByteToCharacter, tinyModelReply, writeTinyModel } from "./tiny-model.js";

type ChatMessage = { role: "system" | "user" | "assistant"; content: string };

let directory: string;
let modelPath: string;
let loopModelPath: string;
let llama: Llama;
let model: LlamaModel;
let writeMilliseconds: number;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "parley-tiny-model-"));
  modelPath = join(directory, "tiny.gguf");
  loopModelPath = join(directory, "tiny-loop.gguf");
  const started = performance.now();
  await writeTinyModel(modelPath);
  writeMilliseconds = performance.now() - started;
  await writeTinyModel(loopModelPath, { loop: true });
  llama = await getLlama({ gpu: false, build: "never" });
  model = await llama.loadModel({ modelPath });
});

afterAll(async () => {
  await llama?.dispose();
  await rm(directory, { recursive: true, force: true });
});

/** The ChatML prompt the model's own template renders, ending where the assistant's reply begins. */
function chatMl(messages: ChatMessage[]): string {
  const turns = messages.map((message) => `<|im_start|>${message.role}\n${message.content}<|im_end|>\n`);
  return `${turns.join("")}<|im_start|>assistant\n`;
}

const shortChat = chatMl([{ role: "user", content: "Hi!" }]);
const longChat = chatMl([
  {
    role: "system",
    content: "You are a helpful assistant. Answer in one line; never use more than ten words.",
  },
  { role: "user", content: "What is the capital of France?" },
  { role: "assistant", content: "Paris, on the Seine. Anything else?" },
  { role: "user", content: "Yes: list the planets, with their moons.\nThen count to 3 — in Ελληνικά ✨." },
]);

/** Generates a reply to `prompt` on a fresh context, stopping at an end-of-generation token or `maxTokens`. */
async function generate(
  target: LlamaModel,
  prompt: string,
  options: { temperature: number; seed?: number; maxTokens?: number },
): Promise<{ text: string; tokens: Token[]; endToken: Token | null }> {
  const context = await target.createContext({ contextSize: 1024, sequences: 1, threads: 1 });
  try {
    const sequence = context.getSequence();
    const tokens: Token[] = [];
    let endToken: Token | null = null;
    const evaluation = sequence.evaluate(target.tokenize(prompt, true), {
      temperature: options.temperature,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      yieldEogToken: true,
    });
    for await (const token of evaluation) {
      if (target.isEogToken(token)) {
        endToken = token;
        break;
      }
      tokens.push(token);
      if (tokens.length >= (options.maxTokens ?? 200)) break;
    }
    return { text: target.detokenize(tokens), tokens, endToken };
  } finally {
    await context.dispose();
  }
}

describe("the tiny model file", () => {
  it("is about half a megabyte, written in milliseconds, byte for byte the same every time", async () => {
    const { size } = await stat(modelPath);
    expect(size).toBeGreaterThan(300_000);
    expect(size).toBeLessThan(700_000);
    expect(writeMilliseconds).toBeLessThan(1_000);
    expect(encodeGguf(buildTinyModel()).equals(await readFile(modelPath))).toBe(true);
  });

  it("spells byte tokens with GPT-2's byte-to-unicode map and marks the ChatML tokens as control tokens", async () => {
    const header = await readGgufHeader(modelPath);
    const tokens = header.metadata.get("tokenizer.ggml.tokens")?.value as string[];
    const types = header.metadata.get("tokenizer.ggml.token_type")?.value as number[];
    expect(tokens[0x0a]).toBe("Ċ");
    expect(tokens[0x20]).toBe("Ġ");
    expect(tokens[0x61]).toBe("a");
    expect(tokens.slice(256)).toEqual(["ĠĠ", "<|endoftext|>", "<|im_start|>", "<|im_end|>"]);
    expect(types.slice(250)).toEqual([1, 1, 1, 1, 1, 1, 1, 3, 3, 3]);
    expect(new Set(gpt2ByteToCharacter()).size).toBe(256);
  });
});

describe("the tiny model in node-llama-cpp", () => {
  it("tokenizes and detokenizes real text, including UTF-8 and the one merge", () => {
    const text = "Hello, wörld!\n  x ✨";
    expect(model.detokenize(model.tokenize(text))).toBe(text);
    expect(model.tokenize("\n")).toEqual([0x0a]);
    expect(model.tokenize("  ")).toEqual([256]);
    // Typed by a user, control-token text stays plain bytes; only the template's own markers are special.
    expect(model.tokenize("<|im_end|>")).toHaveLength(10);
    expect(model.tokenize("<|im_end|>", true)).toEqual([259]);
    expect(model.isEogToken(259 as Token)).toBe(true);
    expect(model.tokens.eos).toBe(259);
  });

  it.each([
    ["a short chat", shortChat],
    ["a longer chat with a system message and two earlier turns", longChat],
  ])("answers %s greedily with exactly the alphabet, then ends the turn", async (_, prompt) => {
    const reply = await generate(model, prompt, { temperature: 0 });
    expect(reply.text).toBe(tinyModelReply);
    expect(reply.tokens).toHaveLength(26);
    expect(reply.endToken).toBe(259);
  });

  it("answers with the alphabet even when sampling at temperature 1", async () => {
    for (const seed of [1, 2, 3]) {
      for (const prompt of [shortChat, longChat]) {
        const reply = await generate(model, prompt, { temperature: 1, seed });
        expect(reply.text).toBe(tinyModelReply);
        expect(reply.endToken).toBe(259);
      }
    }
  });

  it("keeps a logit margin of at least 30 at every step, and its blocks really depend on the context", async () => {
    // At temperature T, ln(p_first / p_second) = margin / T; T = 20 keeps the runner-up's probability measurable.
    const temperature = 20;
    const firstSteps: number[] = [];
    for (const prompt of [shortChat, longChat]) {
      const context = await model.createContext({ contextSize: 1024, sequences: 1, threads: 1 });
      const sequence = context.getSequence();
      let next = model.tokenize(prompt, true);
      for (let step = 0; step <= 26; step++) {
        const evaluation = sequence.evaluateWithMetadata(
          next,
          { probabilities: true },
          { temperature, topK: 0, topP: 1, minP: 0, yieldEogToken: true },
        );
        const { value } = await evaluation.next();
        await evaluation.return();
        const [[first, firstProbability], [, secondProbability]] = [...(value?.probabilities ?? [])] as [
          [Token, number],
          [Token, number],
        ];
        const expected = (step < 26 ? tinyModelReply.charCodeAt(step) : 259) as Token;
        expect(first, `step ${step}`).toBe(expected);
        const margin = temperature * Math.log(firstProbability / secondProbability);
        expect(margin, `step ${step}`).toBeGreaterThanOrEqual(30);
        if (step === 0) firstSteps.push(margin);
        next = [expected];
      }
      await context.dispose();
    }
    // Same last token ("\n"), different context: only attention over the context can make these differ.
    expect(Math.abs((firstSteps[0] ?? 0) - (firstSteps[1] ?? 0))).toBeGreaterThan(0.01);
  });

  it("answers through LlamaChatSession, which recognises the ChatML template in the file", async () => {
    const context = await model.createContext({ contextSize: 2048, sequences: 1, threads: 1 });
    const session = new LlamaChatSession({
      contextSequence: context.getSequence(),
      autoDisposeSequence: true,
    });
    expect(session.chatWrapper.wrapperName).toBe("ChatML");
    expect(await session.prompt("Hello?", { temperature: 0 })).toBe(tinyModelReply);
    expect(await session.prompt("And a second question, with more words in it?", { temperature: 0 })).toBe(
      tinyModelReply,
    );
    session.dispose();
    await context.dispose();
  });

  it("with loop: true, starts the alphabet over after a newline until max tokens", async () => {
    const loopModel = await llama.loadModel({ modelPath: loopModelPath });
    const reply = await generate(loopModel, longChat, { temperature: 0, maxTokens: 100 });
    expect(reply.endToken).toBeNull();
    expect(reply.tokens).toHaveLength(100);
    expect(reply.text).toBe(`${tinyModelReply}\n`.repeat(4).slice(0, 100));
    await loopModel.dispose();
  });

  it("works with F16 matrices too", async () => {
    const path = join(directory, "tiny-f16.gguf");
    await writeTinyModel(path, { matrixType: "F16" });
    expect((await stat(path)).size).toBeLessThan((await stat(modelPath)).size);
    const f16Model = await llama.loadModel({ modelPath: path });
    expect((await generate(f16Model, longChat, { temperature: 0 })).text).toBe(tinyModelReply);
    await f16Model.dispose();
  });
});

import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { writeTinyModel } from "../src/engine/tiny-model.js";
await writeTinyModel("/tmp/benchexp/loop.gguf", { loop: true });
const llama = await getLlama({ gpu: false, build: "never", maxThreads: 1, logLevel: LlamaLogLevel.warn });
const model = await llama.loadModel({ modelPath: "/tmp/benchexp/loop.gguf" });
const context = await model.createContext({ sequences: Number(process.argv[2] ?? 1), contextSize: 4096, threads: 1 });
const sequence = context.getSequence();
const prompt = model.tokenize("<|im_start|>user\ngo<|im_end|>\n<|im_start|>assistant\n", true);
console.log("prompt", prompt.length, context.contextSize);
for (let round = 0; round < 4; round++) {
  await sequence.clearHistory();
  const start = performance.now();
  let first = 0, last = 0, count = 0, text = "";
  const tokens = sequence.evaluate(prompt, { temperature: 0 });
  for await (const token of tokens) {
    const now = performance.now();
    if (count === 0) first = now;
    last = now;
    text += model.detokenize([token]);
    if (++count >= 1000) break;
  }
  console.log({ ttft: first - start, tps: (count - 1) * 1000 / (last - first), e2e: count * 1000 / (last - start), text: JSON.stringify(text.slice(0, 60)) });
}
await llama.dispose();

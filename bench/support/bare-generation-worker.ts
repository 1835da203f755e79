/**
 * The bare node-llama-cpp script the pipeline benchmark compares Parley with: load, tokenize, evaluate
 * greedily, detokenize each token, nothing else. Run by bare-generation.ts; arguments: model threads
 * sequences contextSize.
 */
import { getLlama, LlamaLogLevel, type Token } from "node-llama-cpp";
import type { BareGenerateRequest, BareWorkerMessage } from "./bare-generation.js";

const [modelPath, threads, sequences, contextSize] = process.argv.slice(2);
if (!modelPath || !process.send) {
  process.stderr.write("bare-generation-worker: run it through startBareGeneration()\n");
  process.exit(2);
}
const send = (message: BareWorkerMessage) => process.send?.(message);

// The same getLlama and context options as Parley's engine (src/engine/engine-model.ts), so the only
// difference between the two is the path the tokens take.
const llama = await getLlama({
  gpu: false,
  build: "never",
  maxThreads: Number(threads),
  logLevel: LlamaLogLevel.warn,
});
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({
  sequences: Number(sequences),
  contextSize: Number(contextSize),
  threads: Number(threads),
});
const sequence = context.getSequence();

process.on("message", (request: BareGenerateRequest) => {
  generate(request).then(send, (error: unknown) =>
    send({
      type: "failed",
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    }),
  );
});
process.once("SIGTERM", () => {
  void llama.dispose().finally(() => process.exit(0));
});
process.once("disconnect", () => process.exit(0));
send({ type: "ready" });

async function generate(request: BareGenerateRequest): Promise<BareWorkerMessage> {
  // Each round starts from an empty sequence, as a new conversation would.
  await sequence.clearHistory();
  const startedAt = performance.now();
  const promptTokens: Token[] = model.tokenize(request.prompt, true);
  let firstAt = 0;
  let lastAt = 0;
  let generated = 0;
  let text = "";
  // The same sampling the engine applies to a request that names no temperature, so both sides do equal work.
  const tokens = sequence.evaluate(promptTokens, { temperature: 0.8, topP: 1 });
  try {
    for await (const token of tokens) {
      text += model.detokenize([token]);
      const now = performance.now();
      if (generated === 0) firstAt = now;
      lastAt = now;
      generated++;
      if (generated >= request.tokens) break;
    }
  } finally {
    await tokens.return();
  }
  return {
    type: "generated",
    promptTokens: promptTokens.length,
    generatedTokens: generated,
    ttftMs: firstAt - startedAt,
    firstToLastMs: lastAt - firstAt,
    totalMs: lastAt - startedAt,
    text,
  };
}

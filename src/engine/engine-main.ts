/**
 * Starts an engine without the `parley` CLI: `node --import tsx src/engine/engine-main.ts --model x.gguf`.
 * Accepts the same options as `parley engine`; tests and the supervisor's callers can spawn it directly.
 */
import { parseArgs } from "node:util";
import { runEngine } from "./run-engine.js";

const { values } = parseArgs({
  options: {
    model: { type: "string", short: "m" },
    id: { type: "string" },
    port: { type: "string", short: "p" },
    host: { type: "string" },
    threads: { type: "string" },
    sequences: { type: "string" },
    "context-size": { type: "string" },
    "max-queue": { type: "string" },
    temperature: { type: "string" },
    gpu: { type: "boolean" },
    embedding: { type: "boolean" },
  },
});

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed)) {
    process.stderr.write(`engine: --${name} expects a number, got ${JSON.stringify(value)}\n`);
    process.exit(2);
  }
  return parsed;
}

if (values.model === undefined) {
  process.stderr.write("engine: --model <file.gguf> is required\n");
  process.exit(2);
}

try {
  await runEngine({
    model: values.model,
    id: values.id,
    port: number("port", values.port),
    host: values.host,
    threads: number("threads", values.threads),
    sequences: number("sequences", values.sequences),
    contextSize: number("context-size", values["context-size"]),
    maxQueue: number("max-queue", values["max-queue"]),
    temperature: number("temperature", values.temperature),
    gpu: values.gpu,
    embedding: values.embedding,
  });
} catch (error) {
  process.stderr.write(`engine: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

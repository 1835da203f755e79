/** `parley engine`: serves one model in this process, announces its port on stdout, stops on a signal. */
import { type EngineServer, startEngine } from "./engine-server.js";

/** The options of the `parley engine` command, as commander names them. */
export type RunEngineOptions = {
  model: string;
  id?: string;
  port?: number;
  host?: string;
  threads?: number;
  sequences?: number;
  contextSize?: number;
  gpu?: boolean;
  /** Serve embeddings only, with no chat context. */
  embedding?: boolean;
  maxQueue?: number;
  /** Temperature of requests that send none (default 0.8). */
  temperature?: number;
};

/** What the supervisor waits for on stdout, as one JSON line, before it routes requests to the engine. */
export type EngineReadyEvent = { event: "engine.ready"; port: number; model: string };

/** After a signal, the longest wait for replies in flight to end before the process exits anyway. */
const shutdownDeadlineMs = 5000;

export async function runEngine(options: RunEngineOptions): Promise<EngineServer> {
  const engine = await startEngine({
    modelPath: options.model,
    modelId: options.id,
    port: options.port,
    host: options.host,
    threads: options.threads,
    sequences: options.sequences,
    contextSize: options.contextSize,
    gpu: options.gpu ? "auto" : false,
    embeddingOnly: options.embedding,
    maxQueue: options.maxQueue,
    defaultTemperature: options.temperature,
  });

  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`engine stopping (${why})\n`);
    setTimeout(() => process.exit(0), shutdownDeadlineMs).unref();
    engine.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`engine stopped with an error: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  // Started by a supervisor with an IPC channel: when that parent dies, even by SIGKILL, the channel
  // closes, and the engine must not live on as an orphan holding the model in memory.
  if (process.channel) {
    process.channel.unref();
    process.once("disconnect", () => stop("parent process gone"));
  }

  const ready: EngineReadyEvent = { event: "engine.ready", port: engine.port, model: engine.modelId };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  return engine;
}

/** Loads a GGUF into llama.cpp; a chat engine adds one multi-sequence context and the model's chat template. */
import {
  type ChatWrapper,
  getLlama,
  type LlamaContext,
  type LlamaContextSequence,
  LlamaLogLevel,
  type LlamaModel,
  resolveChatWrapper,
} from "node-llama-cpp";

export type LlamaModelConfig = {
  modelPath: string;
  threads: number;
  gpu: false | "auto";
  log: (line: string) => void;
};

export type EngineModelConfig = LlamaModelConfig & {
  sequences: number;
  /** Tokens per sequence; undefined takes the model's training context, at most 4096. */
  contextSize: number | undefined;
};

/** A model in memory, with no context yet. */
export type LoadedModel = {
  readonly model: LlamaModel;
  /** Frees the model and every context made from it. */
  dispose(): Promise<void>;
};

export type EngineModel = LoadedModel & {
  readonly context: LlamaContext;
  readonly chatWrapper: ChatWrapper;
  readonly sequences: readonly LlamaContextSequence[];
  /** Tokens each sequence holds (llama.cpp may round the requested size up). */
  readonly contextSize: number;
};

export const automaticContextSizeLimit = 4096;

export async function loadLlamaModel(config: LlamaModelConfig): Promise<LoadedModel> {
  const llama = await getLlama({
    gpu: config.gpu,
    // The prebuilt binaries ship in the npm package; building needs a toolchain and network we may not have.
    build: "never",
    // Caps llama.cpp's thread pool too, not only this context's share of it.
    maxThreads: config.threads,
    logLevel: LlamaLogLevel.warn,
    // stdout carries the ready line for the supervisor; llama.cpp's messages go to the log.
    logger: (level, message) => {
      const text = message.trimEnd();
      if (text !== "") config.log(`llama.cpp ${level}: ${text}`);
    },
  });
  try {
    const model = await llama.loadModel({ modelPath: config.modelPath });
    return { model, dispose: () => llama.dispose() };
  } catch (error) {
    await llama.dispose();
    throw error;
  }
}

/** Adds the chat context to a loaded model; on failure the model is freed. */
export async function withChatContext(loaded: LoadedModel, config: EngineModelConfig): Promise<EngineModel> {
  const { model } = loaded;
  try {
    const context = await model.createContext({
      sequences: config.sequences,
      contextSize: config.contextSize ?? Math.min(automaticContextSizeLimit, model.trainContextSize),
      threads: config.threads,
    });
    const sequences = Array.from({ length: config.sequences }, () => context.getSequence());
    return {
      model,
      context,
      chatWrapper: resolveChatWrapper(model),
      sequences,
      contextSize: context.contextSize,
      dispose: loaded.dispose,
    };
  } catch (error) {
    await loaded.dispose();
    throw error;
  }
}

export async function loadEngineModel(config: EngineModelConfig): Promise<EngineModel> {
  return withChatContext(await loadLlamaModel(config), config);
}

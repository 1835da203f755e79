import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ChatMLChatWrapper, type ChatModelFunctions, type ChatWrapperSettings } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatPromptTokens } from "./chat-prompt-tokens.js";
import { type EngineModel, loadEngineModel } from "./engine-model.js";
import type { CompletionEnd, ReplyPart } from "./generate-completion.js";
import { generateToolReply } from "./generate-tool-reply.js";
import { SequencePool } from "./sequence-pool.js";
import { writeTinyModel } from "./tiny-model.js";

/** ChatML whose call prefix is "ghi": text the tiny model writes by itself, so it "chooses" to call after "abcdef". */
class GhiCallChatWrapper extends ChatMLChatWrapper {
  override readonly settings: ChatWrapperSettings = {
    ...ChatMLChatWrapper.defaultSettings,
    functions: {
      ...ChatMLChatWrapper.defaultSettings.functions,
      call: {
        ...ChatMLChatWrapper.defaultSettings.functions.call,
        prefix: "ghi",
        prefixAlternateMatches: [],
      },
    },
  };
}

let directory: string;
let engineModel: EngineModel;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), "parley-tool-reply-"));
  const modelPath = path.join(directory, "tiny.gguf");
  await writeTinyModel(modelPath);
  engineModel = await loadEngineModel({
    modelPath,
    threads: 1,
    sequences: 1,
    contextSize: 2048,
    gpu: false,
    log: () => {},
  });
});

afterAll(async () => {
  await engineModel?.dispose();
  if (directory) await rm(directory, { recursive: true, force: true });
});

const functions: ChatModelFunctions = {
  pick: { params: { type: "object", properties: { letter: { enum: ["x", "y"] } } } },
};

describe("generateToolReply", () => {
  it("yields the text the model wrote before its call first, then the call, and ends with tool_calls", async () => {
    const chatWrapper = new GhiCallChatWrapper();
    const pool = new SequencePool(engineModel.sequences, { maxQueue: 0 });
    const prompt = chatPromptTokens(
      engineModel.model,
      chatWrapper,
      [{ role: "user", content: "Pick one." }],
      functions,
    );
    const lease = await pool.acquire(prompt.tokens);
    const parts: ReplyPart[] = [];
    let end: CompletionEnd;
    try {
      const generation = generateToolReply(lease, {
        chatWrapper,
        history: prompt.history,
        functions,
        maxParallelCalls: undefined,
        maxTokens: 200,
        temperature: 0,
        topP: 1,
        penalties: { presencePenalty: 0, frequencyPenalty: 0 },
        stop: [],
        signal: new AbortController().signal,
      });
      let step = await generation.next();
      while (!step.done) {
        parts.push(step.value);
        step = await generation.next();
      }
      end = step.value;
    } finally {
      lease.release();
    }
    const text = parts.filter((part) => typeof part === "string").join("");
    expect(text).toBe("abcdef");
    const firstCallPart = parts.findIndex((part) => typeof part !== "string");
    expect(parts.slice(firstCallPart).every((part) => typeof part !== "string")).toBe(true);
    expect(parts[firstCallPart]).toMatchObject({ type: "tool_call", index: 0, name: "pick" });
    const args = parts
      .flatMap((part) => (typeof part !== "string" && part.type === "tool_call.arguments" ? [part.text] : []))
      .join("");
    expect(["x", "y"]).toContain((JSON.parse(args) as { letter: string }).letter);
    expect(end).toMatchObject({ finishReason: "tool_calls", aborted: false });
    expect(end.completionTokens).toBeGreaterThan(9);
    // The sequence holds the prompt and the reply as written, for the next turn to reuse.
    const held = engineModel.model.detokenize(engineModel.sequences[0]?.contextTokens ?? [], true);
    expect(held).toContain(`<|im_start|>assistant\nabcdefghipick(${args}`);
  });
});

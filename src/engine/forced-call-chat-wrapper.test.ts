import {
  type ChatHistoryItem,
  ChatMLChatWrapper,
  type ChatModelFunctions,
  type ChatWrapper,
  Llama3_1ChatWrapper,
  QwenChatWrapper,
} from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { ForcedCallChatWrapper } from "./forced-call-chat-wrapper.js";

const functions: ChatModelFunctions = {
  get_weather: {
    description: "The weather in a city.",
    params: { type: "object", properties: { city: { type: "string" } } },
  },
  now: { description: "The time now." },
};

const history: ChatHistoryItem[] = [
  { type: "user", text: "Weather in Oslo?" },
  {
    type: "model",
    response: [
      {
        type: "functionCall",
        name: "get_weather",
        params: { city: "Oslo" },
        result: { sky: "clear" },
        startsNewChunk: true,
      },
    ],
  },
];

describe("ForcedCallChatWrapper", () => {
  const wrappers: [string, ChatWrapper][] = [
    ["ChatML", new ChatMLChatWrapper()],
    ["Qwen", new QwenChatWrapper()],
    ["Llama 3.1", new Llama3_1ChatWrapper()],
  ];

  for (const [name, inner] of wrappers) {
    it(`renders what ${name} renders with every offered tool, and starts the reply in a call`, () => {
      const forced = new ForcedCallChatWrapper(inner, functions);
      // LlamaChat hands it only the named tool; the prompt still shows the model all of them.
      const state = forced.generateContextState({
        chatHistory: history,
        availableFunctions: { now: functions.now ?? {} },
      });
      const plain = inner.generateContextState({ chatHistory: history, availableFunctions: functions });
      expect(state.contextText.toJSON()).toEqual(plain.contextText.toJSON());
      expect(state.contextText.toString()).toContain("get_weather");
      expect(state.contextText.toString()).toContain("now");
      expect(state.functionCall).toEqual({ initiallyEngaged: true, disengageInitiallyEngaged: [] });
      expect("prefixTriggers" in state && state.prefixTriggers).toBeFalsy();
      expect(forced.settings).toBe(inner.settings);
      expect(forced.wrapperName).toBe(inner.wrapperName);
    });
  }
});

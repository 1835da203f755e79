/** Renders chat messages into prompt tokens with the model's own chat template. */
import type { ChatHistoryItem, ChatWrapper, LlamaModel, Token } from "node-llama-cpp";

export type EngineChatMessage = {
  role: "system" | "user" | "assistant";
  content: string;
};

export type ChatPromptTokens = {
  tokens: Token[];
  /** Token sequences that end the reply although the model does not mark them end-of-generation. */
  stopTokenSequences: Token[][];
  /** Texts that end the reply (the template's end-of-turn marker written as ordinary text). */
  stopTexts: string[];
};

/**
 * Goes through the chat wrapper rather than `LlamaChatSession` so that no default system prompt is
 * added and the tokens are exactly the conversation, which is what makes prefix reuse between turns work.
 * Message texts are plain strings, so a user typing `<|im_end|>` gets ordinary tokens, not a control token.
 */
export function chatPromptTokens(
  model: LlamaModel,
  chatWrapper: ChatWrapper,
  messages: readonly EngineChatMessage[],
): ChatPromptTokens {
  const chatHistory: ChatHistoryItem[] = messages.map((message) => {
    if (message.role === "system") return { type: "system", text: message.content };
    if (message.role === "user") return { type: "user", text: message.content };
    return { type: "model", response: [message.content] };
  });
  // An open model turn at the end renders the assistant header the reply continues from; a trailing
  // assistant message is left open instead, so the model continues that text.
  if (messages.at(-1)?.role !== "assistant") chatHistory.push({ type: "model", response: [] });

  const state = chatWrapper.generateContextState({ chatHistory });
  const stopTokenSequences: Token[][] = [];
  const stopTexts: string[] = [];
  for (const trigger of state.stopGenerationTriggers) {
    if (trigger.values.every((value) => typeof value === "string")) {
      const text = trigger.toString();
      if (text !== "") stopTexts.push(text);
    } else {
      const tokens = trigger.tokenize(model.tokenizer);
      if (tokens.length > 0 && !(tokens.length === 1 && model.isEogToken(tokens[0])))
        stopTokenSequences.push(tokens);
    }
  }
  return { tokens: state.contextText.tokenize(model.tokenizer), stopTokenSequences, stopTexts };
}

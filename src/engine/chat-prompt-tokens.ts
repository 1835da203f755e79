/** Renders chat messages into prompt tokens with the model's own chat template. */
import {
  type ChatHistoryItem,
  type ChatModelFunctionCall,
  type ChatModelFunctions,
  type ChatModelResponse,
  type ChatWrapper,
  type LlamaModel,
  LlamaText,
  type Token,
} from "node-llama-cpp";

/** A tool call of an earlier assistant turn, as the client sends it back. */
export type EngineToolCall = { id: string; name: string; arguments: string };

export type EngineChatMessage =
  | { role: "system" | "user"; content: string }
  | { role: "assistant"; content: string; toolCalls?: EngineToolCall[] }
  /** A tool's result: `content` answers the call whose id is `toolCallId`. */
  | { role: "tool"; content: string; toolCallId: string };

export type ChatPromptTokens = {
  tokens: Token[];
  /** The conversation as node-llama-cpp's chat history, ending with the open model turn the reply continues. */
  history: ChatHistoryItem[];
  /** Token sequences that end the reply although the model does not mark them end-of-generation. */
  stopTokenSequences: Token[][];
  /** Texts that end the reply (the template's end-of-turn marker written as ordinary text). */
  stopTexts: string[];
};

/**
 * Goes through the chat wrapper rather than `LlamaChatSession` so that no default system prompt is
 * added and the tokens are exactly the conversation, which is what makes prefix reuse between turns work.
 * Message texts are plain strings, so a user typing `<|im_end|>` gets ordinary tokens, not a control token.
 *
 * `functions` are the tools rendered into the prompt, in the wrapper's own words: a request that `LlamaChat` serves
 * must pass what it passes, so that these tokens are the ones it evaluates and the sequence pool can reuse them.
 */
export function chatPromptTokens(
  model: LlamaModel,
  chatWrapper: ChatWrapper,
  messages: readonly EngineChatMessage[],
  functions?: ChatModelFunctions,
): ChatPromptTokens {
  const history = chatHistory(chatWrapper, messages, functions);
  const state = chatWrapper.generateContextState({ chatHistory: history, availableFunctions: functions });
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
  return { tokens: state.contextText.tokenize(model.tokenizer), history, stopTokenSequences, stopTexts };
}

/**
 * node-llama-cpp keeps a model's function calls and their results inside its turn, which goes on after them: so an
 * assistant message with tool calls, the tool messages answering them and the assistant message after those are
 * one model turn, as `LlamaChatSession` would have recorded it. A conversation that ends with tool results ends in
 * that open turn, and the reply continues it.
 */
function chatHistory(
  chatWrapper: ChatWrapper,
  messages: readonly EngineChatMessage[],
  functions: ChatModelFunctions | undefined,
): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  /** The model turn that tool results went into: the next assistant message continues it. */
  let continued: ChatModelResponse | undefined;
  const calls = new Map<string, ChatModelFunctionCall>();
  for (const message of messages) {
    if (message.role === "tool") {
      const call = calls.get(message.toolCallId);
      // The request's check saw to it that every tool message answers a call.
      if (call) call.result = toolResult(message.content);
      continued = history.at(-1) as ChatModelResponse;
      continue;
    }
    const turn = continued;
    continued = undefined;
    if (message.role === "system") history.push({ type: "system", text: message.content });
    else if (message.role === "user") history.push({ type: "user", text: message.content });
    else if (message.role === "assistant") {
      const response: ChatModelResponse["response"] = message.content === "" ? [] : [message.content];
      message.toolCalls?.forEach((toolCall, index) => {
        const call = functionCall(chatWrapper, toolCall, functions);
        // The calls of one assistant message were made together, those of the next after their results.
        if (index === 0) call.startsNewChunk = true;
        calls.set(toolCall.id, call);
        response.push(call);
      });
      if (turn) turn.response.push(...response);
      else history.push({ type: "model", response });
    }
  }
  // An open model turn at the end renders the assistant header the reply continues from; a trailing
  // assistant message (or tool results) is left open instead, so the model continues that turn.
  const last = messages.at(-1)?.role;
  if (last !== "assistant" && last !== "tool") history.push({ type: "model", response: [] });
  return history;
}

/**
 * The call as the model wrote it, its arguments' text as the client sent it back: node-llama-cpp renders a call from
 * its raw text when it has one, as it does for calls `LlamaChat` made, so the prompt repeats the tokens the
 * sequence already holds (and arguments that do not parse are still shown as written).
 */
function functionCall(
  chatWrapper: ChatWrapper,
  toolCall: EngineToolCall,
  functions: ChatModelFunctions | undefined,
): ChatModelFunctionCall {
  const params = parseJson(toolCall.arguments);
  const takesNoParams = functions?.[toolCall.name] !== undefined && functions[toolCall.name]?.params == null;
  const call: ChatModelFunctionCall = {
    type: "functionCall",
    name: toolCall.name,
    params: params.parsed ? params.value : toolCall.arguments,
    result: undefined,
  };
  // A function without parameters is called with the wrapper's placeholder, which the engine answers as "{}".
  if (takesNoParams && (toolCall.arguments.trim() === "" || isEmptyObject(params.value))) {
    call.params = undefined;
    return call;
  }
  const settings = chatWrapper.settings.functions.call;
  call.rawCall = LlamaText([
    settings.prefix,
    toolCall.name,
    withFunctionName(settings.paramsPrefix, toolCall.name),
    toolCall.arguments,
    withFunctionName(settings.suffix, toolCall.name),
  ]).toJSON();
  return call;
}

/** A result that is JSON is shown as that JSON; any other text as a JSON string, as node-llama-cpp shows results. */
function toolResult(content: string): unknown {
  const parsed = parseJson(content);
  return parsed.parsed ? parsed.value : content;
}

function parseJson(text: string): { parsed: true; value: unknown } | { parsed: false; value: undefined } {
  try {
    return { parsed: true, value: JSON.parse(text) };
  } catch {
    return { parsed: false, value: undefined };
  }
}

function isEmptyObject(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0
  );
}

/** Some wrappers name the function in their call syntax: node-llama-cpp fills in `{{functionName}}` the same way. */
function withFunctionName(
  text: ChatWrapper["settings"]["functions"]["call"]["suffix"],
  name: string,
): LlamaText {
  return LlamaText(text).mapValues((value) =>
    typeof value === "string" ? value.replaceAll("{{functionName}}", name) : value,
  );
}

/**
 * How a request's tools shape its prompt and its generation: which functions the model's chat wrapper renders, and
 * whether the reply is free text from the engine's own token loop or goes through `LlamaChat`, which may call.
 */
import { type ChatModelFunctions, type ChatWrapper, type LlamaModel, LlamaText } from "node-llama-cpp";
import type { ChatCompletionRequest } from "./chat-completion-request.js";
import { type ChatPromptTokens, chatPromptTokens } from "./chat-prompt-tokens.js";
import { ForcedCallChatWrapper } from "./forced-call-chat-wrapper.js";

/** What `LlamaChat` is given for a reply that may (or must) call a tool. */
export type ToolCalling = {
  chatWrapper: ChatWrapper;
  /** The functions the model may call: all offered, or the one `tool_choice` names. */
  functions: ChatModelFunctions;
  maxParallelCalls: number | undefined;
  /**
   * Context the call syntax takes beyond the sampled tokens: `LlamaChat` writes the call prefix and the name's end
   * into the sequence itself. Kept free, so that a reply at its token limit never makes it shift the context.
   */
  reservedTokens: number;
};

export type ChatPrompt = {
  prompt: ChatPromptTokens;
  /** Undefined when the reply cannot call a tool: no tools, or `tool_choice` "none". */
  calling: ToolCalling | undefined;
};

/**
 * `tool_choice` "none" renders no tools (a model shown tools it must not call may write a call as text); earlier
 * calls and results in the conversation are rendered all the same. "auto" renders them and lets the model choose.
 * "required" and a named tool start the model's turn in the wrapper's call syntax (ForcedCallChatWrapper), with the
 * name grammar allowing every tool or only the named one.
 */
export function chatPrompt(
  model: LlamaModel,
  chatWrapper: ChatWrapper,
  chat: Pick<ChatCompletionRequest, "messages" | "tools" | "toolChoice" | "parallelToolCalls">,
): ChatPrompt {
  const { toolChoice } = chat;
  if (chat.tools.length === 0 || toolChoice === "none") {
    return { prompt: chatPromptTokens(model, chatWrapper, chat.messages), calling: undefined };
  }
  const offered: ChatModelFunctions = Object.fromEntries(
    chat.tools.map((tool) => [
      tool.name,
      {
        ...(tool.description !== undefined && { description: tool.description }),
        ...(tool.parameters !== undefined && { params: tool.parameters }),
      },
    ]),
  );
  const maxParallelCalls = chat.parallelToolCalls ? undefined : 1;
  const call = chatWrapper.settings.functions.call;
  const reservedTokens =
    LlamaText([
      chatWrapper.settings.functions.parallelism?.call.sectionPrefix ?? "",
      call.prefix,
      call.paramsPrefix,
    ]).tokenize(model.tokenizer).length + 1;
  if (toolChoice === "auto") {
    return {
      prompt: chatPromptTokens(model, chatWrapper, chat.messages, offered),
      calling: { chatWrapper, functions: offered, maxParallelCalls, reservedTokens },
    };
  }
  const forced = new ForcedCallChatWrapper(chatWrapper, offered);
  const functions: ChatModelFunctions =
    toolChoice === "required" ? offered : { [toolChoice.name]: offered[toolChoice.name] ?? {} };
  return {
    // The forced wrapper renders every offered tool whatever it is given, as it will for `LlamaChat`.
    prompt: chatPromptTokens(model, forced, chat.messages, offered),
    calling: { chatWrapper: forced, functions, maxParallelCalls, reservedTokens },
  };
}

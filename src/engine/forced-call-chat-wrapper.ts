/**
 * A model's own chat wrapper, changed so that its reply begins with a function call: what `tool_choice` "required"
 * or a named tool asks for.
 *
 * node-llama-cpp has this state for wrappers whose models start every turn in function-calling mode (Functionary):
 * a context state with `functionCall.initiallyEngaged`. `LlamaChat` then appends the wrapper's call prefix to the
 * prompt and samples the name, then the arguments, each through its grammar, in the wrapper's native syntax. With
 * nothing that disengages it, the model cannot answer with text instead.
 *
 * The functions rendered into the prompt are fixed here, whatever `LlamaChat` asks for: with a named tool it is given
 * only that one (its name grammar then allows only that name) while the prompt still shows the model every tool
 * offered, as the request listed them.
 */
import {
  type ChatHistoryItem,
  type ChatModelFunctionCall,
  type ChatModelFunctions,
  type ChatModelResponse,
  ChatWrapper,
  type ChatWrapperGenerateContextStateOptions,
  type ChatWrapperGeneratedContextState,
  type ChatWrapperGenerateInitialHistoryOptions,
  type ChatWrapperSettings,
  type LlamaText,
} from "node-llama-cpp";

export class ForcedCallChatWrapper extends ChatWrapper {
  readonly wrapperName: string;
  override readonly settings: ChatWrapperSettings;
  readonly #inner: ChatWrapper;
  readonly #rendered: ChatModelFunctions;

  constructor(inner: ChatWrapper, renderedFunctions: ChatModelFunctions) {
    super();
    this.#inner = inner;
    this.#rendered = renderedFunctions;
    this.wrapperName = inner.wrapperName;
    this.settings = inner.settings;
  }

  override generateContextState(
    options: ChatWrapperGenerateContextStateOptions,
  ): ChatWrapperGeneratedContextState {
    const state = this.#inner.generateContextState({ ...options, availableFunctions: this.#rendered });
    // Prefix triggers (a thought segment a model may open first, say) would come before the call: they are left out,
    // so the reply is the call from its first token.
    return {
      contextText: state.contextText,
      stopGenerationTriggers: state.stopGenerationTriggers,
      ignoreStartText: state.ignoreStartText,
      functionCall: { initiallyEngaged: true, disengageInitiallyEngaged: [] },
    };
  }

  override generateFunctionCallsAndResults(functionCalls: ChatModelFunctionCall[], useRawCall?: boolean) {
    return this.#inner.generateFunctionCallsAndResults(functionCalls, useRawCall);
  }

  override generateFunctionCall(name: string, params: unknown): LlamaText {
    return this.#inner.generateFunctionCall(name, params);
  }

  override generateFunctionCallResult(
    functionName: string,
    functionParams: unknown,
    result: unknown,
  ): LlamaText {
    return this.#inner.generateFunctionCallResult(functionName, functionParams, result);
  }

  override generateModelResponseText(
    modelResponse: ChatModelResponse["response"],
    useRawValues?: boolean,
  ): LlamaText {
    return this.#inner.generateModelResponseText(modelResponse, useRawValues);
  }

  override generateAvailableFunctionsSystemText(
    availableFunctions: ChatModelFunctions,
    options: { documentParams?: boolean },
  ): LlamaText {
    return this.#inner.generateAvailableFunctionsSystemText(availableFunctions, options);
  }

  override addAvailableFunctionsSystemMessageToHistory(
    history: readonly ChatHistoryItem[],
    availableFunctions?: ChatModelFunctions,
    options?: { documentParams?: boolean },
  ): readonly ChatHistoryItem[] {
    return this.#inner.addAvailableFunctionsSystemMessageToHistory(history, availableFunctions, options);
  }

  override generateInitialChatHistory(options?: ChatWrapperGenerateInitialHistoryOptions): ChatHistoryItem[] {
    return this.#inner.generateInitialChatHistory(options);
  }
}

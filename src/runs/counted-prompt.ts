/**
 * The prompt as its size is counted: the tools it offers take tokens of the window too (servers put their
 * definitions in the prompt), counted here as their JSON in a system message. Agents often send dozens of tools,
 * thousands of tokens that a count of the messages alone would miss until the upstream refused the request.
 */
import type { ToolDefinition } from "../core/tool-call.js";
import type { ChatPrompt } from "../providers/chat-model.js";

export function countedPrompt(prompt: ChatPrompt, tools: readonly ToolDefinition[] | undefined): ChatPrompt {
  if (!tools?.length) return prompt;
  return [{ role: "system", content: JSON.stringify(tools) }, ...prompt];
}

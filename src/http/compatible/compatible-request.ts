/** What the OpenAI and Anthropic request formats have in common once validated: messages and call settings. */
import type { ChatPrompt } from "../../providers/chat-model.js";
import type { RunCallOptions } from "../../runs/run-service.js";

export type CompatibleRequest = {
  model: string;
  messages: ChatPrompt;
  call: RunCallOptions;
  stream: boolean;
  store: boolean;
};

/** Joins text parts; Parley's prompt messages are text today (images come with vision models). */
export function textOf(
  content: string | readonly { type: string; text?: string }[] | null | undefined,
): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content.map((part) => part.text ?? "").join("");
}

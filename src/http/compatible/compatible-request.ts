/** What the OpenAI and Anthropic request formats have in common once validated: messages and call settings. */
import { BadRequestError } from "../../core/app-error.js";
import type { ChatImage, ChatPrompt, ChatPromptMessage } from "../../providers/chat-model.js";
import type { RunCallOptions } from "../../runs/run-service.js";

export type CompatibleRequest = {
  model: string;
  messages: ChatPrompt;
  call: RunCallOptions;
  stream: boolean;
  store: boolean;
};

/** Joins text parts, leaving out any other (images travel apart from the text, in `images`). */
export function textOf(
  content: string | readonly { type: string; text?: string }[] | null | undefined,
): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content.map((part) => part.text ?? "").join("");
}

/** Both APIs take images in user messages only; so does every model Parley sends them to. */
export function onlyUserImages(
  role: ChatPromptMessage["role"],
  images: readonly ChatImage[],
  index: number,
): void {
  if (images.length > 0 && role !== "user") {
    throw new BadRequestError(
      `\`messages.${index}\`: only user messages may carry images; this one is ${role}.`,
      {
        code: "invalid_request",
      },
    );
  }
}

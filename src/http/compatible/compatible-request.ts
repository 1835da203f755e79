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

/**
 * Each tool result must answer a call an earlier assistant message made, as both APIs require: a result that
 * answers nothing is a client's mistake, named here rather than left to an upstream's refusal (or to a model that
 * would read it as a message from nowhere). `where` names a message as the request numbered it.
 */
export function checkToolResults(messages: ChatPrompt, where: (index: number) => string): void {
  const called = new Set<string>();
  messages.forEach((message, index) => {
    for (const call of message.toolCalls ?? []) called.add(call.id);
    if (message.role === "tool" && !called.has(message.toolCallId ?? "")) {
      throw new BadRequestError(
        `${where(index)}: this tool result answers ${JSON.stringify(message.toolCallId)}, which no earlier assistant message called.`,
        { code: "invalid_request" },
      );
    }
  });
}

/**
 * The tools must have names of their own (a call names its tool, so two of one name could not be told apart), and
 * a tool the request names in its tool choice must be one it offers.
 */
export function checkTools(call: RunCallOptions, field: string): void {
  const names = new Set<string>();
  for (const tool of call.tools ?? []) {
    if (names.has(tool.name)) {
      throw new BadRequestError(
        `\`tools\`: two tools are named ${JSON.stringify(tool.name)}; each needs a name of its own.`,
        {
          code: "invalid_request",
        },
      );
    }
    names.add(tool.name);
  }
  const choice = call.toolChoice;
  if (choice === undefined || choice === "auto" || choice === "none") return;
  if (!call.tools?.length) {
    throw new BadRequestError(
      `\`${field}\`: a tool choice that makes the model call a tool needs \`tools\`.`,
      {
        code: "invalid_request",
      },
    );
  }
  if (typeof choice === "object" && !call.tools.some((tool) => tool.name === choice.name)) {
    throw new BadRequestError(
      `\`${field}\`: names the tool ${JSON.stringify(choice.name)}, which \`tools\` does not offer.`,
      { code: "invalid_request" },
    );
  }
}

/** Joins text parts, leaving out any other (images travel apart from the text, in `images`). */
export function textOf(
  content: string | readonly { type: string; text?: string }[] | null | undefined,
): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content.map((part) => part.text ?? "").join("");
}

/**
 * The APIs take images in user messages only; so does every model Parley sends them to. `list` is the field that
 * holds the messages (the Responses API's `input`).
 */
export function onlyUserImages(
  role: ChatPromptMessage["role"],
  images: readonly ChatImage[],
  index: number,
  list = "messages",
): void {
  if (images.length > 0 && role !== "user") {
    throw new BadRequestError(
      `\`${list}.${index}\`: only user messages may carry images; this one is ${role}.`,
      {
        code: "invalid_request",
      },
    );
  }
}

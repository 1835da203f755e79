/**
 * GET /v1/responses/:id/input_items: the items a stored response answered, as the Responses API lists them. They are
 * the exchange's messages as Parley stored them (the turns after the response it went on from, without its
 * instructions), each an item again: a message with its text and images, a function call, a function's result.
 */
import { z } from "zod";
import { BadRequestError } from "../../core/app-error.js";
import type { Message } from "../../core/message.js";
import type { StoredFile } from "../../core/parley-store.js";
import { parseInput } from "../parse-body.js";
import { exchangeOf, findResponse, type StoredResponseDeps } from "./openai-stored-response.js";

const query = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  // Newest first unless asked otherwise, as OpenAI lists them.
  order: z.enum(["asc", "desc"]).default("desc"),
  after: z.string().min(1).optional(),
});

type InputItem = { id: string; type: string } & Record<string, unknown>;

export async function responseInputItems(
  deps: StoredResponseDeps,
  responseId: string,
  userId: string,
  rawQuery: unknown,
) {
  const { limit, order, after } = parseInput(query, rawQuery, "query");
  const { run, messages, stored } = await findResponse(deps, responseId, userId);
  // Only a stored exchange kept what it was asked.
  const input = stored ? exchangeOf(messages, run.userMessageId).input : [];
  const attached = input.length > 0 ? await deps.store.files.listAttached(run.conversationId) : new Map();
  const items = input.flatMap((message) => itemsOf(message, attached.get(message.id) ?? []));
  if (order === "desc") items.reverse();
  const start = after === undefined ? 0 : items.findIndex((item) => item.id === after) + 1;
  if (after !== undefined && start === 0) {
    throw new BadRequestError(
      `\`after\`: ${JSON.stringify(after)} is not an item of this response's input.`,
      { code: "invalid_request" },
    );
  }
  const page = items.slice(start, start + limit);
  return {
    object: "list",
    data: page,
    first_id: page[0]?.id ?? null,
    last_id: page.at(-1)?.id ?? null,
    has_more: start + page.length < items.length,
  };
}

/**
 * A stored message as the input items it came from: an assistant turn is its text (when it has any) and then each of
 * its calls; a tool's result is a function_call_output. An image is named by its file's id in Parley.
 */
function itemsOf(message: Message, files: readonly StoredFile[]): InputItem[] {
  if (message.role === "tool") {
    return [
      {
        id: `fco_${message.id}`,
        type: "function_call_output",
        call_id: message.toolCallId ?? "",
        output: message.content,
        status: "completed",
      },
    ];
  }
  const calls = (message.toolCalls ?? []).map((call, index) => ({
    id: `fc_${message.id}_${index}`,
    type: "function_call",
    call_id: call.id,
    name: call.name,
    arguments: call.arguments,
    status: "completed",
  }));
  if (message.content === "" && files.length === 0 && calls.length > 0) return calls;
  const text = message.role === "assistant" ? "output_text" : "input_text";
  return [
    {
      id: `msg_${message.id}`,
      type: "message",
      role: message.role,
      status: "completed",
      content: [
        ...(message.content !== "" ? [{ type: text, text: message.content }] : []),
        ...files.map((file) => ({ type: "input_image", detail: "auto", file_id: file.id, image_url: null })),
      ],
    },
    ...calls,
  ];
}

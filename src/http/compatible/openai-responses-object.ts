/** OpenAI's Response object and its output items, made from a Parley run: what /v1/responses answers and streams. */

import type { Run } from "../../core/run.js";
import type { FinishReason, Usage } from "../../core/run-event.js";
import type { ToolCall } from "../../core/tool-call.js";
import type { ResponseEcho } from "./openai-responses-request.js";

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed" | "cancelled";
type ItemStatus = "in_progress" | "completed" | "incomplete";

export type OutputText = { type: "output_text"; text: string; annotations: []; logprobs: [] };
export type MessageItem = {
  type: "message";
  id: string;
  status: ItemStatus;
  role: "assistant";
  content: OutputText[];
};
export type FunctionCallItem = {
  type: "function_call";
  id: string;
  status: ItemStatus;
  call_id: string;
  name: string;
  arguments: string;
};
export type OutputItem = MessageItem | FunctionCallItem;

/** What a response is made from: the run that writes (or wrote) its reply. */
export type ResponseRun = Pick<Run, "id" | "createdAt" | "model">;

const RESPONSE_ID_PREFIX = "resp_";

/** The run's id in each id, so that a response can be found among Parley's runs. */
export function responseIdOf(run: Pick<Run, "id">): string {
  return `${RESPONSE_ID_PREFIX}${run.id}`;
}

/** The id of the run a response id names; undefined for an id that is not a response's. */
export function runIdOfResponse(responseId: string): string | undefined {
  return responseId.startsWith(RESPONSE_ID_PREFIX) ? responseId.slice(RESPONSE_ID_PREFIX.length) : undefined;
}

export function outputText(text: string): OutputText {
  return { type: "output_text", text, annotations: [], logprobs: [] };
}

/** `outputIndex` keeps the ids of a reply's messages apart, in the rare reply with text after a tool call. */
export function messageItem(
  run: ResponseRun,
  text: string | undefined,
  status: ItemStatus,
  outputIndex = 0,
): MessageItem {
  return {
    type: "message",
    id: outputIndex === 0 ? `msg_${run.id}` : `msg_${run.id}_${outputIndex}`,
    status,
    role: "assistant",
    content: text === undefined ? [] : [outputText(text)],
  };
}

/** `call_id` is the call's own id, the one its result answers; `id` is the output item's. */
export function functionCallItem(
  run: ResponseRun,
  index: number,
  call: ToolCall,
  status: ItemStatus,
): FunctionCallItem {
  return {
    type: "function_call",
    id: `fc_${run.id}_${index}`,
    status,
    call_id: call.id,
    name: call.name,
    arguments: call.arguments,
  };
}

/**
 * A reply cut at the token limit is `incomplete`; one stopped before its end (cancelled, by the client leaving or by
 * anyone who may stop it) is `cancelled`, however it is read: answered whole, streamed, or read back.
 */
export function statusOf(reason: FinishReason): "completed" | "incomplete" | "cancelled" {
  if (reason === "length") return "incomplete";
  return reason === "stopped" ? "cancelled" : "completed";
}

/**
 * The Responses API's usage: `input_tokens` is the whole prompt, `cached_tokens` those of it read from the prompt
 * cache (tokens written to a cache count as plain input, as in Chat Completions). Parley's models give no separate
 * count of reasoning tokens.
 */
export function responseUsage(usage: Usage) {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

export function responseObject(
  run: ResponseRun,
  echo: ResponseEcho,
  state: {
    status: ResponseStatus;
    output: OutputItem[];
    usage?: Usage;
    error?: { code: string; message: string };
    /** When the reply ended, for a response read back after it: now, for one answered now. */
    endedAt?: number;
  },
) {
  return {
    id: responseIdOf(run),
    object: "response",
    created_at: Math.floor(run.createdAt / 1000),
    status: state.status,
    ...(state.status === "completed" && { completed_at: Math.floor((state.endedAt ?? Date.now()) / 1000) }),
    error: state.error ?? null,
    incomplete_details: state.status === "incomplete" ? { reason: "max_output_tokens" } : null,
    model: run.model,
    output: state.output,
    service_tier: "default",
    ...echo,
    usage: state.usage ? responseUsage(state.usage) : null,
  };
}

/**
 * A reply's output as the response's `status` has it: its text as a message (left out when the reply is only tool
 * calls, or has said nothing yet), then each call. The message is as complete as the response, or incomplete.
 */
export function outputOf(
  run: ResponseRun,
  reply: { text: string; toolCalls: readonly ToolCall[] },
  status: ResponseStatus,
): OutputItem[] {
  const itemStatus = status === "completed" || status === "in_progress" ? status : "incomplete";
  const textOptional = reply.toolCalls.length > 0 || status === "in_progress";
  return [
    ...(reply.text !== "" || !textOptional ? [messageItem(run, reply.text, itemStatus)] : []),
    ...reply.toolCalls.map((call, index) => functionCallItem(run, index, call, "completed")),
  ];
}

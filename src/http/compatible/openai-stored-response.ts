/**
 * The responses Parley keeps: the reply of each stored exchange, read back by its id (GET /v1/responses/:id), and
 * gone on from by a request that names it in `previous_response_id`. A response's id names the run that wrote its
 * reply, so any stored reply of the user (one written in the web app too) is a response.
 */
import { BadRequestError, NotFoundError } from "../../core/app-error.js";
import type { Message } from "../../core/message.js";
import { threadTo } from "../../core/message-thread.js";
import type { ParleyStore } from "../../core/parley-store.js";
import type { Run } from "../../core/run.js";
import type { FinishReason, Usage } from "../../core/run-event.js";
import type { ToolCall } from "../../core/tool-call.js";
import type { LiveRun } from "../../runs/live-run.js";
import type { EarlierThread, RunService } from "../../runs/run-service.js";
import {
  outputOf,
  type ResponseStatus,
  responseIdOf,
  responseObject,
  runIdOfResponse,
  statusOf,
} from "./openai-responses-object.js";
import type { ResponseEcho } from "./openai-responses-request.js";

/** The thread the user's stored response `responseId` ended; a 400 naming the field when there is none to go on from. */
export async function earlierThreadOf(
  runs: RunService,
  responseId: string,
  userId: string,
): Promise<EarlierThread> {
  const runId = runIdOfResponse(responseId);
  try {
    if (runId === undefined) throw new NotFoundError("Run", responseId);
    return await runs.earlierThread(runId, userId);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    throw new BadRequestError(
      `\`previous_response_id\`: there is no stored response ${JSON.stringify(responseId)} of yours to go on from (a response made with \`store: false\` is not kept).`,
      { code: "previous_response_not_found" },
    );
  }
}

/**
 * What a response read back repeats of its request. Parley keeps the exchange, not the request's settings: its
 * instructions (the exchange's system messages) and the response it went on from are found again; the rest are the
 * API's defaults.
 */
const REQUEST_DEFAULTS: Omit<ResponseEcho, "previous_response_id" | "instructions"> = {
  background: false,
  tools: [],
  tool_choice: "auto",
  parallel_tool_calls: true,
  temperature: null,
  top_p: null,
  max_output_tokens: null,
  store: true,
  metadata: {},
  text: { format: { type: "text" } },
  reasoning: { effort: null, summary: null },
  truncation: "disabled",
};

/** A reply as far as it has been written: from the run itself while it is live here, else from its stored message. */
type Reply = {
  text: string;
  toolCalls: ToolCall[];
  finishReason?: FinishReason;
  usage?: Usage;
  error?: { code: string; message: string };
};

export type StoredResponseDeps = { store: ParleyStore; runs: RunService };

/**
 * The user's response `responseId`: the run that writes (or wrote) its reply, that run while it is live here, and its
 * conversation's messages, the reply's among them once stored. An exchange that was not stored is a response only
 * while its run is live here.
 */
export async function findResponse(
  deps: StoredResponseDeps,
  responseId: string,
  userId: string,
): Promise<{ run: Run; live: LiveRun | undefined; messages: Message[]; stored: Message | undefined }> {
  const runId = runIdOfResponse(responseId);
  const run =
    runId === undefined ? undefined : await deps.runs.getRun(runId, userId).catch(notFoundAsUndefined);
  const live = run && deps.runs.live(run.id);
  const messages = run ? await deps.store.messages.listByConversation(run.conversationId) : [];
  const stored = messages.find((message) => message.id === run?.assistantMessageId);
  if (!run || (!live && !stored)) throw new NotFoundError("Response", responseId);
  return { run, live, messages, stored };
}

/** The user's response `responseId` as the Responses API shows it: finished, or in progress while its run goes on. */
export async function storedResponse(deps: StoredResponseDeps, responseId: string, userId: string) {
  const { run, live, messages, stored } = await findResponse(deps, responseId, userId);
  const reply = replyNow(live, stored);
  const status = responseStatusOf(run, reply);
  const output = outputOf(run, reply, status);
  return responseObject(run, echoOf(messages, run), {
    status,
    output,
    ...(reply.usage && { usage: reply.usage }),
    ...(status === "failed" && { error: reply.error ?? INTERRUPTED }),
    ...(run.endedAt !== null && { endedAt: run.endedAt }),
  });
}

/**
 * The user's response `responseId` as its run's events, from the first: replayed (from this server's memory, the
 * store, or the server writing it), then followed while it is written, until `signal`.
 */
export async function storedResponseEvents(
  deps: StoredResponseDeps,
  responseId: string,
  userId: string,
  signal: AbortSignal,
) {
  const { run, messages } = await findResponse(deps, responseId, userId);
  const events = (await deps.runs.readEvents(run.id, 0, userId, signal)) ?? [];
  return { run, echo: echoOf(messages, run), events };
}

/** What a response read back repeats of its request: see REQUEST_DEFAULTS. */
function echoOf(messages: readonly Message[], run: Run): ResponseEcho {
  const exchange = exchangeOf(messages, run.userMessageId);
  return {
    ...REQUEST_DEFAULTS,
    previous_response_id: exchange.earlierRunId ? responseIdOf({ id: exchange.earlierRunId }) : null,
    instructions: exchange.instructions,
  };
}

/**
 * Stops the user's response `responseId` while its reply is written (here or, with Redis, on another server), and
 * answers it as it ended, `cancelled` with the text so far. A response cancelled already is answered again; one
 * that ended otherwise is a 400, as OpenAI has it.
 */
export async function cancelResponse(deps: StoredResponseDeps, responseId: string, userId: string) {
  const { run, live, stored } = await findResponse(deps, responseId, userId);
  if (run.status !== "running" && run.status !== "stopped") {
    const status = responseStatusOf(run, replyNow(live, stored));
    throw new BadRequestError(
      `Cannot cancel response ${JSON.stringify(responseId)}: it has ended already (${status}).`,
      { code: "response_not_in_progress" },
    );
  }
  await deps.runs.stop(run.id, userId);
  return storedResponse(deps, responseId, userId);
}

/**
 * Deletes the user's response `responseId`: its reply and the input it answered, as RunService.deleteReply has it
 * (stopped first while written; a 409 when later turns go on from it). Read back or gone on from after, it is not
 * found.
 */
export async function deleteResponse(deps: StoredResponseDeps, responseId: string, userId: string) {
  const { run } = await findResponse(deps, responseId, userId);
  await deps.runs.deleteReply(run.id, userId);
  return { id: responseId, object: "response", deleted: true };
}

const INTERRUPTED = {
  code: "interrupted",
  message: "The server stopped while it wrote this reply; the text written before that is kept.",
};

function notFoundAsUndefined(error: unknown): undefined {
  if (error instanceof NotFoundError) return undefined;
  throw error;
}

/** The reply as far as it is written: findResponse gives a stored message whenever it gives no live run. */
function replyNow(live: LiveRun | undefined, stored: Message | undefined): Reply {
  return live ? liveReplyOf(live) : replyOf(stored as Message);
}

function liveReplyOf(live: LiveRun): Reply {
  const [end] = live.dataOf("run.end");
  const [error] = live.dataOf("run.error");
  return {
    text: live.text,
    toolCalls: live.toolCalls,
    ...(end && { finishReason: end.finishReason, usage: end.usage }),
    ...(error && { error: { code: error.code, message: error.message } }),
  };
}

function replyOf(message: Message): Reply {
  return {
    text: message.content,
    toolCalls: message.toolCalls ?? [],
    ...(message.finishReason !== null && { finishReason: message.finishReason }),
    ...(message.usage !== null && { usage: message.usage }),
    ...(message.error !== null && { error: message.error }),
  };
}

/** A reply stopped before its end was cancelled; one the server died under failed. */
function responseStatusOf(run: Run, reply: Reply): ResponseStatus {
  if (run.status === "running") return "in_progress";
  if (run.status === "stopped") return "cancelled";
  if (run.status === "failed" || run.status === "interrupted") return "failed";
  return statusOf(reply.finishReason ?? "stop");
}

/**
 * The exchange that ends with `lastId`: its instructions (the system messages it begins with), then its input (the
 * messages after the reply before them, or from the conversation's start), oldest first; and the run that wrote that
 * reply, if a run did (not an assistant turn a client sent).
 */
export function exchangeOf(
  messages: readonly Message[],
  lastId: string,
): { instructions: string | null; input: Message[]; earlierRunId?: string } {
  // The thread to it, from the reply a run wrote last before it (threadTo keeps a damaged tree from looping).
  const thread = threadTo(messages, lastId);
  const earlier = thread.findLastIndex((message) => message.role === "assistant" && message.runId !== null);
  const earlierRunId = thread[earlier]?.runId ?? undefined;
  const exchange = thread.slice(earlier + 1);
  const turns = exchange.findIndex((message) => message.role !== "system");
  const instructions = exchange.slice(0, turns === -1 ? exchange.length : turns);
  return {
    instructions:
      instructions.length > 0 ? instructions.map((message) => message.content).join("\n\n") : null,
    input: exchange.slice(instructions.length),
    ...(earlierRunId !== undefined && { earlierRunId }),
  };
}

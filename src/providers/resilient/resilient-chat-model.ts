/**
 * A ChatModel over an ordered list of candidate models (a primary and its fallbacks) that retries passing failures,
 * skips endpoints whose circuit is open, and continues a reply that was cut mid-way on the next candidate.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { ProviderError } from "../../core/app-error.js";
import type {
  ChatCallOptions,
  ChatModel,
  ChatPrompt,
  ChatStreamPart,
  ChatStreamSink,
  ModelStartPart,
  UsagePart,
} from "../chat-model.js";
import { pulledParts } from "../pulled-parts.js";
import { streamInto } from "../stream-into.js";
import { sumUsage } from "../sum-usage.js";
import type { CircuitBreaker, CircuitState } from "./circuit-breaker.js";
import { RetryPolicy } from "./retry-policy.js";
import { type StreamTimeoutsConfig, TimeoutChatModel } from "./timeout-chat-model.js";

export type FailoverCandidate = {
  /** Names this model at this endpoint in parts, reports and metrics (for example `claude-haiku@anthropic`). */
  id: string;
  chatModel: ChatModel;
  /** Names the endpoint (for accounting and metrics) when one model is served by several. */
  endpointId?: string;
  /** One breaker per endpoint, shared by every chain that calls that endpoint. */
  breaker?: CircuitBreaker;
  /**
   * Whether the model continues a final assistant message instead of answering anew. Anthropic and Parley's
   * engine do; OpenAI's own API does not (it would restart the reply, and the reader would see text twice).
   * Default true.
   */
  supportsPrefill?: boolean;
  /**
   * The kinds of input the model reads (the catalog's modalities). A prompt with images skips a candidate that
   * lacks `image`: a fallback that cannot see them would answer as if they were not there. Absent, it is assumed
   * to read whatever the prompt holds.
   */
  modalities?: readonly string[];
  /**
   * Whether the model can be held to JSON (the catalog's structuredOutputs): a request for JSON skips a candidate
   * that cannot, which would answer in free text. Absent, it is assumed to.
   */
  structuredOutputs?: boolean;
  /**
   * Whether the model calls tools (the catalog's toolCalls): a request that offers tools skips a candidate that
   * cannot, which would answer without the calls asked of it. Absent, it is assumed to.
   */
  toolCalls?: boolean;
  /**
   * Whether the model thinks as asked (extended thinking, Anthropic's models): a request asking for it skips a
   * candidate that cannot, which would answer without thinking. Absent, it is assumed not to.
   */
  thinking?: boolean;
};

export type AttemptOutcome = "finished" | "failed" | "refused" | "stopped";

/** One call to one candidate, or its refusal by the breaker: what logs and metrics need. */
export type AttemptReport = {
  candidateId: string;
  modelId: string;
  endpointId?: string;
  /** 1 for the first call to this candidate within the reply. */
  attempt: number;
  continuation: boolean;
  outcome: AttemptOutcome;
  error?: ProviderError;
  /** Characters of text this call delivered. */
  deliveredCharacters: number;
  /** What the model reported for this call, when it did: with the candidate, the exact cost of each call. */
  usage?: UsagePart;
  durationMs: number;
  breakerState?: CircuitState;
};

export type ResilientChatModelConfig = {
  /** The name this ChatModel goes by; defaults to the primary's. */
  modelId?: string;
  /** Primary first, then fallbacks in the order they should be tried. */
  candidates: readonly FailoverCandidate[];
  retryPolicy?: RetryPolicy;
  /**
   * First-token and idle timeouts for every candidate's stream; the defaults of TimeoutChatModel when absent, so a
   * stalled upstream can never hold a reply forever. `false` only for candidates that watch their streams already.
   */
  timeouts?: StreamTimeoutsConfig | false;
  onAttempt?: (report: AttemptReport) => void;
};

type Candidate = Required<Pick<FailoverCandidate, "id" | "chatModel" | "supportsPrefill">> &
  Pick<FailoverCandidate, "breaker" | "endpointId"> & {
    seesImages: boolean;
    answersInJson: boolean;
    callsTools: boolean;
    thinks: boolean;
  };

/** What one call to one candidate came to. */
type AttemptResult = { deliveredCharacters: number; usage: UsagePart | undefined } & (
  | { kind: "finished"; end: Extract<ChatStreamPart, { type: "finish" }> }
  | { kind: "stopped" }
  | { kind: "failed"; error: ProviderError }
);

export class ResilientChatModel implements ChatModel {
  readonly modelId: string;
  readonly #candidates: readonly Candidate[];
  readonly #policy: RetryPolicy;
  readonly #onAttempt: ResilientChatModelConfig["onAttempt"];

  constructor(config: ResilientChatModelConfig) {
    const [primary] = config.candidates;
    if (!primary) throw new Error("ResilientChatModel needs at least one candidate model.");
    this.modelId = config.modelId ?? primary.chatModel.modelId;
    this.#candidates = config.candidates.map((candidate) => ({
      id: candidate.id,
      chatModel:
        config.timeouts === false
          ? candidate.chatModel
          : new TimeoutChatModel(candidate.chatModel, config.timeouts ?? {}),
      breaker: candidate.breaker,
      endpointId: candidate.endpointId,
      supportsPrefill: candidate.supportsPrefill ?? true,
      seesImages: candidate.modalities?.includes("image") ?? true,
      answersInJson: candidate.structuredOutputs ?? true,
      callsTools: candidate.toolCalls ?? true,
      thinks: candidate.thinking ?? false,
    }));
    this.#policy = config.retryPolicy ?? new RetryPolicy();
    this.#onAttempt = config.onAttempt;
  }

  /**
   * Text from the first candidate that answers, a `model.start` before the text of each model that answers, and
   * one `usage`, the sum over every call this reply cost, just before the closing `finish` or `error`.
   */
  stream(options: ChatCallOptions): AsyncIterable<ChatStreamPart> {
    return pulledParts(options, (pulled, sink) => this.streamTo(pulled, sink));
  }

  async streamTo(options: ChatCallOptions, sink: ChatStreamSink): Promise<void> {
    /** The usage of every call this reply cost so far, sent once, just before the reply's last part. */
    const tally: { usage: UsagePart | undefined } = { usage: undefined };
    const signal = options.signal;
    /** All text the reader has been given, from every model so far: its pieces, joined only for a continuation. */
    const delivered = new DeliveredText();
    /** The failure that cut the reply once text had gone out. */
    let cut: ProviderError | undefined;
    let lastError: ProviderError | undefined;
    const showsImages = options.prompt.some((message) => (message.images?.length ?? 0) > 0);
    /** Candidates passed over because they cannot take the request: not calls, so not reported. */
    const passedOver = new PassedOver();
    /** Whether the reader has been given a tool call: a reply that cannot be continued, as text can. */
    let calledTools = false;
    /** Whether it has been given thinking: not continued either (a prefill after thinking is refused). */
    let thought = false;
    const offersTools = (options.tools?.length ?? 0) > 0;

    for (const candidate of this.#candidates) {
      const continuation = delivered.length > 0 || calledTools || thought;
      // A JSON reply is not continued: the next model's grammar or schema would start a new document mid-way.
      // Nor is a reply with tool calls or thinking: a prefill carries text only, so the next model would not know
      // of them.
      if (continuation && (!candidate.supportsPrefill || options.responseFormat || calledTools || thought)) {
        continue;
      }
      if (showsImages && !candidate.seesImages) {
        passedOver.add("cannot see the prompt's images", candidate.id);
        continue;
      }
      if (options.responseFormat && !candidate.answersInJson) {
        passedOver.add("cannot be held to JSON replies", candidate.id);
        continue;
      }
      if (offersTools && !candidate.callsTools) {
        passedOver.add("cannot call tools", candidate.id);
        continue;
      }
      if (options.thinking && !candidate.thinks) {
        passedOver.add("cannot think before it answers", candidate.id);
        continue;
      }
      const prompt: ChatPrompt = continuation
        ? [...options.prompt, { role: "assistant", content: delivered.text() }]
        : options.prompt;

      for (let attempt = 1; ; attempt++) {
        if (signal?.aborted) {
          if (tally.usage) sink(tally.usage);
          sink({ type: "finish", reason: "stopped" });
          return;
        }
        const report = {
          candidateId: candidate.id,
          modelId: candidate.chatModel.modelId,
          ...(candidate.endpointId !== undefined && { endpointId: candidate.endpointId }),
          attempt,
          continuation,
        };
        if (candidate.breaker && !candidate.breaker.tryAcquire()) {
          const refusal = circuitOpenError(candidate.id);
          // A real upstream failure explains more than a refusal of Parley's own making.
          lastError ??= refusal;
          this.#report(
            { ...report, outcome: "refused", error: refusal, deliveredCharacters: 0, durationMs: 0 },
            candidate,
          );
          break;
        }

        // One call: its text passes on, after a `model.start` before the first. A call that fails before any text
        // leaves no trace in the stream; one that finishes without text still names its model.
        const startedAt = performance.now();
        const modelStart = modelStartOf(candidate, continuation);
        let deliveredCharacters = 0;
        let callUsage: UsagePart | undefined;
        let end: ChatStreamPart | undefined;
        try {
          await streamInto(candidate.chatModel, { ...options, prompt }, (part) => {
            if (end !== undefined) return;
            if (part.type === "text.delta") {
              if (part.text === "") return;
              if (deliveredCharacters === 0) sink(modelStart);
              deliveredCharacters += part.text.length;
              delivered.add(part.text);
              sink(part);
            } else if (part.type === "tool_call.start" || part.type === "tool_call.delta") {
              if (deliveredCharacters === 0) sink(modelStart);
              // Counted as delivered (a call cut mid-way is not retried from scratch: the reader has its start).
              deliveredCharacters +=
                part.type === "tool_call.start" ? part.name.length : part.arguments.length;
              calledTools = true;
              sink(part);
            } else if (
              part.type === "thinking.delta" ||
              part.type === "thinking.signature" ||
              part.type === "thinking.redacted"
            ) {
              if (deliveredCharacters === 0) sink(modelStart);
              // Counted as delivered: a reply cut after its thinking went out is not thought again from scratch.
              deliveredCharacters += 1;
              thought = true;
              sink(part);
            } else if (part.type === "usage") {
              callUsage = part;
            } else if (part.type === "finish" || part.type === "error") {
              end = part;
            }
          });
        } catch (error) {
          // Providers report failures as parts; a throw is a defect, but it must not take the reply down with it.
          end = { type: "error", error };
        }
        const result = attemptResult(end, signal, deliveredCharacters, callUsage);
        if (result.kind === "finished" && deliveredCharacters === 0) sink(modelStart);
        const durationMs = performance.now() - startedAt;
        if (result.usage) tally.usage = tally.usage ? sumUsage(tally.usage, result.usage) : result.usage;
        const usage = result.usage && { usage: result.usage };
        if (result.kind === "stopped") {
          candidate.breaker?.release();
          this.#report(
            { ...report, outcome: "stopped", deliveredCharacters, durationMs, ...usage },
            candidate,
          );
          if (tally.usage) sink(tally.usage);
          sink({ type: "finish", reason: "stopped" });
          return;
        }
        if (result.kind === "finished") {
          candidate.breaker?.recordSuccess();
          this.#report(
            { ...report, outcome: "finished", deliveredCharacters, durationMs, ...usage },
            candidate,
          );
          if (tally.usage) sink(tally.usage);
          sink(result.end);
          return;
        }

        const { error } = result;
        // A request the endpoint answered, even with a refusal, says it is alive.
        if (this.#policy.isRetryable(error)) candidate.breaker?.recordFailure();
        else candidate.breaker?.recordSuccess();
        this.#report(
          { ...report, outcome: "failed", error, deliveredCharacters, durationMs, ...usage },
          candidate,
        );
        lastError = error;

        if (deliveredCharacters > 0) {
          // Cut mid-reply. A refusal mid-way (a content filter) is final; anything else goes on elsewhere.
          if (!this.#policy.isRetryable(error)) {
            if (tally.usage) sink(tally.usage);
            sink({ type: "error", error });
            return;
          }
          cut = error;
          break;
        }
        if (!this.#policy.isRetryable(error)) {
          if (!this.#policy.canFailOver(error)) {
            // On a continuation, a request error means this model would not take the prefill (or the longer
            // prompt it makes): the reply stays cut, and the error says so.
            const refusedPrefill = continuation && error.code !== "content_filtered";
            const why = `${candidate.id} refused to continue it (${error.message})`;
            if (tally.usage) sink(tally.usage);
            sink({ type: "error", error: refusedPrefill ? incompleteError(delivered, cut, why) : error });
            return;
          }
          // Wrong for this endpoint only (a bad key, an unknown model name): the next one may do.
          break;
        }
        const decision = this.#policy.decide({ attempt, error, deliveredText: false });
        if (!decision.retry) break;
        if (!(await pause(decision.delayMs, signal))) {
          if (tally.usage) sink(tally.usage);
          sink({ type: "finish", reason: "stopped" });
          return;
        }
      }
    }

    const note = passedOver.note();
    const notTried = note ? ` (${note})` : "";
    if (delivered.length > 0 || calledTools || thought) {
      if (tally.usage) sink(tally.usage);
      sink({
        type: "error",
        error: incompleteError(
          delivered,
          cut,
          calledTools
            ? "a reply that called tools is not continued on another model"
            : thought
              ? "a reply that began by thinking is not continued on another model"
              : `no fallback model could continue it${notTried}`,
        ),
      });
      return;
    }
    if (!lastError) {
      const error = new ProviderError(`No model was available to answer${notTried}.`, { isRetryable: true });
      if (tally.usage) sink(tally.usage);
      sink({ type: "error", error });
      return;
    }
    if (tally.usage) sink(tally.usage);
    sink({
      type: "error",
      error: note ? withNote(lastError, `${note}.`) : lastError,
    });
  }

  #report(report: Omit<AttemptReport, "breakerState">, candidate: Candidate): void {
    this.#onAttempt?.({ ...report, ...(candidate.breaker && { breakerState: candidate.breaker.state }) });
  }
}

function modelStartOf(candidate: Candidate, continuation: boolean): ModelStartPart {
  return {
    type: "model.start",
    candidateId: candidate.id,
    modelId: candidate.chatModel.modelId,
    ...(candidate.endpointId !== undefined && { endpointId: candidate.endpointId }),
    continuation,
  };
}

/** What a call came to, from how its stream ended. */
function attemptResult(
  end: ChatStreamPart | undefined,
  signal: AbortSignal | undefined,
  deliveredCharacters: number,
  usage: UsagePart | undefined,
): AttemptResult {
  if (signal?.aborted || (end?.type === "finish" && end.reason === "stopped")) {
    return { kind: "stopped", deliveredCharacters, usage };
  }
  if (end?.type === "finish") return { kind: "finished", end, deliveredCharacters, usage };
  const error =
    end?.type === "error"
      ? asProviderError(end.error)
      : new ProviderError("The model's stream ended without saying how.", { isRetryable: true });
  return { kind: "failed", error, deliveredCharacters, usage };
}

function incompleteError(
  delivered: DeliveredText,
  cut: ProviderError | undefined,
  why: string,
): ProviderError {
  return new ProviderError(
    `The reply was cut off after ${delivered.length} characters${cut ? ` (${cut.message})` : ""}, and ${why}.`,
    {
      code: "reply_incomplete",
      isRetryable: true,
      cause: cut,
      details: { deliveredCharacters: delivered.length },
    },
  );
}

/** The candidates a reply skipped, by why, for the error that says no model could answer. */
class PassedOver {
  readonly #byReason = new Map<string, string[]>();

  add(reason: string, candidateId: string): void {
    const ids = this.#byReason.get(reason);
    if (!ids) this.#byReason.set(reason, [candidateId]);
    else if (!ids.includes(candidateId)) ids.push(candidateId);
  }

  /** "models that cannot ... were not tried: a, b", one clause per reason; empty when none was skipped. */
  note(): string {
    return [...this.#byReason]
      .map(([reason, ids]) => `models that ${reason} were not tried: ${ids.join(", ")}`)
      .join("; ");
  }
}

/** The same failure, with a sentence more on why the chain could not get past it. */
function withNote(error: ProviderError, note: string): ProviderError {
  return new ProviderError(`${error.message} ${note[0]?.toUpperCase()}${note.slice(1)}`, {
    code: error.code,
    statusCode: error.statusCode,
    responseBody: error.responseBody,
    isRetryable: error.isRetryable,
    cause: error,
    details: error.details,
  });
}

function circuitOpenError(candidateId: string): ProviderError {
  return new ProviderError(
    `Model ${candidateId} failed repeatedly, so Parley is not calling it for a while.`,
    { code: "circuit_open", isRetryable: true },
  );
}

function asProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(`The model failed: ${message}`, { cause: error, isRetryable: false });
}

/** Resolves true after `milliseconds`, or false as soon as the caller aborts. */
async function pause(milliseconds: number, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    await sleep(milliseconds, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** The text a reply has delivered, kept as its pieces: added to for every token, read whole only on failover. */
class DeliveredText {
  readonly #pieces: string[] = [];
  length = 0;

  add(piece: string): void {
    this.#pieces.push(piece);
    this.length += piece.length;
  }

  text(): string {
    return this.#pieces.join("");
  }
}

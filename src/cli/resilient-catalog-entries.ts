/**
 * Wraps each served model in failover: its own endpoints first, then its fallbacks' endpoints, with retries,
 * timeouts and one circuit breaker per model at each endpoint, shared by every chain that calls that model there.
 */
import type { ParleyConfig } from "../config/config-schema.js";
import { CircuitBreaker } from "../providers/resilient/circuit-breaker.js";
import {
  type AttemptReport,
  type FailoverCandidate,
  ResilientChatModel,
} from "../providers/resilient/resilient-chat-model.js";
import { RetryPolicy } from "../providers/resilient/retry-policy.js";
import { type CatalogEntry, thinks } from "../runs/model-catalog.js";
import type { RunMetrics } from "../runs/run-metrics.js";
import type { ServedModel } from "./served-model.js";

export function resilientCatalogEntries(
  models: readonly ServedModel[],
  failover: ParleyConfig["failover"],
  metrics: RunMetrics,
): CatalogEntry[] {
  const byId = new Map(models.map((model) => [model.info.id, model]));
  // Per model, not per endpoint alone: one model's rate limit or overload (a 429, a 503 from a busy model) says
  // nothing about the other models the same provider serves, and must not shut them out too.
  const breakers = new Map<string, CircuitBreaker>();
  const breakerFor = (model: string, endpoint: string) => {
    const key = `${model}\u0000${endpoint}`;
    let breaker = breakers.get(key);
    if (!breaker) {
      breaker = new CircuitBreaker({
        failureThreshold: failover.breakerFailureThreshold,
        coolDownMs: failover.breakerCoolDownMs,
        onStateChange: (_from, to) => metrics.breakerState({ model, endpoint }, to),
      });
      breakers.set(key, breaker);
      metrics.breakerState({ model, endpoint }, breaker.state);
    }
    return breaker;
  };
  const candidatesOf = (model: ServedModel): FailoverCandidate[] =>
    model.endpoints.map((endpoint) => ({
      id: model.info.id,
      chatModel: endpoint.chatModel,
      endpointId: endpoint.endpointId,
      breaker: breakerFor(model.info.id, endpoint.endpointId),
      supportsPrefill: endpoint.supportsPrefill,
      // A chain whose primary sees images must not fail over to a fallback that cannot.
      modalities: model.info.modalities,
      // Nor a chain asked for JSON to one that would answer in free text.
      structuredOutputs: model.info.structuredOutputs,
      // Nor a chain offering tools to one that cannot call them.
      toolCalls: model.info.toolCalls,
      // Nor one asked to think to one that would answer without thinking.
      thinking: thinks(model.info),
    }));
  const retryPolicy = new RetryPolicy({
    maxAttempts: failover.maxAttempts,
    baseDelayMs: failover.baseDelayMs,
    maxDelayMs: failover.maxDelayMs,
    maxRetryAfterMs: failover.maxRetryAfterMs,
  });

  const timeouts = {
    firstTokenTimeoutMs: failover.firstTokenTimeoutMs,
    idleTimeoutMs: failover.idleTimeoutMs,
  };
  const onAttempt = (report: AttemptReport) => metrics.upstreamAttempt(report);
  /** The model's own endpoints, then its configured fallbacks', then those of `also`, if given. */
  const chainOf = (model: ServedModel, also?: ServedModel) =>
    new ResilientChatModel({
      modelId: model.info.id,
      candidates: [
        ...candidatesOf(model),
        ...model.fallbacks.flatMap((id) => {
          const fallback = byId.get(id);
          return fallback ? candidatesOf(fallback) : [];
        }),
        // (Not twice: a configured fallback is in the chain already.)
        ...(also && !model.fallbacks.includes(also.info.id) ? candidatesOf(also) : []),
      ],
      retryPolicy,
      timeouts,
      onAttempt,
    });

  return models.map((model) => ({
    info: model.info,
    status: model.status,
    ...(model.countTokens && { countTokens: model.countTokens }),
    circuits: () => model.endpoints.map((endpoint) => breakerFor(model.info.id, endpoint.endpointId).state),
    msUntilTrial: () =>
      Math.min(
        ...model.endpoints.map((endpoint) => breakerFor(model.info.id, endpoint.endpointId).msUntilTrial),
      ),
    awaitingTrial: () => {
      const breakers = model.endpoints.map((endpoint) => breakerFor(model.info.id, endpoint.endpointId));
      return (
        breakers.some((breaker) => breaker.awaitingTrial) &&
        breakers.every((breaker) => breaker.awaitingTrial || breaker.state === "closed")
      );
    },
    withFallback: (fallbackId: string) => {
      const fallback = byId.get(fallbackId);
      return fallback && chainOf(model, fallback);
    },
    chatModel: chainOf(model),
  }));
}

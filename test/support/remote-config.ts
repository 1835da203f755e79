/**
 * Writes parley.config.yaml for tests that serve remote models from a fault upstream (and, if they like, local
 * ones too): one typed writer instead of near-identical YAML in every test.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import type { z } from "zod";
import type { configSchema, remoteModelSchema } from "../../src/config/config-schema.js";
import type { FaultUpstream } from "./fault-upstream.js";

export type ConfigInput = z.input<typeof configSchema>;
type ProviderInput = NonNullable<ConfigInput["providers"]>[number];
type RemoteModelInput = z.input<typeof remoteModelSchema>;

/**
 * A catalog model served by the fault upstream under `upstreamModel` (`<fault>@<label>`, see fault-upstream.ts),
 * balanced tier, an 8192-token window and small prices unless `extra` says otherwise.
 */
export function faultModel(
  id: string,
  upstreamModel: string,
  extra: Partial<RemoteModelInput> = {},
): RemoteModelInput {
  return {
    id,
    upstreamModel,
    tier: "balanced",
    contextWindow: 8192,
    pricing: { input: 1, output: 2 },
    ...extra,
  };
}

/** What a model that sees images adds to its `faultModel` entry: `faultModel(id, upstreamModel, { ...VISION })`. */
export const VISION: Partial<RemoteModelInput> = { modalities: ["text", "image"] };

/** An OpenAI-compatible provider at the fault upstream. */
export function openAIProvider(
  id: string,
  upstream: FaultUpstream,
  models: RemoteModelInput[],
  extra: Partial<Extract<ProviderInput, { type: "openai-compatible" }>> = {},
): ProviderInput {
  return { id, type: "openai-compatible", baseURL: upstream.openAIBaseURL, models, ...extra };
}

/** An Anthropic provider at the fault upstream, with the key the real API would insist on. */
export function anthropicProvider(
  id: string,
  upstream: FaultUpstream,
  models: RemoteModelInput[],
  extra: Partial<Extract<ProviderInput, { type: "anthropic" }>> = {},
): ProviderInput {
  return { id, type: "anthropic", baseURL: upstream.anthropicBaseURL, apiKey: "test-key", models, ...extra };
}

/**
 * Writes `config` as `dir/parley.config.yaml`. Failover waits are short unless `config.failover` says otherwise,
 * and the per-minute limit is out of the way, so tests that ask many times stay quick.
 */
export function writeRemoteConfig(dir: string, config: ConfigInput): void {
  const full: ConfigInput = {
    ...config,
    failover: { baseDelayMs: 20, maxDelayMs: 50, idleTimeoutMs: 500, ...config.failover },
    limits: { requestsPerMinute: 10_000, ...config.limits },
  };
  writeFileSync(path.join(dir, "parley.config.yaml"), stringify(full));
}

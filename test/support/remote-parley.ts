/**
 * Starts a fault upstream and a real `parley serve` whose config serves remote models from it: the setup every test
 * of remote models shares, in one call, so a test file shows only the models it needs and what it proves of them.
 */
import path from "node:path";
import { writeTinyModel } from "../../src/engine/tiny-model.js";
import { type FaultUpstream, type FaultUpstreamConfig, startFaultUpstream } from "./fault-upstream.js";
import { type ParleyProcess, type StartParleyOptions, startParley } from "./parley-process.js";
import { type ConfigInput, writeRemoteConfig } from "./remote-config.js";

export type RemoteParley = {
  parley: ParleyProcess;
  upstream: FaultUpstream;
  /** Stops the server, then the upstream. */
  stop(): Promise<void>;
};

export type RemoteParleyOptions = {
  /** How the fault upstream behaves (see fault-upstream.ts). */
  upstream?: FaultUpstreamConfig;
  /** Writes the tiny test model as ./tiny.gguf too, for local models in the config. */
  tinyModel?: boolean;
  /** How the server starts (accounts, waiting for models); it serves from a new temporary directory. */
  parley?: Omit<StartParleyOptions, "dataDir" | "prepare">;
};

/**
 * Starts the upstream, writes `configOf(upstream)` with writeRemoteConfig (short failover waits) and starts Parley
 * on it. Use it in `beforeAll` and return `stop` from there, which vitest then calls after the file's tests.
 */
export async function startRemoteParley(
  configOf: (upstream: FaultUpstream) => ConfigInput,
  options: RemoteParleyOptions = {},
): Promise<RemoteParley> {
  const upstream = await startFaultUpstream(options.upstream);
  try {
    const parley = await startParley({
      ...options.parley,
      prepare: async (dir) => {
        if (options.tinyModel) await writeTinyModel(path.join(dir, "tiny.gguf"));
        writeRemoteConfig(dir, configOf(upstream));
      },
    });
    return {
      parley,
      upstream,
      async stop() {
        await parley.stop();
        await upstream.close();
      },
    };
  } catch (error) {
    // A server that never started leaves no upstream behind.
    await upstream.close();
    throw error;
  }
}

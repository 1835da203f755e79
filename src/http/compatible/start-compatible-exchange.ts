/**
 * The steps every compatible API (chat completions, responses, messages) takes before it answers: the key's models
 * are checked before the request takes any of the key's limits, then the run starts as an exchange sent whole (or as
 * the turns after an earlier stored reply).
 */
import type { ParleyStore } from "../../core/parley-store.js";
import type { Principal } from "../../core/principal.js";
import type { LiveRun } from "../../runs/live-run.js";
import type { EarlierThread, RunService } from "../../runs/run-service.js";
import { assertKeyMayAsk } from "../auth/assert-key-may-ask.js";
import type { RunAdmission } from "../run-admission.js";
import type { CompatibleRequest } from "./compatible-request.js";
import type { ServedModelsConfig } from "./served-models.js";

/** What the compatible APIs' routes are registered with. */
export type CompatibleRouteDeps = ServedModelsConfig & {
  store: ParleyStore;
  runs: RunService;
  admission: RunAdmission;
  pingIntervalMs: number;
};

export async function startCompatibleExchange(
  deps: CompatibleRouteDeps,
  principal: Principal,
  exchange: Pick<CompatibleRequest, "model" | "messages" | "call" | "store"> & {
    earlier?: EarlierThread | undefined;
  },
): Promise<LiveRun> {
  await assertKeyMayAsk(deps, principal, exchange.model);
  await deps.admission.admit(principal);
  return deps.runs.startExchange({
    model: exchange.model,
    messages: exchange.messages,
    call: exchange.call,
    store: exchange.store,
    ...(exchange.earlier && { earlier: exchange.earlier }),
    userId: principal.userId,
    apiKeyId: principal.apiKeyId,
    keyModels: principal.keyModels,
  });
}

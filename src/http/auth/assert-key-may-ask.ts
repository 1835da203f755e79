/**
 * A request's model checked against its API key's models, before the request takes any of the key's limits. Only a
 * model this server serves the caller (one the key could have been made with) is refused as not the key's: a model
 * it does not serve at all goes on to the error every caller gets for it (unknown model), so that a key held to some
 * models is told what any other key is. The run's router checks the key again as it resolves the model.
 */
import { keyMayUse, ModelNotAllowedError } from "../../core/key-models.js";
import type { ParleyStore } from "../../core/parley-store.js";
import type { Principal } from "../../core/principal.js";
import { type ServedModelsConfig, servesModel } from "../compatible/served-models.js";

export async function assertKeyMayAsk(
  config: ServedModelsConfig & { store: ParleyStore },
  principal: Principal,
  model: string,
): Promise<void> {
  const { keyModels } = principal;
  if (keyModels === undefined || keyMayUse(keyModels, model)) return;
  if (await servesModel(config, principal, model)) throw new ModelNotAllowedError(model, keyModels);
}
